"""A paired teacher's own list (/my/pairings): their active pairings with what each owes,
overdue first, then the soonest due."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from gridapp.accounts.models import Role
from gridapp.core.permissions import require
from gridapp.core.time import today
from gridapp.pairing import reminders
from gridapp.pairing.views import _me, bp


@bp.get("/my/pairings")
@login_required
def my_pairings():
    """Any teacher: their pairings, or the empty state "您目前没有结对学生"."""
    user = _me()
    require(user.has_role(Role.TEACHER))
    return render_template(
        "pairing/my_pairings.html", rows=reminders.teacher_due(user, today()), today=today()
    )
