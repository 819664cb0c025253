"""What a paired teacher owes, as lines to act on: /my/pairings, the home page's "结对帮扶" box
and the worklist's section (registered with contacts.worklists, which may not import pairing).
The dates come from `due.due_for` (one definition for pages and figures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import Role, User
from gridapp.contacts import worklists
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.pairing.due import Due, due_for
from gridapp.pairing.models import Pairing
from gridapp.people.models import Student

SOON_DAYS = 14  # the home page and the worklist show what is overdue or due within two weeks


@dataclass(frozen=True)
class DueItem:
    """One thing a pairing owes: `what` (Chinese), for which student, where to do it (`url`), by
    when (`due`, a day in Asia/Shanghai), whether that day has passed."""

    pairing_id: int
    student_name: str
    what: str
    url: str
    due: date
    overdue: bool

    @property
    def label(self) -> str:
        """The line of the home page and the worklist: the student and what is owed."""
        return f"{self.student_name}：{self.what}"


@dataclass(frozen=True)
class PairingDue:
    """An active pairing of the teacher with what it owes, its items soonest first."""

    pairing: Pairing
    due: Due
    items: list[DueItem]

    @property
    def overdue(self) -> bool:
        return any(i.overdue for i in self.items)

    @property
    def next_due(self) -> date | None:
        return min((i.due for i in self.items), default=None)


def items_of(pairing: Pairing, d: Due) -> list[DueItem]:
    """What the pairing owes as lines: the support log entry, the plan (its first version or
    its review), a focus student's door visit; soonest first."""
    page = url_for("pairing.pairing_page", pairing_id=pairing.id)
    name = pairing.student.name
    out = []
    if d.log_due_on:
        out.append(DueItem(pairing.id, name, _("帮扶记录"), page + "#support-log",
                           d.log_due_on, d.log_overdue))  # fmt: skip
    if d.plan_due_on:
        what = _("制定帮扶计划") if d.plan_version is None else _("评估帮扶计划")
        out.append(DueItem(pairing.id, name, what, url_for("pairing.plan_form", pairing_id=pairing.id),
                           d.plan_due_on, d.plan_overdue))  # fmt: skip
    if d.visit_due_on:
        out.append(DueItem(pairing.id, name, _("本学期上门家访"),
                           url_for("contacts.new_contact", student=pairing.student_id),
                           d.visit_due_on, d.visit_overdue))  # fmt: skip
    return sorted(out, key=lambda i: (not i.overdue, i.due))


def active_pairings(teacher: User) -> list[Pairing]:
    """The teacher's active pairings at the schools where they teach, with each student and
    class (one query)."""
    q = (
        select(Pairing)
        .options(joinedload(Pairing.student).joinedload(Student.school_class))
        .where(
            Pairing.teacher_id == teacher.id,
            Pairing.ends_on.is_(None),
            Pairing.school_id.in_(sorted(teacher.school_ids_with(Role.TEACHER)) or [-1]),
        )
    )
    return list(db.session.scalars(q))


def teacher_due(teacher: User, today: date) -> list[PairingDue]:
    """The teacher's active pairings with what each owes, overdue ones first, then the soonest
    due. A fixed number of queries (`active_pairings`, then `due.due_for`)."""
    pairings = active_pairings(teacher)
    dues = due_for(pairings, today)
    rows = [PairingDue(p, dues[p.id], items_of(p, dues[p.id])) for p in pairings if p.id in dues]
    far = today + timedelta(days=36500)
    return sorted(
        rows, key=lambda r: (not r.overdue, r.next_due or far, r.pairing.student.name_key)
    )


def may_hold_pairings(user: User) -> bool:
    """Whether the user may hold pairings at all, without a query: a teacher with the
    Party-member flag (pairing.services._check_teacher refuses anyone else)."""
    return bool(user.is_party_member and user.has_role(Role.TEACHER))


def soon_due(teacher: User, today: date) -> list[DueItem]:
    """What the teacher's pairings owe that is overdue or due within `SOON_DAYS`, overdue first
    then soonest: the home page's box and the worklist's section. No query for a user who may
    hold no pairing."""
    if not may_hold_pairings(teacher):
        return []
    limit = today + timedelta(days=SOON_DAYS)
    items = [i for row in teacher_due(teacher, today) for i in row.items if i.due <= limit]
    return sorted(items, key=lambda i: (not i.overdue, i.due))


def _worklist_section(user: User, today: date):
    return _("结对帮扶"), soon_due(user, today)


worklists.register_extra_section("pairing", _worklist_section)
