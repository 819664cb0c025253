"""The schedule's note beside each family on a teacher's worklist: the week its contact with that
teacher is planned for (`contacts.worklists.register_line_notes`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules, worklists
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.schedules import services
from gridapp.schedules.models import ScheduleItem


def week_notes(user: User, school_id: int, family_ids: list[int], today: date) -> dict[int, str]:
    """{family id: "已安排：第5周上门家访"} for the user's items not yet done of the school's
    current semester with those families (the earliest week first when there are several)."""
    semester_id = rules.current_semester_ids([school_id], today).get(school_id)
    if semester_id is None:
        return {}
    rows = db.session.execute(
        select(
            ScheduleItem.id,
            ScheduleItem.family_id,
            ScheduleItem.teacher_id,
            ScheduleItem.week,
            ScheduleItem.form,
            ScheduleItem.rule,
        )
        .where(
            ScheduleItem.semester_id == semester_id,
            ScheduleItem.teacher_id == user.id,
            ScheduleItem.family_id.in_(family_ids),
        )
        .order_by(ScheduleItem.week, ScheduleItem.id)
    ).all()
    done = services.done_item_ids(rows, rules.period_for(school_id, today, semester_id))
    out: dict[int, list[str]] = {}
    for row in rows:
        if row.id in done:  # met already: the worklist says what is still owed
            continue
        out.setdefault(row.family_id, []).append(_("第%(n)d周%(f)s", n=row.week, f=row.form.label))
    return {f: _("已安排：%(w)s", w="、".join(ws)) for f, ws in out.items()}


worklists.register_line_notes(week_notes)
