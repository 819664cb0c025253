"""1+N pairing figures (issue 16 item 6): per class, school and district the students in need,
how many of them are paired, the share paired, the support entries this semester per active
pairing and the overdue plans; and the principal's semester summary of all pairings. Each in a
fixed number of grouped queries, whatever the number of classes, schools or pairings.

"This semester" is each school's current semester (`schools.services.current_semesters`), its
first to its last day. A support entry is a support log entry or a follow-up contact
(`pairing.due.follow_up_query`: recorded once, counted in the contact figures as well). A plan is
overdue as `pairing.due` says (`plan_due`: the first version within the school's days of the
start, then each version's review date). Seed 004 §11 (应帮尽帮: the target is every student in
need paired), seed 003 二 (一生一案, 回访)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case

from gridapp.accounts.models import User
from gridapp.contacts.models import Contact, ContactForm
from gridapp.extensions import db
from gridapp.pairing import due
from gridapp.pairing.models import Pairing, SupportLogEntry
from gridapp.pairing.services import (
    active_pairing_exists,
    in_need_condition,
    in_need_query,
    party_teachers,
)
from gridapp.people.models import Student
from gridapp.schools.models import Grade, SchoolClass, Semester
from gridapp.schools.services import current_semesters

# ---- coverage --------------------------------------------------------------------------------------


@dataclass
class PairingFigures:
    """The pairing figures of one class, one school or a total. `in_need`: active students in
    need; `paired`: those of them with an active pairing; `pairings`: active pairings (a student
    paired but no longer in need included); `entries`: their support log entries and follow-up
    contacts this semester; `overdue_plans`: active pairings whose plan is overdue today."""

    key: int = 0
    in_need: int = 0
    paired: int = 0
    pairings: int = 0
    entries: int = 0
    overdue_plans: int = 0

    @property
    def share(self) -> Fraction | None:
        """paired / in need, exactly (None when nobody is in need: no share to show)."""
        return Fraction(self.paired, self.in_need) if self.in_need else None

    @property
    def whole_percent(self) -> int | None:
        """The share as a whole percentage, rounded down so that only full coverage is 100
        (449 of 450 is 99); None when nobody is in need. Rankings compare it: shares that
        show alike rank alike."""
        return 100 * self.paired // self.in_need if self.in_need else None

    @property
    def percent(self) -> str:
        """`whole_percent` as shown, "89%"; "—" when nobody is in need (neither 0 % nor
        100 %)."""
        return "—" if self.whole_percent is None else f"{self.whole_percent}%"

    @property
    def based_on(self) -> str:
        """What the share is based on, "12 / 45"."""
        return f"{self.paired} / {self.in_need}"

    @property
    def unpaired(self) -> int:
        return self.in_need - self.paired

    @property
    def entries_per_pairing(self) -> str:
        """Support entries this semester per active pairing, one decimal ("—" without one)."""
        return f"{self.entries / self.pairings:.1f}" if self.pairings else "—"

    def add(self, other: PairingFigures) -> None:
        self.in_need += other.in_need
        self.paired += other.paired
        self.pairings += other.pairings
        self.entries += other.entries
        self.overdue_plans += other.overdue_plans


@dataclass
class Coverage:
    """Figures by class id and by school id, their total, and the semester each school's
    entries were counted in (a school without a semester counts none)."""

    classes: dict[int, PairingFigures] = field(default_factory=dict)
    schools: dict[int, PairingFigures] = field(default_factory=dict)
    total: PairingFigures = field(default_factory=PairingFigures)
    semesters: dict[int, Semester] = field(default_factory=dict)


def _semester_bounds(semester_ids):
    """Join condition putting each pairing's school's semester beside it."""
    return and_(Semester.school_id == Pairing.school_id, Semester.id.in_(semester_ids))


def entries_in_semester(pairing_ids, semester_ids) -> dict[int, tuple[int, int]]:
    """{pairing_id: (support entries, door visits)} between the first and last day of the
    semester of the pairing's school among `semester_ids`: log entries plus follow-up contacts
    (the door visits are the follow-up contacts that were home visits). Two grouped queries."""
    ids = sorted(set(pairing_ids))
    sem_ids = sorted(set(semester_ids))
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if not ids or not sem_ids:
        return {}
    logs = (
        select(SupportLogEntry.pairing_id, func.count())
        .join(Pairing, Pairing.id == SupportLogEntry.pairing_id)
        .join(Semester, _semester_bounds(sem_ids))
        .where(
            SupportLogEntry.pairing_id.in_(ids),
            SupportLogEntry.happened_on >= Semester.starts_on,
            SupportLogEntry.happened_on <= Semester.ends_on,
        )
        .group_by(SupportLogEntry.pairing_id)
    )
    for pid, n in db.session.execute(logs):
        out[pid][0] += n
    follow_ups = (
        due.follow_up_query(ids)
        .order_by(None)
        .with_only_columns(Pairing.id, Contact.id, Contact.form)
        .join(Semester, _semester_bounds(sem_ids))
        .where(Contact.contact_on >= Semester.starts_on, Contact.contact_on <= Semester.ends_on)
    )
    seen = set()
    for pid, contact_id, form in db.session.execute(follow_ups):
        if (pid, contact_id) in seen:
            continue
        seen.add((pid, contact_id))
        out[pid][0] += 1
        out[pid][1] += form is ContactForm.HOME_VISIT
    return {pid: (n, visits) for pid, (n, visits) in out.items()}


def pairing_coverage(school_ids, today: date) -> Coverage:
    """The pairing figures of the schools `school_ids` per class, per school and in total on
    `today`: 7 queries whatever their number (semesters, students in need, active pairings, two
    for the plans, two for the support entries). A class counts for the school of its students."""
    ids = sorted(set(school_ids))
    out = Coverage()
    for sid in ids:
        out.schools[sid] = PairingFigures(key=sid)
    if not ids:
        return out
    out.semesters = current_semesters(ids, today)

    def of_class(class_id) -> PairingFigures:
        return out.classes.setdefault(class_id, PairingFigures(key=class_id))

    school_of: dict[int, int] = {}
    need = (
        select(
            Student.school_id,
            Student.class_id,
            func.count(),
            func.sum(sql_case((active_pairing_exists(), 1), else_=0)),
        )
        .where(Student.school_id.in_(ids), in_need_condition())
        .group_by(Student.school_id, Student.class_id)
    )
    for school_id, class_id, in_need, paired in db.session.execute(need):
        school_of[class_id] = school_id
        figures = of_class(class_id)
        figures.in_need, figures.paired = in_need, int(paired or 0)
    active = db.session.execute(
        select(Pairing.id, Pairing.school_id, Pairing.starts_on, Student.class_id)
        .join(Student, Student.id == Pairing.student_id)
        .where(Pairing.school_id.in_(ids), Pairing.ends_on.is_(None))
    ).all()
    plans = due.plan_due(active)
    entries = entries_in_semester([p.id for p in active], [s.id for s in out.semesters.values()])
    for p in active:
        school_of[p.class_id] = p.school_id
        figures = of_class(p.class_id)
        figures.pairings += 1
        figures.entries += entries.get(p.id, (0, 0))[0]
        figures.overdue_plans += plans[p.id][1] < today
    for class_id, figures in out.classes.items():
        out.schools[school_of[class_id]].add(figures)
    for figures in out.schools.values():
        out.total.add(figures)
    return out


def need_counts(school_ids) -> dict[int, PairingFigures]:
    """Students in need and how many of them are paired, per school, in one grouped query
    whatever the number of schools (the `in_need` and `paired` of `pairing_coverage`, without
    its pairings, entries and plans): {school id: PairingFigures}; every school given has a row.
    Seed 004 §11 (应帮尽帮)."""
    ids = sorted(set(school_ids))
    out = {sid: PairingFigures(key=sid) for sid in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(
            Student.school_id,
            func.count(),
            func.sum(sql_case((active_pairing_exists(), 1), else_=0)),
        )
        .where(Student.school_id.in_(ids), in_need_condition())
        .group_by(Student.school_id)
    )
    for school_id, in_need, paired in rows:
        out[school_id].in_need, out[school_id].paired = in_need, int(paired or 0)
    return out


def coverage_class_rows(school_id: int) -> list:
    """The school's classes as (id, name, head, closed_on) rows, head being the head teacher's
    name (None without one), by grade level and class number."""
    return db.session.execute(
        select(SchoolClass.id, SchoolClass.name, User.name.label("head"), SchoolClass.closed_on)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .outerjoin(User, User.id == SchoolClass.head_teacher_id)
        .where(SchoolClass.school_id == school_id)
        .order_by(Grade.level, SchoolClass.number)
    ).all()


def unpaired_in_class(school_id: int, class_id: int) -> list[Student]:
    """The class's students in need with no active pairing, in pinyin order (names: for the
    school's leaders only)."""
    q = in_need_query(school_id).where(Student.class_id == class_id, ~active_pairing_exists())
    return list(db.session.scalars(q))


# ---- the principal's semester summary --------------------------------------------------------------


@dataclass
class SummaryRow:
    """One pairing in the semester summary: the pairing (ended ones included), its student and
    class, the latest plan version and its review date, the support entries and door visits this
    semester, and what it owes overdue (keys of `OVERDUE`, none for an ended pairing)."""

    pairing: Pairing
    student: Student
    class_name: str
    plan_version: int | None
    review_on: date | None
    entries: int
    visits: int
    overdue: list[str]


@dataclass
class TeacherSummary:
    teacher: User
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def active(self) -> int:
        return sum(1 for r in self.rows if r.pairing.ends_on is None)

    @property
    def entries(self) -> int:
        return sum(r.entries for r in self.rows)

    @property
    def visits(self) -> int:
        return sum(r.visits for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(len(r.overdue) for r in self.rows)


@dataclass
class SemesterSummary:
    semester: Semester | None
    teachers: list[TeacherSummary]
    coverage: PairingFigures

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.teachers)


def semester_summary(school_id: int, today: date) -> SemesterSummary:
    """Every Party-member teacher of the school (and any other teacher holding a pairing in the
    semester) with the pairings that ran in the current semester: the student, the plan version
    and review date, support entries and door visits this semester, what is overdue
    (`pairing.due.due_for`). Teachers and students in pinyin order. A fixed number of queries."""
    semester = current_semesters([school_id], today).get(school_id)
    q = (
        select(Pairing, Student, SchoolClass.name)
        .join(Student, Student.id == Pairing.student_id)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(Grade, Grade.id == SchoolClass.grade_id)
        .where(Pairing.school_id == school_id)
        .order_by(Grade.level, SchoolClass.number, Student.name_key, Pairing.starts_on, Pairing.id)
    )
    if semester is not None:
        q = q.where(
            Pairing.starts_on <= semester.ends_on,
            or_(Pairing.ends_on.is_(None), Pairing.ends_on >= semester.starts_on),
        )
    else:
        q = q.where(Pairing.ends_on.is_(None))
    found = db.session.execute(q).all()
    pairings = [p for p, _s, _c in found]
    plans = due.plan_due(pairings)
    entries = entries_in_semester([p.id for p in pairings], [semester.id] if semester else [])
    owed = due.due_for(pairings, today)
    teachers = {t.id: TeacherSummary(t) for t in party_teachers(school_id)}
    others = {p.teacher_id for p in pairings} - set(teachers)
    if others:  # a teacher who left or lost the flag keeps their pairings in the summary
        extra = db.session.scalars(
            select(User).where(User.id.in_(sorted(others))).order_by(User.name_key, User.id)
        )
        teachers.update({t.id: TeacherSummary(t) for t in extra})
    for p, student, class_name in found:
        version, review_on = plans[p.id]
        d = owed.get(p.id)
        overdue = []
        if d is not None:
            overdue = [
                k
                for k, late in (
                    ("log", d.log_overdue),
                    ("plan", d.plan_overdue),
                    ("visit", d.visit_overdue),
                )  # fmt: skip
                if late
            ]
        n, visits = entries.get(p.id, (0, 0))
        teachers[p.teacher_id].rows.append(
            SummaryRow(
                p,
                student,
                class_name or "",
                version,
                review_on if version else None,
                n,
                visits,
                overdue,
            )  # fmt: skip
        )
    ordered = sorted(teachers.values(), key=lambda t: (t.teacher.name_key, t.teacher.id))
    return SemesterSummary(
        semester, ordered, pairing_coverage([school_id], today).schools[school_id]
    )
