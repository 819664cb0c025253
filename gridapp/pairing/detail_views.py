"""A pairing's page (/pairings/<id>): the student, the teacher, the history, what is due, the
current support plan and the support log with its form. The plan and the log are sensitive:
every view is audited ("pairing.view")."""

from __future__ import annotations

import secrets

from flask import request, url_for
from flask_login import login_required

from gridapp.core import audit
from gridapp.core.forms import form_fragment, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import due, logs, plans, reminders, services
from gridapp.pairing.log_forms import LogEntryForm
from gridapp.pairing.models import HelpKind
from gridapp.pairing.permissions import load_pairing
from gridapp.pairing.views import _me, bp
from gridapp.schools.permissions import is_school_leader


def new_log_form() -> LogEntryForm:
    """An empty log form with today's date and a fresh one-time token."""
    form = LogEntryForm(formdata=None)
    form.happened_on.data = today()
    form.client_token.data = secrets.token_urlsafe(24)
    return form


def view_audited(user, pairing) -> None:
    """A view of the plan and log is a view of sensitive data: one audit entry, committed."""
    audit.record(user, "pairing.view", pairing, student_id=pairing.student_id)
    db.session.commit()


def _page(pairing, form: LogEntryForm):
    """The page (or, to an htmx swap, the log section) with `form` as the log's form."""
    user = _me()
    view_audited(user, pairing)
    plan = plans.latest(pairing.id)
    owed = due.due_for([pairing], today()).get(pairing.id)
    return form_fragment(
        "pairing/pairing.html",
        "pairing/_partials/log.html",
        form,
        pairing=pairing,
        history=services.student_pairings(pairing.student_id),
        due=owed,
        due_items=reminders.items_of(pairing, owed) if owed else [],
        is_leader=is_school_leader(user, pairing.school_id),
        plan=plan,
        plan_actions=plans.action_rows(plan),
        log=logs.support_log(pairing),
        may_edit=can(user, Need.EDIT, pairing),
        may_manage=can(user, Need.MANAGE, pairing),
        kinds=list(HelpKind),
        today=today(),
    )


@bp.get("/pairings/<int:pairing_id>")
@login_required
def pairing_page(pairing_id: int):
    """The pairing: the paired teacher, the head teacher of the student's class and the school's
    leaders (Need.VIEW); anyone else 404."""
    pairing = load_pairing(pairing_id, Need.VIEW)
    return _page(pairing, new_log_form())


@bp.route("/pairings/<int:pairing_id>/log", methods=["GET", "POST"])
@login_required
def add_log(pairing_id: int):
    """A support log entry, written by the paired teacher while the pairing is active."""
    user = _me()
    pairing = load_pairing(pairing_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".pairing_page", pairing_id=pairing.id))
    form = LogEntryForm()
    done = submit(
        form,
        lambda: logs.record_entry(
            user,
            pairing,
            logs.LogData(
                form.happened_on.data,
                form.kind.data,
                form.done.data or "",
                form.outcome.data or "",
                form.next_step.data or "",
            ),
            today(),
            form.client_token.data or "",
        ),  # fmt: skip
        then=url_for(".pairing_page", pairing_id=pairing.id) + "#support-log",
        message=lambda result: _("帮扶记录已保存") if result[1] else None,
    )
    return done or _page(pairing, form)
