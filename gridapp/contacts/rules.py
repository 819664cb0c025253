"""The quota engine: the rules of DOMAIN.md measured in SQL for a school's semester.

Every figure (worklists, coverage, rankings) comes from two selectables built here, so they all
agree: `student_status` (one row per active student, with each class rule's count, need, due date
and whether it is met) and `teacher_family_status` (one row per teacher × family × class the
teacher teaches or heads, with the contacts that teacher took part in this semester). Counting is
by family: a contact counts for each family present (`ContactFamily`: one record of a group
visit lists them all), for each sibling, and for each teacher present.

Which class a student counts in (issue 15 item 6, docs/domain.md "Class history"): a period's
figures count each student in the class of their placement on the period's reckoning day
(`Period.on`: today inside the semester, its last day once it is over, its first day before it
begins). A student who moved mid-semester is owed by the new class's teachers only; one who
left (transferred, left, graduated) before that day counts nowhere in the period, one who left
after it still counts there. A contact is about the family, so it counts for the student
wherever they are; the per-class count of door visits credits a visit to the class the student
was in on the day of the visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, bindparam, case, exists, false, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from gridapp.contacts.models import (
    DEFAULT_LATE_ENTRY_DAYS,
    DEFAULT_QUOTAS,
    REMOTE_FORMS,
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactTeacher,
    CountingSetting,
    FiguresCount,
    FollowUp,
    QuotaRule,
    QuotaSetting,
)
from gridapp.extensions import db
from gridapp.people.models import ClassPlacement, Student, StudentFocus, StudentStatus
from gridapp.schools.models import (
    BreakCountsFor,
    Grade,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    Stage,
    TeachingAssignment,
    stage_of_level,
)

STAGE_LEVELS = {Stage.PRIMARY: (1, 6), Stage.JUNIOR: (7, 9), Stage.SENIOR: (10, 12)}
STAGE_RULE = {
    Stage.PRIMARY: QuotaRule.STAGE_HOME_VISITS_PRIMARY,
    Stage.JUNIOR: QuotaRule.STAGE_HOME_VISITS_JUNIOR,
    Stage.SENIOR: QuotaRule.STAGE_HOME_VISITS_SENIOR,
}
ENTRY_LEVELS = (1, 7, 10)  # the first grade of each stage (起始年级)
BEFORE_TERM_DAYS = 62  # "before term" reaches back over the summer holiday

# The class rules, in the order pages show them; the stage rule is one column for all stages.
CLASS_RULES = ("remote", "focus", "first_year", "two_years", "stage")
RULE_OF_COLUMN = {
    "remote": QuotaRule.HEAD_TEACHER_REMOTE,
    "focus": QuotaRule.FOCUS_HOME_VISIT,
    "first_year": QuotaRule.FIRST_YEAR_HOME_VISIT,
    "two_years": QuotaRule.HOME_VISIT_TWO_YEARS,
    "stage": None,  # by the student's stage
}
SEMESTER_COLUMNS = ("teacher", "remote", "focus", "first_year")  # what the ranking scores


@dataclass(frozen=True)
class Period:
    """A school's semester, the school year around it, the day of reckoning and the numbers."""

    school_id: int
    semester_id: int
    semester_number: int
    starts_on: date
    ends_on: date
    year_starts_on: date
    year_ends_on: date
    today: date
    quotas: dict
    # The days whose contacts count for this semester: its own and, by the school's setting,
    # the holiday before it (the default) or after it (`semester_windows`).
    counts_from: date | None = None
    counts_until: date | None = None
    # The school's choice (`CountingSetting`): only reviewed records count, or every record but
    # returned and withdrawn ones (the default; seed 002 §6).
    reviewed_only: bool = False
    late_entry_days: int = DEFAULT_LATE_ENTRY_DAYS

    def __post_init__(self):
        if self.counts_from is None:
            object.__setattr__(self, "counts_from", self.starts_on)
        if self.counts_until is None:
            object.__setattr__(self, "counts_until", self.ends_on)

    @property
    def on(self) -> date:
        """The reckoning day: students count in the class they were in on this day (today inside
        the semester, its last day once over, its first day before it begins; issue 15 item 6)."""
        return min(max(self.today, self.starts_on), self.ends_on)

    @property
    def midpoint(self) -> date:
        return self.starts_on + (self.ends_on - self.starts_on) / 2

    @property
    def two_years_from(self) -> date:
        return _shift_years(self.year_starts_on, -1)

    @property
    def first_year_from(self) -> date:
        """Before term (seed 004 §3): the summer before the semester, whatever it counts for."""
        return min(self.counts_from, self.starts_on - timedelta(days=BEFORE_TERM_DAYS))

    def stage_window(self, level: int) -> tuple[date, date]:
        """From the start of the student's stage to the end of its last school year."""
        first, last = STAGE_LEVELS[stage_of_level(level)]
        return (
            _shift_years(self.year_starts_on, first - level),
            _shift_years(self.year_ends_on, last - level),
        )

    def stage_need(self, level: int) -> int:
        return self.quotas[STAGE_RULE[stage_of_level(level)]]


def _shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def quotas_for(school_id: int, starts_on: date) -> dict[QuotaRule, int]:
    """The school's numbers for the semester starting on `starts_on` (defaults where unset)."""
    values = dict(DEFAULT_QUOTAS)
    rows = db.session.execute(
        select(QuotaSetting.rule, QuotaSetting.value)
        .where(QuotaSetting.school_id == school_id, QuotaSetting.from_on <= starts_on)
        .order_by(QuotaSetting.from_on)
    )
    for rule, value in rows:
        values[rule] = value  # later settings override earlier ones
    return values


def counting_for(school_id: int) -> tuple[bool, int]:
    """(reviewed_only, late_entry_days) of school `school_id` (`CountingSetting`; the defaults
    where the school set nothing: every record but returned ones, late after 7 days)."""
    row = db.session.execute(
        select(CountingSetting.figures_count, CountingSetting.late_entry_days).where(
            CountingSetting.school_id == school_id
        )
    ).first()
    if row is None:
        return False, DEFAULT_LATE_ENTRY_DAYS
    return row[0] is FiguresCount.REVIEWED_ONLY, row[1]


def semester_windows(semesters, counts_for: BreakCountsFor) -> list[tuple[object, date, date]]:
    """The days whose contacts count for each semester: `semesters` are a school's semesters
    (objects with `starts_on` and `ends_on`, in any order); returns (semester, from, until) in
    date order, the windows touching end to end so that every day from the first to the last
    counts for exactly one semester. A holiday between two semesters counts for the next one, or
    the previous one when the school chose so (`School.break_counts_for`); before the first
    semester the summer (BEFORE_TERM_DAYS) counts for it, after the last one nothing does when
    the next counts, the summer when the previous counts (seed 003 plans visits in the winter
    holiday, seed 004 §3 asks first-year visits before term)."""
    ordered = sorted(semesters, key=lambda s: s.starts_on)
    out = []
    for i, sem in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        if counts_for is BreakCountsFor.PREVIOUS:
            since = sem.starts_on if prev else sem.starts_on - timedelta(days=BEFORE_TERM_DAYS)
            until = (
                nxt.starts_on - timedelta(days=1)
                if nxt
                else sem.ends_on + timedelta(days=BEFORE_TERM_DAYS)
            )
        else:
            since = (
                prev.ends_on + timedelta(days=1)
                if prev
                else sem.starts_on - timedelta(days=BEFORE_TERM_DAYS)
            )
            until = sem.ends_on
        out.append((sem, since, until))
    return out


def _school_semesters(school_id: int):
    """A school's semesters with their school years and the school's holiday setting: one
    query. Returns ([(Semester, SchoolYear)], BreakCountsFor, (reviewed_only, late_entry_days))
    (the school's `CountingSetting` read in the same query)."""
    rows = db.session.execute(
        select(
            Semester,
            SchoolYear,
            School.break_counts_for,
            CountingSetting.figures_count,
            CountingSetting.late_entry_days,
        )
        .join(SchoolYear, SchoolYear.id == Semester.school_year_id)
        .join(School, School.id == Semester.school_id)
        .outerjoin(CountingSetting, CountingSetting.school_id == School.id)
        .where(Semester.school_id == school_id)
        .order_by(Semester.starts_on)
    ).all()
    counts_for = rows[0][2] if rows else BreakCountsFor.NEXT
    counting = _counting(*rows[0][3:]) if rows else _counting(None, None)
    return [(sem, year) for sem, year, *_rest in rows], counts_for, counting


def _counting(figures_count, late_entry_days) -> tuple[bool, int]:
    return (
        figures_count is FiguresCount.REVIEWED_ONLY,
        late_entry_days if late_entry_days is not None else DEFAULT_LATE_ENTRY_DAYS,
    )


def semester_for(school_id: int, day: date) -> int | None:
    """The id of the semester a contact of school `school_id` on `day` counts for (the one
    function that attributes contacts to semesters, `semester_windows`); None when it falls
    outside every semester's window."""
    pairs, counts_for, _counting_setting = _school_semesters(school_id)
    for sem, since, until in semester_windows([s for s, _y in pairs], counts_for):
        if since <= day <= until:
            return sem.id
    return None


def semester_window(school_id: int, semester_id: int) -> tuple[date, date] | None:
    """(from, until): the days whose contacts (and other work with families) count for semester
    `semester_id` of school `school_id` (`semester_windows`); None if it is not the school's."""
    pairs, counts_for, _counting_setting = _school_semesters(school_id)
    for sem, since, until in semester_windows([s for s, _y in pairs], counts_for):
        if sem.id == semester_id:
            return since, until
    return None


def period_for(school_id: int, today: date, semester_id: int | None = None) -> Period | None:
    """The current semester of a school (or a chosen one of its semesters); None if none is set.
    The current one is the semester today's contacts count for (`semester_windows`: in a holiday
    the next one by default); after the last window the latest begun; before any, the first."""
    pairs, counts_for, counting = _school_semesters(school_id)
    if not pairs:
        return None
    years = {sem.id: year for sem, year in pairs}
    windows = semester_windows([s for s, _y in pairs], counts_for)
    if semester_id is not None:
        chosen = [w for w in windows if w[0].id == semester_id]
    else:
        chosen = _current_window(windows, today)
    if not chosen:
        return None
    sem, counts_from, counts_until = chosen[0]
    year = years[sem.id]
    reviewed_only, late_entry_days = counting
    return Period(
        school_id=school_id,
        semester_id=sem.id,
        semester_number=sem.number,
        starts_on=sem.starts_on,
        ends_on=sem.ends_on,
        year_starts_on=year.starts_on,
        year_ends_on=year.ends_on,
        today=today,
        quotas=quotas_for(school_id, sem.starts_on),
        counts_from=counts_from,
        counts_until=counts_until,
        reviewed_only=reviewed_only,
        late_entry_days=late_entry_days,
    )


def _current_window(windows, today: date) -> list:
    """Of a school's semester windows (`semester_windows`), the current one as a list of one
    (`period_for`): the window holding today, else the latest begun, else the first."""
    return (
        [w for w in windows if w[1] <= today <= w[2]]
        or [w for w in windows if w[0].starts_on <= today][-1:]
        or windows[:1]
    )


def current_semester_ids(school_ids, today: date) -> dict[int, int]:
    """{school id: id of its current semester} (the one `period_for` picks) for many schools in
    one query; schools without a semester are left out."""
    rows = db.session.execute(
        select(Semester, School.break_counts_for)
        .join(School, School.id == Semester.school_id)
        .where(Semester.school_id.in_(list(school_ids)))
        .order_by(Semester.school_id, Semester.starts_on)
    ).all()
    by_school: dict[int, list] = {}
    setting: dict[int, BreakCountsFor] = {}
    for sem, counts_for in rows:
        by_school.setdefault(sem.school_id, []).append(sem)
        setting[sem.school_id] = counts_for
    out = {}
    for school_id, sems in by_school.items():
        chosen = _current_window(semester_windows(sems, setting[school_id]), today)
        if chosen:
            out[school_id] = chosen[0][0].id
    return out


def counts(p: Period):
    """The condition on `Contact` of a record that counts for the period's school (seed 002 §6,
    issue 21): a reviewed one when the school counts reviewed records only, else any but a
    withdrawn one and one the reviewer returned (it counts again once corrected and sent)."""
    if p.reviewed_only:
        return Contact.status == ContactStatus.REVIEWED
    return Contact.status.not_in([ContactStatus.WITHDRAWN, ContactStatus.RETURNED])


def _by_level(values: dict[int, object], level):
    return case(values, value=level)


def _placed_students(p: Period, *, class_ids=None, student_ids=None, with_focus=False):
    """The students of the school counted on the period's reckoning day (`Period.on`), once each,
    as a CTE `ps`: student_id, family_id, class_id (the class of that day), level (the grade of
    that day: the placement's own after a rollover, else the class's), head_teacher_id, name,
    name_key and, with `with_focus`, is_focus (1 for a focus student during the period).

    Two branches joined by UNION ALL rather than one outer join with an OR (people.placements,
    `placed_on`): a placement holding the day, or none at all for an active student (the
    implicit placement). The OR form hid the row counts from PostgreSQL's planner, which then
    chose nested loops over thousands of rows (EXPLAIN ANALYZE: 2.0 s for a school of 2,000)."""
    day = p.on
    placement = aliased(ClassPlacement)
    any_row = aliased(ClassPlacement)

    def columns(class_col, level_col):
        cols = [
            Student.id.label("student_id"),
            Student.family_id.label("family_id"),
            class_col.label("class_id"),
            level_col.label("level"),
            SchoolClass.head_teacher_id.label("head_teacher_id"),
            Student.name.label("name"),
            Student.name_key.label("name_key"),
        ]
        if with_focus:
            # A focus student during the period (so past semesters keep their own).
            focus = exists().where(
                StudentFocus.student_id == Student.id,
                StudentFocus.since_on <= p.ends_on,
                or_(StudentFocus.ended_on.is_(None), StudentFocus.ended_on >= p.starts_on),
            )
            cols.append(case((focus, 1), else_=0).label("is_focus"))
        return cols

    def scoped(stmt, class_col):
        stmt = stmt.where(Student.school_id == p.school_id)
        if class_ids is not None:
            stmt = stmt.where(_in_classes(class_col, class_ids))
        if student_ids is not None:
            stmt = stmt.where(Student.id.in_(list(student_ids)))
        return stmt

    held = scoped(
        select(*columns(placement.class_id, func.coalesce(placement.level, Grade.level)))
        .select_from(Student)
        .join(
            placement,
            and_(
                placement.student_id == Student.id,
                placement.from_on <= day,
                or_(placement.to_on.is_(None), placement.to_on > day),
            ),
        )
        .join(SchoolClass, SchoolClass.id == placement.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id),
        placement.class_id,
    )
    implicit = scoped(
        select(*columns(Student.class_id, Grade.level))
        .select_from(Student)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(
            Student.status == StudentStatus.ACTIVE,
            ~exists().where(any_row.student_id == Student.id),
        ),
        Student.class_id,
    )
    return union_all(held, implicit).cte("ps")


def _in_classes(class_col, class_ids):
    """The condition `class_col` in `class_ids`: a list of ids (none: false), or an expanding
    bind parameter filled when the statement runs (`class_student_rows`)."""
    if isinstance(class_ids, BindParameter):
        return class_col.in_(class_ids)
    ids = list(class_ids)
    return class_col.in_(ids) if ids else false()


# Statements built once per period and process (`kept_statement`): building the engine's select
# cost ~25 ms of Python a request on the worklist, more than running it (cProfile, issue 17).
_STATEMENTS: dict[tuple, Select] = {}


def kept_statement(kind: str, p: Period, build) -> Select:
    """The statement `build()` makes for period `p`, built the first time and kept (at most a
    few hundred: a school's semester and day each)."""
    key = (
        kind, p.school_id, p.semester_id, p.semester_number, p.starts_on, p.ends_on,
        p.year_starts_on, p.year_ends_on, p.on, p.counts_from, p.counts_until, p.reviewed_only,
        tuple(sorted((str(k), v) for k, v in p.quotas.items())),
    )  # fmt: skip
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) > 512:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


def class_student_rows(period: Period, class_ids) -> list:
    """The `student_status` rows of the students counted in the classes `class_ids` (the
    worklists' hot path: the statement is kept per period and run with the classes as a
    parameter)."""
    stmt = kept_statement(
        "students-of-classes",
        period,
        lambda: student_status(period, class_ids=bindparam("class_ids", expanding=True)),
    )
    return db.session.execute(stmt, {"class_ids": sorted(class_ids)}).all()


def teacher_pair_rows(period: Period, *, teacher_id: int | None = None, class_ids=None) -> list:
    """The `teacher_family_status` rows of one teacher or of some classes (one of the two),
    from a statement kept per period (`class_student_rows`)."""
    if teacher_id is not None:
        stmt = kept_statement(
            "pairs-of-teacher",
            period,
            lambda: teacher_family_status(period, teacher_id=bindparam("teacher_id")),
        )
        return db.session.execute(stmt, {"teacher_id": teacher_id}).all()
    stmt = kept_statement(
        "pairs-of-classes",
        period,
        lambda: teacher_family_status(period, class_ids=bindparam("class_ids", expanding=True)),
    )
    return db.session.execute(stmt, {"class_ids": sorted(class_ids)}).all()


def _window_sum(since: date, until: date):
    """1 for a contact dated between `since` and `until` (both included), else 0: summed per
    family in one pass over its contacts instead of one correlated count per window."""
    return func.sum(
        case((and_(Contact.contact_on >= since, Contact.contact_on <= until), 1), else_=0)
    )


def _contacts_per_teacher(p: Period, families, *, forms=None, teacher_id=None) -> Select:
    """The period's live contacts counted per (family, teacher present): family_id, teacher_id,
    `n` (up to the days counted for the period) and `ontime` (up to its last day), for the
    families of the select `families`, of the `forms` given (default: every form) and of one
    teacher (default: every one). One grouped pass; the rules join it by family and teacher."""
    stmt = (
        select(
            ContactFamily.family_id.label("family_id"),
            ContactTeacher.teacher_id.label("teacher_id"),
            func.count(Contact.id).label("n"),
            _window_sum(p.counts_from, p.ends_on).label("ontime"),
        )
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .join(ContactTeacher, ContactTeacher.contact_id == Contact.id)
        .where(
            ContactFamily.family_id.in_(families),
            counts(p),
            Contact.contact_on >= p.counts_from,
            Contact.contact_on <= p.counts_until,
        )
        .group_by(ContactFamily.family_id, ContactTeacher.teacher_id)
    )
    if forms is not None:
        stmt = stmt.where(Contact.form.in_(forms))
    if teacher_id is not None:
        stmt = stmt.where(ContactTeacher.teacher_id == teacher_id)
    return stmt


def student_status(period: Period, *, class_ids=None, student_ids=None) -> Select:
    """One row per student of the school counted on the period's reckoning day (`Period.on`),
    in the class they were in that day: student_id, name, name_key, class_id, family_id,
    head_teacher_id, is_focus and, for each class rule, `<r>_count`, `<r>_need`,
    `<r>_applies`, `<r>_met` (the need reached, on time or not; met implies applies),
    `<r>_late` (met, but only after `<r>_due`: 达标但逾期) and `<r>_due`. `rule_status` turns
    them into met / met late / owed / overdue.

    Shape (issue 17): the counted students once (`_placed_students`), the door visits of their
    families counted per window in one grouped pass (`fa`), the head teacher's remote contacts
    per family in another (`fr`), joined by family; a few milliseconds per hundred students on
    either database whatever the number of contacts elsewhere."""
    p = period
    q = p.quotas
    levels = range(1, 13)
    ps = _placed_students(p, class_ids=class_ids, student_ids=student_ids, with_focus=True)
    families = select(ps.c.family_id)

    # Door visits per family, one column per window (deduplicated: several rules share one).
    windows: dict[tuple[date, date], str] = {}

    def window(since: date, until: date) -> str:
        return windows.setdefault((since, until), f"w{len(windows)}")

    stage_from = {lv: p.stage_window(lv)[0] for lv in levels}
    stage_dues = {lv: p.stage_window(lv)[1] for lv in levels}
    first_year = p.semester_number == 1
    spec = {
        "focus": (window(p.counts_from, p.counts_until), p.ends_on, p.counts_from),
        "two_years": (window(p.two_years_from, p.counts_until), p.year_ends_on, p.two_years_from),
    }
    ontime_of = {}
    for name, (_col, due, since) in spec.items():
        if due < p.counts_until:  # contacts after the due date still count, late
            ontime_of[name] = window(since, due)
    if first_year:
        first_year_col = window(p.first_year_from, p.counts_until)
        first_year_ontime = window(p.first_year_from, p.midpoint)
    stage_cols = {lv: window(stage_from[lv], p.counts_until) for lv in levels}
    stage_late = any(d < p.counts_until for d in stage_dues.values())
    stage_ontime_cols = (
        {lv: window(stage_from[lv], min(stage_dues[lv], p.counts_until)) for lv in levels}
        if stage_late
        else {}
    )
    earliest = min(since for since, _until in windows)
    fa = (
        select(
            ContactFamily.family_id.label("family_id"),
            *(_window_sum(a, b).label(col) for (a, b), col in windows.items()),
        )
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .where(
            ContactFamily.family_id.in_(families),
            Contact.form == ContactForm.HOME_VISIT,
            counts(p),
            Contact.contact_on >= earliest,
            Contact.contact_on <= p.counts_until,
        )
        .group_by(ContactFamily.family_id)
        .subquery("fa")
    )
    remote_late = p.ends_on < p.counts_until
    fr = _contacts_per_teacher(p, families, forms=REMOTE_FORMS).subquery("fr")

    def visits(col: str):
        return func.coalesce(fa.c[col], 0)

    level = ps.c.level
    is_focus = ps.c.is_focus == 1
    stage_need = _by_level({lv: p.stage_need(lv) for lv in levels}, level)
    # rule: (count, need, applies, due, count by the due date or None when it is the count)
    columns = {
        "remote": (
            func.coalesce(fr.c.n, 0),
            literal(q[QuotaRule.HEAD_TEACHER_REMOTE]),
            literal(True),
            p.ends_on,
            func.coalesce(fr.c.ontime, 0) if remote_late else None,
        ),
        "focus": (
            visits(spec["focus"][0]),
            literal(q[QuotaRule.FOCUS_HOME_VISIT]),
            is_focus,
            p.ends_on,
            visits(ontime_of["focus"]) if "focus" in ontime_of else None,
        ),
        # Before term or in the first half (seed 004 §3); a visit later still meets it, late.
        "first_year": (
            visits(first_year_col) if first_year else literal(0),
            literal(q[QuotaRule.FIRST_YEAR_HOME_VISIT]),
            level.in_(ENTRY_LEVELS) if first_year else false(),
            p.midpoint,
            visits(first_year_ontime) if first_year else None,
        ),
        "two_years": (
            visits(spec["two_years"][0]),
            literal(q[QuotaRule.HOME_VISIT_TWO_YEARS]),
            literal(True),
            p.year_ends_on,
            visits(ontime_of["two_years"]) if "two_years" in ontime_of else None,
        ),
        "stage": (
            _by_level({lv: visits(stage_cols[lv]) for lv in levels}, level),
            stage_need,
            literal(True),
            _by_level({lv: stage_dues[lv] for lv in levels}, level),
            _by_level({lv: visits(c) for lv, c in stage_ontime_cols.items()}, level)
            if stage_late
            else None,
        ),
    }
    cols = [
        ps.c.student_id,
        ps.c.name,
        ps.c.name_key,
        ps.c.class_id,
        ps.c.family_id,
        ps.c.head_teacher_id,
        ps.c.is_focus,
    ]
    for name, (count, need, applies, due, ontime) in columns.items():
        applies_int = case((and_(applies, need > 0), 1), else_=0)
        met = and_(applies, need > 0, count >= need)
        late = literal(0) if ontime is None else case((and_(met, ontime < need), 1), else_=0)
        cols += [
            count.label(f"{name}_count"),
            need.label(f"{name}_need"),
            applies_int.label(f"{name}_applies"),
            case((met, 1), else_=0).label(f"{name}_met"),
            late.label(f"{name}_late"),
            (due if not isinstance(due, date) else literal(due)).label(f"{name}_due"),
        ]
    return (
        select(*cols)
        .select_from(ps)
        .outerjoin(fa, fa.c.family_id == ps.c.family_id)
        .outerjoin(
            fr, and_(fr.c.family_id == ps.c.family_id, fr.c.teacher_id == ps.c.head_teacher_id)
        )
    )


def teacher_family_status(period: Period, *, teacher_id=None, class_ids=None) -> Select:
    """One row per (teacher, family, class) where the teacher teaches or heads the class and the
    family has a student in it on the period's reckoning day (`Period.on`): teacher_id,
    family_id, class_id, name and name_key (the first of the family's children there, by each
    column), `count` of this semester's contacts the teacher was at, need, met, late, applies
    and due. A student who moved to another class mid-semester is owed by the new class's
    teachers, no longer by the old class's.

    Shape (issue 17): the pairs from the counted students once (`_placed_students`), the
    contacts counted per (teacher, family) in one grouped pass over those families only."""
    p = period
    ps = _placed_students(p, class_ids=class_ids)
    taught = select(
        TeachingAssignment.teacher_id.label("teacher_id"),
        ps.c.family_id,
        ps.c.class_id,
        ps.c.name,
        ps.c.name_key,
    ).join(TeachingAssignment, TeachingAssignment.class_id == ps.c.class_id)
    headed = select(
        ps.c.head_teacher_id.label("teacher_id"),
        ps.c.family_id,
        ps.c.class_id,
        ps.c.name,
        ps.c.name_key,
    ).where(ps.c.head_teacher_id.is_not(None))
    if teacher_id is not None:
        taught = taught.where(TeachingAssignment.teacher_id == teacher_id)
        headed = headed.where(ps.c.head_teacher_id == teacher_id)
    both = union_all(taught, headed).subquery("both")
    # A head teacher who also teaches the class, or two siblings in it: one pair.
    pairs = (
        select(
            both.c.teacher_id,
            both.c.family_id,
            both.c.class_id,
            func.min(both.c.name).label("name"),
            func.min(both.c.name_key).label("name_key"),
        )
        .group_by(both.c.teacher_id, both.c.family_id, both.c.class_id)
        .subquery("pairs")
    )
    need = p.quotas[QuotaRule.TEACHER_FAMILY]
    # Contacts after the semester's end still count when the school counts the holiday after
    # it for it (BreakCountsFor.PREVIOUS): those are late.
    counts_late = p.counts_until > p.ends_on
    counts = _contacts_per_teacher(p, select(ps.c.family_id), teacher_id=teacher_id).subquery(
        "counts"
    )
    ontime = func.coalesce(counts.c.ontime, 0) if counts_late else None
    return _pair_status(pairs, func.coalesce(counts.c.n, 0), need, p, ontime).outerjoin(
        counts,
        and_(
            counts.c.teacher_id == pairs.c.teacher_id,
            counts.c.family_id == pairs.c.family_id,
        ),
    )


def _pair_status(pairs, count, need: int, p: Period, ontime=None) -> Select:
    met = and_(literal(need) > 0, count >= need)
    late = literal(0) if ontime is None else case((and_(met, ontime < need), 1), else_=0)
    return select(
        pairs.c.teacher_id,
        pairs.c.family_id,
        pairs.c.class_id,
        pairs.c.name,
        pairs.c.name_key,
        count.label("count"),
        literal(need).label("need"),
        case((met, 1), else_=0).label("met"),
        late.label("late"),
        case((literal(need) > 0, 1), else_=0).label("applies"),
        literal(p.ends_on).label("due"),
    )


# ---- the status of a rule ------------------------------------------------------------------------

MET, MET_LATE, OWED, OVERDUE = "met", "met_late", "owed", "overdue"


def status_labels() -> dict[str, str]:
    """The Chinese label of each status of a rule."""
    from gridapp.core.i18n import gettext as _

    return {MET: _("达标"), MET_LATE: _("达标但逾期"), OWED: _("未达标"), OVERDUE: _("已逾期")}


def rule_status(met: int, late: int, due: date, today: date) -> str:
    """A rule's status for one family or student from the engine's columns (`met`, `late`,
    `due`): met (the need reached by the due date), met late (reached, but after it: 达标但逾期),
    owed (not reached, due date to come) or overdue (not reached, due date past). Only for a
    rule that applies."""
    if met:
        return MET_LATE if late else MET
    return OVERDUE if due < today else OWED


# ---- aggregates ----------------------------------------------------------------------------------


@dataclass
class Share:
    """Of `total` families or students a rule applies to, `met` reached its need, `late` of
    them only after the due date (met late, counted in `met`)."""

    met: int
    total: int
    late: int = 0

    @property
    def ratio(self) -> float | None:
        return self.met / self.total if self.total else None

    @property
    def percent(self) -> str:
        return "—" if self.total == 0 else f"{100 * self.met / self.total:.0f}%"

    def __add__(self, other: Share) -> Share:
        return Share(self.met + other.met, self.total + other.total, self.late + other.late)


@dataclass
class CoverageRow:
    """Coverage of one class, teacher or school: a Share per rule column."""

    key: int
    students: int
    shares: dict[str, Share]
    home_visits: int = 0
    contacts: int = 0
    # A teacher's: records they entered for the period (not withdrawn), those entered more than
    # the school's `late_entry_days` after the contact, and their follow-ups past due and unmet.
    entries: int = 0
    late_entries: int = 0
    follow_ups_overdue: int = 0

    @property
    def score(self) -> float | None:
        """The ranking score: the mean share of this semester's rules that apply."""
        ratios = [s.ratio for k, s in self.shares.items() if k in SEMESTER_COLUMNS and s.total]
        return sum(ratios) / len(ratios) if ratios else None

    @property
    def whole_percent(self) -> int | None:
        """The score as the whole percentage shown (None without a rule that applies). Rankings
        compare it, so scores that show alike rank alike (issue 18 item 2); rounded after
        dropping float noise, so (0.7 + 0.1) / 2 and (0.6 + 0.2) / 2 are the same 80."""
        score = self.score
        return None if score is None else round(round(100 * score, 9))

    @property
    def score_percent(self) -> str:
        return "—" if self.score is None else f"{self.whole_percent}%"


def class_coverage(period: Period, class_ids=None) -> dict[int, CoverageRow]:
    """Per class: students, and met / applicable for each rule. Three queries, whatever the size."""
    st = student_status(period, class_ids=class_ids).subquery("st")
    agg = [st.c.class_id, func.count().label("students")]
    for name in CLASS_RULES:
        agg += [
            func.sum(st.c[f"{name}_met"]).label(f"{name}_met"),
            func.sum(st.c[f"{name}_applies"]).label(f"{name}_applies"),
            func.sum(st.c[f"{name}_late"]).label(f"{name}_late"),
        ]
    rows = {
        r.class_id: CoverageRow(
            key=r.class_id,
            students=r.students,
            shares={
                n: Share(
                    int(getattr(r, f"{n}_met") or 0),
                    int(getattr(r, f"{n}_applies") or 0),
                    int(getattr(r, f"{n}_late") or 0),
                )
                for n in CLASS_RULES
            },
        )
        for r in db.session.execute(select(*agg).group_by(st.c.class_id))
    }
    tf = teacher_family_status(period, class_ids=class_ids).subquery("tf")
    for r in db.session.execute(
        select(
            tf.c.class_id, func.sum(tf.c.met), func.sum(tf.c.applies), func.sum(tf.c.late)
        ).group_by(tf.c.class_id)
    ):
        if r[0] in rows:
            rows[r[0]].shares["teacher"] = Share(int(r[1] or 0), int(r[2] or 0), int(r[3] or 0))
    for row in rows.values():
        row.shares.setdefault("teacher", Share(0, 0))
    # Home visits this semester, per class (issue 15 item 6).
    for class_id, n in home_visits_by_class(
        period, period.counts_from, period.counts_until, class_ids
    ).items():
        if class_id in rows:
            rows[class_id].home_visits = n
    return rows


def home_visits_by_class(
    period: Period, since: date, until: date, class_ids=None
) -> dict[int, int]:
    """Door visits that count for the period's school (`counts`) made from `since` to `until`
    (inclusive), per class: a visit to a family counts in each sibling's class, the class the
    sibling was in on the day of the visit (issue 15 item 6). One query. The semester's are
    `class_coverage`'s; the dashboards count the school year's with the same crediting."""
    # Two branches as in `_placed_students`: a placement holding the day of the visit, or none
    # at all for an active student.
    placement = aliased(ClassPlacement)
    any_row = aliased(ClassPlacement)

    def branch(class_col, *joins_and_where):
        stmt = (
            select(class_col.label("class_id"), Contact.id.label("contact_id"))
            .select_from(Student)
            .join(ContactFamily, ContactFamily.family_id == Student.family_id)
            .join(Contact, Contact.id == ContactFamily.contact_id)
            .where(
                Student.school_id == period.school_id,
                Contact.form == ContactForm.HOME_VISIT,
                counts(period),
                Contact.contact_on >= since,
                Contact.contact_on <= until,
            )
        )
        if class_ids is not None:
            stmt = stmt.where(_in_classes(class_col, class_ids))
        return stmt

    held = branch(placement.class_id).join(
        placement,
        and_(
            placement.student_id == Student.id,
            placement.from_on <= Contact.contact_on,
            or_(placement.to_on.is_(None), placement.to_on > Contact.contact_on),
        ),
    )
    implicit = branch(Student.class_id).where(
        Student.status == StudentStatus.ACTIVE, ~exists().where(any_row.student_id == Student.id)
    )
    credited = union_all(held, implicit).subquery("credited")
    visits = select(credited.c.class_id, func.count(func.distinct(credited.c.contact_id))).group_by(
        credited.c.class_id
    )
    return dict(db.session.execute(visits).all())


def teacher_coverage(period: Period) -> dict[int, CoverageRow]:
    """Per teacher of the school: families linked, and how many reached the rule's number."""
    tf = teacher_family_status(period).subquery("tf")
    met_family = case((tf.c.met == 1, tf.c.family_id))
    late_family = case((tf.c.late == 1, tf.c.family_id))
    rows = {
        r.teacher_id: CoverageRow(
            key=r.teacher_id,
            students=r.families,
            shares={"teacher": Share(r.met or 0, r.families if r.applies else 0, r.late or 0)},
        )
        for r in db.session.execute(
            select(
                tf.c.teacher_id,
                func.count(func.distinct(tf.c.family_id)).label("families"),
                func.count(func.distinct(met_family)).label("met"),
                func.count(func.distinct(late_family)).label("late"),
                func.max(tf.c.applies).label("applies"),
            ).group_by(tf.c.teacher_id)
        )
    }
    # One statement for the three per-teacher counts beside the families (issue 21): the
    # contacts each teacher was at that count, the records each entered (and how many late),
    # and the follow-ups each planned that are overdue.
    window = and_(
        Contact.school_id == period.school_id,
        Contact.contact_on >= period.counts_from,
        Contact.contact_on <= period.counts_until,
    )
    zero = literal(0)
    present = (
        select(
            ContactTeacher.teacher_id.label("teacher_id"),
            func.count(Contact.id).label("contacts"),
            zero.label("entries"),
            zero.label("late_entries"),
            zero.label("follow_ups_overdue"),
        )
        .join(Contact, Contact.id == ContactTeacher.contact_id)
        .where(window, counts(period))
        .group_by(ContactTeacher.teacher_id)
    )
    late = Contact.entered_days_late > period.late_entry_days
    entered = (
        select(
            Contact.recorded_by_id,
            zero,
            func.count(Contact.id),
            func.sum(case((late, 1), else_=0)),
            zero,
        )
        .where(window, Contact.status != ContactStatus.WITHDRAWN)
        .group_by(Contact.recorded_by_id)
    )
    overdue = (
        _overdue_follow_ups(period.school_id, period.today)
        .with_only_columns(FollowUp.teacher_id, zero, zero, zero, func.count(FollowUp.id))
        .group_by(FollowUp.teacher_id)
    )
    for r in db.session.execute(union_all(present, entered, overdue)):
        row = rows.get(r[0])
        if row is not None:
            row.contacts += int(r[1] or 0)
            row.entries += int(r[2] or 0)
            row.late_entries += int(r[3] or 0)
            row.follow_ups_overdue += int(r[4] or 0)
    return rows


def _overdue_follow_ups(school_id: int, today: date) -> Select:
    """The school's follow-ups not met whose due date has passed (planned by a record that is
    not withdrawn), as a Select of FollowUp."""
    return (
        select(FollowUp)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(
            FollowUp.school_id == school_id,
            FollowUp.met_by_id.is_(None),
            FollowUp.due_on < today,
            Contact.status != ContactStatus.WITHDRAWN,
        )
    )


def overdue_follow_ups(school_id: int, today: date) -> int:
    """How many of the school's planned follow-ups (回访) are past their due date and not met
    on `today` (seed 001 八必访 跟踪回访)."""
    stmt = _overdue_follow_ups(school_id, today).with_only_columns(func.count(FollowUp.id))
    return db.session.scalar(stmt) or 0


def total(rows) -> CoverageRow:
    """The sum of several coverage rows (a school from its classes)."""
    out = CoverageRow(key=0, students=0, shares={})
    for row in rows:
        out.students += row.students
        out.home_visits += row.home_visits
        for k, s in row.shares.items():
            out.shares[k] = out.shares.get(k, Share(0, 0)) + s
    return out


def ranked(rows: list, key=lambda r: r.whole_percent) -> list[tuple[int | None, object]]:
    """Rank by `key` (default the score as the whole percent shown), best first; equal values
    share a rank and the next rank skips as many (1, 1, 3: "ties rank equal", issue 18 item 2);
    rows with no value come last, unranked (None). Returns (rank, row) pairs."""
    scored = sorted(rows, key=lambda r: (key(r) is None, -(key(r) or 0)))
    out, rank, last = [], 0, object()
    for i, row in enumerate(scored, 1):
        value = key(row)
        if value is None:
            out.append((None, row))
            continue
        if value != last:
            rank, last = i, value
        out.append((rank, row))
    return out
