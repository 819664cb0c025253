"""Focus students (重点对象) marked from the student page (issue 21 item 5): the head teacher of
the class and the school's leaders mark a category with a date and a reason, and end one the
same way; the rules on the date and the category live here, the change itself in
`services.change_focus` (shared with the grid family log)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.people import services
from gridapp.people.models import ClassPlacement, FocusCategory, Student, StudentFocus
from gridapp.people.permissions import can_see_sensitive
from gridapp.schools.services import current_semester

# A school year never begins before August (第一学期 starts late August or in September): a
# student of the cohort `enrolment_year` was at school from this day of that year at the earliest.
ENROLMENT_MONTH = 8

# A field of the shared service (grid log form) and the same field on the student page's forms.
_FIELDS = {"focus": "category", "happened_on": "on"}


@dataclass(frozen=True)
class DateFloor:
    """The earliest day a mark or its end may be dated: `on`, and why (`reason`:
    "semester" the current semester's first day, "enrolment" the student's first day at school)."""

    on: date
    reason: str


def date_floor(student: Student, today: date) -> DateFloor:
    """The earliest date a focus mark (or its end) of `student` may carry on `today`: the later of
    the first day of the school's current semester (an earlier date would change the figures of
    a semester already reckoned: seed 002 §5 counts a focus student's visit per semester) and the
    student's first day at school (their first class placement, else August 1 of their
    enrolment year)."""
    first_placed = db.session.scalar(
        select(func.min(ClassPlacement.from_on)).where(ClassPlacement.student_id == student.id)
    )
    enrolled = first_placed or date(student.enrolment_year, ENROLMENT_MONTH, 1)
    semester = current_semester(student.school_id, today)
    if semester is not None and semester.starts_on <= today and semester.starts_on > enrolled:
        return DateFloor(semester.starts_on, "semester")
    return DateFloor(enrolled, "enrolment")


def category_choices(actor: User, student: Student) -> list[FocusCategory]:
    """The categories `actor` may mark on `student`: every one for those who see the student's
    sensitive data (the head teacher, the principal and the school admin), the ordinary ones for
    anyone else (Privacy: seed 002 §7)."""
    entitled = can_see_sensitive(actor, student)
    return [c for c in FocusCategory if entitled or not c.sensitive]


def open_entries(actor: User, student: Student) -> list[StudentFocus]:
    """The student's open focus categories that `actor` may see (sensitive ones only for those
    entitled), oldest first."""
    entitled = can_see_sensitive(actor, student)
    entries = services.open_focus([student.id]).get(student.id, [])
    return [e for e in entries if entitled or not e.category.sensitive]


def shown_entries(actor: User, student: Student) -> list[StudentFocus]:
    """`open_entries` for a page that shows them: a sensitive category shown is a view of
    sensitive data, written to the audit log (as `services.reveal_focus`: categories, never
    reasons). The caller commits."""
    entries = open_entries(actor, student)
    if any(e.category.sensitive for e in entries):
        audit.record(
            actor, "student.focus.view", student, school_id=student.school_id,
            categories=[e.category.value for e in entries],
        )  # fmt: skip
    return entries


def _category(value: str | None, allowed: list[FocusCategory]) -> FocusCategory:
    try:
        category = FocusCategory(value or "")
    except ValueError:
        raise RuleViolation(_("请选择重点对象类别"), field="category") from None
    if category not in allowed:
        raise RuleViolation(_("请选择重点对象类别"), field="category")
    return category


def _check_date(student: Student, on: date | None, today: date, since: date | None = None):
    if on is None:
        raise RuleViolation(_("请填写正确的日期，例如 2026-11-20"), field="on")
    if on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="on")
    floor = date_floor(student, today)
    if on < floor.on:
        if floor.reason == "semester":
            message = _("日期不能早于本学期第一天（%(d)s）：以前学期的统计已经完成", d=floor.on)
        else:
            message = _("日期不能早于该学生入学（%(d)s）", d=floor.on)
        raise RuleViolation(message, field="on")
    if since is not None and on < since:
        raise RuleViolation(_("解除日期不能早于标记日期（%(d)s）", d=since), field="on")


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("请填写原因"), field="reason")
    if len(reason) > 200:
        raise RuleViolation(_("原因不能超过 200 字"), field="reason")
    return reason


def _changed(actor, student, category, mark, on, reason) -> StudentFocus:
    try:
        return services.change_focus(actor, student, category, mark, on, reason)
    except RuleViolation as e:
        e.field = _FIELDS.get(e.field, e.field)
        raise


def mark_focus(
    actor: User, student: Student, category: str | None, on: date | None, reason: str | None,
    today: date,
) -> StudentFocus:  # fmt: skip
    """Mark `student` as a focus student of `category` (a FocusCategory value) from `on`, because
    of `reason` (1..200 characters). The caller has checked that `actor` may mark
    (people.permissions.can_mark_focus). Seed 002 §5 (focus students, a door visit each
    semester), seed 000 (the six kinds of families, 思想和学业重大变化 among them).

    Raises RuleViolation beside the field: "category" (unknown, not the actor's to mark, or
    already open), "on" (missing, after `today`, before `date_floor`), "reason" (empty, too
    long). Adds and flushes, audited by `services.change_focus`; never commits."""
    chosen = _category(category, category_choices(actor, student))
    reason = _reason(reason)
    _check_date(student, on, today)
    return _changed(actor, student, chosen, True, on, reason)


def end_focus(
    actor: User, student: Student, category: str | None, on: date | None, reason: str | None,
    today: date,
) -> StudentFocus:  # fmt: skip
    """End `student`'s open focus category `category` on `on`, because of `reason`.

    Raises RuleViolation beside the field: "category" (unknown, or not open for the student),
    "on" (missing, after `today`, before `date_floor` or before the mark's own date), "reason".
    Adds and flushes, audited; never commits."""
    open_ = {e.category: e for e in open_entries(actor, student)}
    try:
        chosen = FocusCategory(category or "")
    except ValueError:
        raise RuleViolation(_("请选择要解除的类别"), field="category") from None
    if chosen not in open_:
        raise RuleViolation(_("该学生不是这一类重点对象"), field="category")
    reason = _reason(reason)
    _check_date(student, on, today, since=open_[chosen].since_on)
    return _changed(actor, student, chosen, False, on, reason)
