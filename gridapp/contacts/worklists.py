"""Worklists: what is still owed, family by family, from the quota engine's rows.

The rows come from SQL (`rules.student_status`, `rules.teacher_family_status`) already filtered
to what is not met; here they are only grouped by family for display and sorted by urgency
(focus students first, then the nearest due date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from gridapp.accounts.models import Role, User
from gridapp.contacts import rules
from gridapp.contacts.models import Contact, ContactFamily, ContactStatus
from gridapp.core import generations, text
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import School, SchoolClass
from gridapp.schools.permissions import taught_class_ids

DUE_SOON_DAYS = 14


def rule_labels() -> dict[str, str]:
    return {
        "teacher": _("任课教师每学期联系"),
        "remote": _("班主任电话或网络联系"),
        "focus": _("重点对象上门家访"),
        "first_year": _("起始年级上门家访"),
        "two_years": _("两学年内上门家访"),
        "stage": _("学段内上门家访"),
    }


@dataclass
class Owed:
    """A rule on a family's line: still owed (status owed or overdue), or met late (shown with
    the owed ones, never the reason a family is on the worklist)."""

    rule: str
    count: int
    need: int
    due: date
    teachers: list[str] = field(default_factory=list)  # who still owes it (teacher rule)
    late: bool = False  # the need reached, after the due date (达标但逾期)

    @property
    def label(self) -> str:
        return rule_labels()[self.rule]

    def status(self, today: date) -> str:
        """met_late, owed or overdue (rules.rule_status)."""
        return rules.rule_status(self.late, self.late, self.due, today)


@dataclass
class FamilyLine:
    family_id: int
    students: list = field(default_factory=list)  # (id, name, class name)
    is_focus: bool = False
    owed: list[Owed] = field(default_factory=list)
    last_contact_on: date | None = None

    @property
    def due(self) -> date | None:
        return min((o.due for o in self.owed if not o.late), default=None)

    @property
    def first_student_id(self) -> int | None:
        return self.students[0][0] if self.students else None


def _owes(r) -> bool:
    """A student row (`rules.student_status`) with a rule that applies and is not met, or one
    met late."""
    return any(
        (getattr(r, f"{name}_applies") and not getattr(r, f"{name}_met"))
        or getattr(r, f"{name}_late")
        for name in rules.CLASS_RULES
    )


def _stage_on_track(period: rules.Period, r) -> bool:
    """A stage's visits are owed on the worklist only once they can no longer wait: when the
    visits still needed are as many as the school years left (one a year to catch up)."""
    years_left = r.stage_due.year - period.year_ends_on.year + 1
    return r.stage_need - r.stage_count < years_left


def owed_class_rules(period: rules.Period, r) -> list[str]:
    """The class rules (`rules.CLASS_RULES` names) a `rules.student_status` row still owes, as
    the worklist lists them: applies and not met, a stage's visits only once they can no longer
    wait (`_stage_on_track`); what was met late is not owed."""
    out = []
    for name in rules.CLASS_RULES:
        if getattr(r, f"{name}_late") or not getattr(r, f"{name}_applies"):
            continue
        if getattr(r, f"{name}_met"):
            continue
        if name == "stage" and _stage_on_track(period, r):
            continue
        out.append(name)
    return out


def _lines(
    period: rules.Period,
    student_rows,
    teacher_rows,
    name_classes,
    teacher_names: dict[int, str] | None = None,
    show_focus: bool = True,
) -> list[FamilyLine]:
    """`show_focus` False (a subject teacher): who is a focus student stays hidden, so neither
    the mark, nor the focus rule, nor a focus-first order appears."""
    lines: dict[int, FamilyLine] = {}
    seen: set[tuple] = set()
    for r in student_rows:
        line = lines.setdefault(r.family_id, FamilyLine(r.family_id))
        line.is_focus = show_focus and (line.is_focus or bool(r.is_focus))
        for name in rules.CLASS_RULES:
            if name == "focus" and not show_focus:
                continue
            late = bool(getattr(r, f"{name}_late"))
            if late or (getattr(r, f"{name}_applies") and not getattr(r, f"{name}_met")):
                if not late and name == "stage" and _stage_on_track(period, r):
                    continue
                key = (r.family_id, name)
                if key in seen:  # twins in one class: the family owes it once
                    continue
                seen.add(key)
                line.owed.append(
                    Owed(
                        name,
                        getattr(r, f"{name}_count"),
                        getattr(r, f"{name}_need"),
                        getattr(r, f"{name}_due"),
                        late=late,
                    )
                )
    by_family_teacher: dict[int, Owed] = {}
    for r in teacher_rows:
        line = lines.setdefault(r.family_id, FamilyLine(r.family_id))
        owed = by_family_teacher.get(r.family_id)
        if owed is None:
            owed = by_family_teacher[r.family_id] = Owed("teacher", r.count, r.need, r.due)
            line.owed.insert(0, owed)
        owed.count = min(owed.count, r.count)
        if teacher_names is not None:
            name = teacher_names.get(r.teacher_id, "")
            if name not in owed.teachers:
                owed.teachers.append(name)
    # On the worklist only for what is still owed; what was met late is shown beside it.
    lines = {family: line for family, line in lines.items() if any(not o.late for o in line.owed)}
    if not lines:
        return []
    ids = list(lines)
    students = db.session.execute(
        select(Student.id, Student.name, Student.family_id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(
            Student.family_id.in_(ids),
            Student.class_id.in_(list(name_classes)),
            Student.status == StudentStatus.ACTIVE,
        )
        .order_by(Student.birth_on, Student.id)
    )
    for sid, name, family_id, class_name in students:
        lines[family_id].students.append((sid, name, class_name))
    last = db.session.execute(
        select(ContactFamily.family_id, func.max(Contact.contact_on))
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .where(ContactFamily.family_id.in_(ids), Contact.status != ContactStatus.WITHDRAWN)
        .group_by(ContactFamily.family_id)
    )
    for family_id, on in last:
        lines[family_id].last_contact_on = on
    far = date.max
    return sorted(
        lines.values(),
        key=lambda line: (
            not line.is_focus,
            line.due or far,
            text.name_sort_key(line.students[0][1]) if line.students else "",
        ),
    )


def teacher_worklist(user: User, period: rules.Period, taught: set[int], headed: set[int]):
    """What the teacher still owes at one school: their own contacts with each family they teach,
    and, for the classes they head, every class rule."""
    teacher_rows = [
        r for r in rules.teacher_pair_rows(period, teacher_id=user.id) if r.applies and not r.met
    ]
    student_rows = []
    if headed:
        student_rows = [r for r in rules.class_student_rows(period, headed) if _owes(r)]
    return _lines(period, student_rows, teacher_rows, taught)


def class_worklist(
    period: rules.Period, class_id: int, show_focus: bool = True
) -> list[FamilyLine]:
    """Everything still owed to the class's families, with the teachers who still owe contacts."""
    student_rows = [r for r in rules.class_student_rows(period, [class_id]) if _owes(r)]
    teacher_rows = sorted(
        (
            r
            for r in rules.teacher_pair_rows(period, class_ids=[class_id])
            if r.applies and not r.met
        ),
        key=lambda r: r.teacher_id,
    )
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({r.teacher_id for r in teacher_rows}))
        ).all()
    )
    return _lines(period, student_rows, teacher_rows, {class_id}, names, show_focus)


@dataclass(frozen=True)
class SchoolName:
    """A school's id and name, kept with a worklist (its page shows no more of the school)."""

    id: int
    name: str


@dataclass(frozen=True)
class Returned:
    """A record the reviewer sent back to its author (shown on the worklist until corrected)."""

    id: int
    contact_on: date
    form: object  # ContactForm
    review_comment: str | None


def returned_contacts(user: User, school_id: int | None = None) -> list[Returned]:
    """The user's records returned by the reviewer (at one school, or at any), latest review
    first."""
    query = (
        select(Contact.id, Contact.contact_on, Contact.form, Contact.review_comment)
        .where(Contact.recorded_by_id == user.id, Contact.status == ContactStatus.RETURNED)
        .order_by(Contact.reviewed_at.desc())
    )
    if school_id is not None:
        query = query.where(Contact.school_id == school_id)
    return [Returned(*r) for r in db.session.execute(query)]


def due_soon(lines: list[FamilyLine], today: date) -> tuple[int, int]:
    """(families with something overdue, families with something due within two weeks)."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = sum(1 for line in lines if line.due and line.due < today)
    coming = sum(1 for line in lines if line.due and today <= line.due <= soon)
    return overdue, coming


def teacher_school_id(user: User, chosen: int | None = None) -> int | None:
    """The school whose worklist the teacher sees: the chosen one if they teach there, else
    their first; None for someone who teaches nowhere."""
    schools = sorted(user.school_ids_with(Role.TEACHER))
    if not schools:
        return None
    return chosen if chosen in schools else schools[0]


def teacher_lines(user: User, school_id: int, period) -> tuple[list, set[int]]:
    """What the teacher owes at one school (their classes there; every class rule for those they
    head), and the classes they head there."""
    rows = db.session.execute(
        select(SchoolClass.id, SchoolClass.head_teacher_id).where(
            SchoolClass.id.in_(sorted(taught_class_ids(user))), SchoolClass.school_id == school_id
        )
    ).all()
    headed = {r.id for r in rows if r.head_teacher_id == user.id}
    if period is None or not rows:
        return [], headed
    return teacher_worklist(user, period, {r.id for r in rows}, headed), headed


def teacher_work(user: User, school_id: int, day: date):
    """(school, period, lines, headed, returned, due) of the teacher's worklist at one school on
    `day` (`SchoolName`, `period_for`, `teacher_lines`, `returned_contacts`, `due_soon` of all
    the lines), kept under the school's generation: computed again only after a change to what
    it is computed from, or on another day."""

    def compute():
        school = SchoolName(school_id, db.session.get(School, school_id).name)
        period = rules.period_for(school_id, day)
        lines, headed = teacher_lines(user, school_id, period)
        returned = returned_contacts(user, school_id)
        return school, period, lines, headed, returned, due_soon(lines, day)

    return generations.kept(("teacher_work", user.id, day), school_id, compute)


def class_work(school_class: SchoolClass, day: date, show_focus: bool):
    """(period, lines, coverage) of a class's worklist on `day` (`class_worklist` and the
    class's `rules.class_coverage` row), kept under the school's generation."""

    def compute():
        period = rules.period_for(school_class.school_id, day)
        if period is None:
            return None, [], None
        lines = class_worklist(period, school_class.id, show_focus)
        coverage = rules.class_coverage(period, [school_class.id]).get(school_class.id)
        return period, lines, coverage

    key = ("class_work", school_class.id, day, show_focus)
    return generations.kept(key, school_class.school_id, compute)


def teacher_schools(user: User) -> list[tuple[int, str]]:
    """The (id, name) of the schools where the user teaches, for the worklist's school choice;
    [] when there is only one (no choice to show)."""
    ids = sorted(user.school_ids_with(Role.TEACHER))
    if len(ids) < 2:
        return []
    return db.session.execute(select(School.id, School.name).where(School.id.in_(ids))).all()


# ---- sections other packages add to a teacher's worklist ------------------------------------------


@dataclass(frozen=True)
class ExtraItem:
    """One line of an extra worklist section: what is owed, where to do it, by when."""

    label: str
    url: str
    due: date | None
    overdue: bool = False


# name -> provider(user, today) -> (title, [ExtraItem]); packages above contacts (pairing) register
# here, so the worklist shows their reminders without contacts importing them.
_EXTRA_SECTIONS: dict[str, object] = {}


def register_extra_section(name: str, provider) -> None:
    """Add a section to every teacher's worklist: `provider(user, today)` returns (title, items)
    with items that have `label`, `url`, `due` (a date or None) and `overdue`; a section with no
    items is not shown. A provider should cost nothing for a user it has nothing for."""
    _EXTRA_SECTIONS[name] = provider


def extra_sections(user: User, today: date) -> list[tuple[str, str, list]]:
    """The registered sections that hold something for `user`, in the order registered, as
    (name, title, items): the name is the section's anchor on the page."""
    out = []
    for name, provider in _EXTRA_SECTIONS.items():
        title, items = provider(user, today)
        if items:
            out.append((name, title, items))
    return out


# ---- notes other packages add beside a family's line ----------------------------------------------

# provider(user, school_id, family_ids, today) -> {family_id: note}; the schedule registers here,
# so the worklist shows each family's planned week beside what is owed (schedules never imported).
_LINE_NOTES: list = []


def register_line_notes(provider) -> None:
    """Add a note beside each family's line of a teacher's worklist: `provider(user, school_id,
    family_ids, today)` returns {family id: short text}. It runs inside the worklist's kept HTML
    (`generations.kept` under the school's generation): what it reads must be watched."""
    _LINE_NOTES.append(provider)


def line_notes(user: User, school_id: int, family_ids: list[int], today: date) -> dict:
    """{family id: [note, ...]} from every registered provider, for the families shown."""
    out: dict[int, list[str]] = {}
    if not family_ids:
        return out
    for provider in _LINE_NOTES:
        for family_id, note in provider(user, school_id, family_ids, today).items():
            out.setdefault(family_id, []).append(note)
    return out
