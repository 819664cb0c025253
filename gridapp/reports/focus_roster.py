"""The focus roster (重点对象名单, issue 21 item 5): a class's or a school's students with an open
focus category, wherever it was marked (the student page, a grid log, the roster import), with
their categories, since when, what the focus rule owes them this semester and their last door
visit. What is owed comes from the quota engine (`contacts.rules.student_status`, its "focus"
rule: a door visit each semester, seed 002 §5), never counted again here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, func, or_, select

from gridapp.contacts import rules
from gridapp.contacts.models import Contact, ContactFamily, ContactForm, ContactStatus
from gridapp.core import text
from gridapp.extensions import db
from gridapp.people.models import (
    SENSITIVE_FOCUS,
    FocusCategory,
    Student,
    StudentFocus,
    StudentStatus,
)
from gridapp.people.services import open_focus
from gridapp.schools.models import SchoolClass


def roster_query(
    school_id: int,
    *,
    class_id: int | None = None,
    category: FocusCategory | None = None,
    search: str = "",
    sensitive: bool = False,
) -> Select:
    """The active students of school `school_id` (of class `class_id` if given) holding an open
    focus category (`category` if given; a sensitive one counts only when `sensitive`, for those
    entitled: seed 002 §7), found by `search` (name or student number, as a Chinese keyboard
    types it), in Chinese name order (name_key, id). Rows: id, name, student_number, family_id,
    class_id, class_name. A select to paginate."""
    held = [StudentFocus.student_id == Student.id, StudentFocus.ended_on.is_(None)]
    if category is not None:
        held.append(StudentFocus.category == category)
    if not sensitive:
        held.append(StudentFocus.category.not_in(sorted(SENSITIVE_FOCUS)))
    q = (
        select(
            Student.id,
            Student.name,
            Student.student_number,
            Student.family_id,
            Student.class_id,
            SchoolClass.name.label("class_name"),
        )
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(
            Student.school_id == school_id,
            Student.status == StudentStatus.ACTIVE,
            exists().where(*held),
        )
        .order_by(Student.name_key, Student.id)
    )
    if class_id is not None:
        q = q.where(Student.class_id == class_id)
    search = text.normalise_search(search)
    if search:
        like = text.like_pattern(search)
        q = q.where(
            or_(
                Student.name.ilike(like, escape=text.LIKE_ESCAPE),
                Student.student_number.ilike(like, escape=text.LIKE_ESCAPE),
            )
        )
    return q


@dataclass(frozen=True)
class FocusLine:
    """One student of the roster: their open categories (those the viewer may see, oldest
    first), the first day of the oldest, the focus rule's state this semester (`status`:
    rules.MET, MET_LATE, OWED, OVERDUE, or None when the engine does not count the student in
    the period), the visits counted and needed, the due date, and the last door visit."""

    student_id: int
    name: str
    student_number: str
    class_id: int
    class_name: str
    categories: list
    since_on: date | None
    status: str | None
    visits: int
    need: int
    due_on: date | None
    last_visit_on: date | None


def roster_lines(rows, period: rules.Period | None, *, sensitive: bool, today: date):
    """The `FocusLine`s of a page of `roster_query` rows: three grouped queries for the page
    (open categories, the engine's focus rule, the last door visits), whatever its length."""
    ids = [r.id for r in rows]
    focus = open_focus(ids)
    owed = {}
    if period is not None and ids:
        for s in db.session.execute(rules.student_status(period, student_ids=ids)):
            owed[s.student_id] = s
    visits = last_home_visits({r.family_id for r in rows}, period)
    out = []
    for r in rows:
        cats = [e for e in focus.get(r.id, []) if sensitive or not e.category.sensitive]
        s = owed.get(r.id)
        applies = s is not None and s.focus_applies
        out.append(
            FocusLine(
                student_id=r.id,
                name=r.name,
                student_number=r.student_number,
                class_id=r.class_id,
                class_name=r.class_name,
                categories=[e.category for e in cats],
                since_on=min((e.since_on for e in cats), default=None),
                status=rules.rule_status(s.focus_met, s.focus_late, s.focus_due, today)
                if applies
                else None,
                visits=s.focus_count if s is not None else 0,
                need=s.focus_need if s is not None else 0,
                due_on=s.focus_due if applies else None,
                last_visit_on=visits.get(r.family_id),
            )
        )
    return out


def last_home_visits(family_ids, period: rules.Period | None) -> dict[int, date]:
    """{family id: the date of its last door-to-door visit (上门家访)} among `family_ids`, of the
    records that count (`rules.counts`: not withdrawn nor returned, or reviewed only by the
    school's setting); families never visited are left out."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    q = (
        select(ContactFamily.family_id, func.max(Contact.contact_on))
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .where(ContactFamily.family_id.in_(ids), Contact.form == ContactForm.HOME_VISIT)
        .group_by(ContactFamily.family_id)
    )
    if period is not None:
        q = q.where(rules.counts(period))
    else:
        q = q.where(Contact.status.not_in([ContactStatus.WITHDRAWN, ContactStatus.RETURNED]))
    return dict(db.session.execute(q).all())
