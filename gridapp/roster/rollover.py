"""The school-year rollover (issue 15 item 9): at the end of a school year every class of a school
moves up one grade, the last grade graduates, and the next school year with its two semesters
begins; a dry-run preview first, one transaction, and an exact undo until the new year's first
contact.

Decisions (docs/domain.md, "The school-year rollover"):

- A class is a cohort (`SchoolClass.enrolment_year`): it is **promoted in place** — the same
  class row moves to the next grade and is renamed (三年级（2）班 → 四年级（2）班), so its head
  teacher, its teaching assignments and its parent grids carry over (teachers usually follow
  their class; the admin changes them afterwards where they do not). Last year's figures stay
  true because each active student's placement is ended on the day after the old year and a new
  one opened, the ended one keeping the grade level it had (`ClassPlacement.level`), which the
  quota engine reads for its grade rules.
- The last grade of the school graduates: its active students get the status 已毕业 from the day
  after the old year (their archives stay, read-only), and the class is closed (`closed_on`)
  and renamed with its year of graduation, keeping its grade and number for the archive.
- The next school year is the one the school has already entered (dates after the old year), or
  one created here with schools.services.create_school_year (its overlap rule holds).
- The rollover runs once the old year has ended (the graduation date is then not in the
  future). A rollover row per school and year (a partial unique index) makes a second run
  refuse instead of promoting twice. What it did is stored in the row, so `undo_rollover` puts
  every row back exactly; undo is refused once a contact of the new year is recorded, or when
  a student was moved or left since (the undo would not be exact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, insert, select, update

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held, lock_row
from gridapp.extensions import db
from gridapp.people import placements
from gridapp.people import services as people
from gridapp.people.models import ClassPlacement, Student, StudentStatus, StudentStatusChange
from gridapp.roster.models import Rollover
from gridapp.schools.models import Grade, School, SchoolClass, SchoolYear, Semester, class_name
from gridapp.schools.services import SchoolYearData, create_school_year, grade_for


def already() -> str:
    return _("这一学年已经升级过了")


@dataclass
class ClassStep:
    """One class in the preview: where it is, how many active students, where it goes."""

    school_class: SchoolClass
    level: int
    students: int
    to_name: str
    graduates: bool


@dataclass
class Preview:
    """What a rollover of `school` would do today (nothing is written to make it)."""

    school: School
    from_year: SchoolYear | None
    to_year: SchoolYear | None  # the next year the school has entered already, if any
    year_data: SchoolYearData | None  # the next year to create (proposed dates)
    switch_on: date | None
    steps: list[ClassStep] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    done: Rollover | None = None  # the rollover of this year already made

    @property
    def promoted(self) -> list[ClassStep]:
        return [s for s in self.steps if not s.graduates]

    @property
    def graduating(self) -> list[ClassStep]:
        return [s for s in self.steps if s.graduates]

    @property
    def graduates(self) -> int:
        return sum(s.students for s in self.graduating)


def _shift(d: date, years: int = 1) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def year_name(starts_on: date) -> str:
    """The name of a school year beginning on `starts_on`: 2027—2028学年."""
    return f"{starts_on.year}—{starts_on.year + 1}学年"


def graduated_name(school_class: SchoolClass, year_ends_on: date) -> str:
    """A graduated class's name: its last name and the year it left (六年级（1）班（2027届）)."""
    return _("%(n)s（%(y)d届）", n=school_class.name, y=year_ends_on.year)[:40]


def live_rollover(school_id: int, from_year_id: int) -> Rollover | None:
    return db.session.scalar(
        select(Rollover).where(
            Rollover.school_id == school_id,
            Rollover.from_year_id == from_year_id,
            Rollover.undone_at.is_(None),
        )
    )


def latest_rollover(school_id: int) -> Rollover | None:
    """The school's last rollover that is not undone."""
    return db.session.scalar(
        select(Rollover)
        .where(Rollover.school_id == school_id, Rollover.undone_at.is_(None))
        .order_by(Rollover.id.desc())
        .limit(1)
    )


def _open_classes(school_id: int) -> list[tuple[SchoolClass, int]]:
    return list(
        db.session.execute(
            select(SchoolClass, Grade.level)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(SchoolClass.school_id == school_id, SchoolClass.closed_on.is_(None))
            .order_by(Grade.level.desc(), SchoolClass.number)
        ).all()
    )


def preview(school: School, today: date) -> Preview:
    """The dry run: the year that ends, the classes promoted and graduated with their active
    students, the next year (existing or proposed) and why it cannot be committed now, if so.
    Reads only (a fixed number of queries)."""
    from_year = db.session.scalar(
        select(SchoolYear)
        .where(SchoolYear.school_id == school.id, SchoolYear.starts_on <= today)
        .order_by(SchoolYear.starts_on.desc())
        .limit(1)
    )
    if from_year is None:
        return Preview(school, None, None, None, None, problems=[_("本校还没有学年")])
    switch_on = from_year.ends_on + timedelta(days=1)
    to_year = db.session.scalar(
        select(SchoolYear)
        .where(SchoolYear.school_id == school.id, SchoolYear.starts_on > from_year.ends_on)
        .order_by(SchoolYear.starts_on)
        .limit(1)
    )
    year_data = None
    if to_year is None:
        sems = sorted(from_year.semesters, key=lambda s: s.number)
        if len(sems) == 2:
            first, second = sems
            year_data = SchoolYearData(
                name=year_name(_shift(first.starts_on)),
                first_starts_on=_shift(first.starts_on),
                first_ends_on=_shift(first.ends_on),
                second_starts_on=_shift(second.starts_on),
                second_ends_on=_shift(second.ends_on),
            )
        else:
            start = _shift(from_year.starts_on)
            year_data = SchoolYearData(
                year_name(start), start, date(start.year + 1, 1, 20),
                date(start.year + 1, 2, 20), _shift(from_year.ends_on),
            )  # fmt: skip
    out = Preview(school, from_year, to_year, year_data, switch_on)
    out.done = live_rollover(school.id, from_year.id)
    classes = _open_classes(school.id)
    sizes = people.class_sizes([c.id for c, _lv in classes])
    last = max(school.levels)
    for c, level in classes:
        graduates = level >= last
        to_name = (
            graduated_name(c, from_year.ends_on) if graduates else class_name(level + 1, c.number)
        )
        out.steps.append(ClassStep(c, level, sizes.get(c.id, 0), to_name, graduates))
    if out.done is not None:
        out.problems.append(already())
    elif today <= from_year.ends_on:
        out.problems.append(
            _(
                "%(y)s在 %(d)s 结束，结束之后才能升级",
                y=from_year.name,
                d=from_year.ends_on.isoformat(),
            )
        )
    return out


def rollover(
    actor: User, school: School, today: date, year_data: SchoolYearData | None = None
) -> Rollover:
    """Commit the rollover the preview shows (module docstring), in the caller's transaction.
    `year_data` overrides the proposed dates of the next year when the school has none yet.

    Raises RuleViolation with the preview's first problem (the year has not ended, it was rolled
    over already: held by the unique index on school and year), the next year's own rules
    (schools.services.create_school_year: dates in order, no overlap), or when a student's class
    placement began after the old year ended. Rule source: issue 15 item 9.
    """
    lock_row(School, school.id)
    plan = preview(school, today)
    if plan.problems:
        raise RuleViolation(plan.problems[0])
    from_year, switch_on = plan.from_year, plan.switch_on
    record = Rollover(school_id=school.id, from_year_id=from_year.id, created_by_id=actor.id)
    with held(already()):
        db.session.add(record)
    done: dict = {"classes": [], "graduated_classes": [], "closed": {}, "opened": []}
    year = plan.to_year
    if year is None:
        year = create_school_year(actor, school, year_data or plan.year_data)
        done["year_created"] = year.id
    record.to_year_id = year.id

    graduating = [s.school_class for s in plan.graduating]
    promoted = [s for s in plan.promoted]
    # The last grade graduates: their placements end on the switch day with their status.
    grads = list(
        db.session.scalars(
            select(Student).where(
                Student.class_id.in_([c.id for c in graduating]),
                Student.status == StudentStatus.ACTIVE,
            )
        )
    )
    changes = people.set_students_status(
        actor, grads, StudentStatus.GRADUATED, switch_on, _("毕业（学年升级）"), today=today
    )
    done["status_changes"] = [c.id for c in changes]
    for c in graduating:
        done["graduated_classes"].append({"id": c.id, "name": c.name})
        c.closed_on = switch_on
        c.name = graduated_name(c, from_year.ends_on)
    db.session.flush()

    # Every other class moves up one grade, the highest first (one open class per grade and
    # number: the class above has moved on or closed before this one takes its place).
    for step in promoted:
        c = step.school_class
        grade = grade_for(school, step.level + 1)
        done["classes"].append({"id": c.id, "grade_id": c.grade_id, "name": c.name})
        c.grade_id = grade.id
        c.name = class_name(step.level + 1, c.number)
        db.session.flush()

    # Their students: the placement of last year ends on the switch day keeping its grade level;
    # a new one begins in the same class, now a grade higher.
    levels = {s.school_class.id: s.level for s in promoted}
    students = list(
        db.session.scalars(
            select(Student).where(
                Student.class_id.in_(list(levels)), Student.status == StudentStatus.ACTIVE
            )
        )
    )
    placements.ensure_placements(students, today)
    current = list(
        db.session.scalars(
            select(ClassPlacement).where(
                ClassPlacement.student_id.in_([s.id for s in students]),
                ClassPlacement.to_on.is_(None),
            )
        )
    )
    if any(p.from_on > switch_on for p in current):
        raise RuleViolation(_("有学生在学年结束之后才调入现在的班级，请先核对这些学生的调班日期"))
    done["closed"] = {str(p.id): p.level for p in current}
    if current:
        db.session.execute(
            update(ClassPlacement)
            .where(ClassPlacement.id.in_([p.id for p in current]))
            .values(
                to_on=switch_on,
                level=func.coalesce(
                    ClassPlacement.level, case(levels, value=ClassPlacement.class_id)
                ),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            insert(ClassPlacement),
            [{"student_id": p.student_id, "class_id": p.class_id, "from_on": switch_on}
             for p in current],
        )  # fmt: skip
        done["opened"] = list(
            db.session.scalars(
                select(ClassPlacement.id).where(
                    ClassPlacement.student_id.in_([p.student_id for p in current]),
                    ClassPlacement.to_on.is_(None),
                )
            )
        )
    record.done = done
    db.session.flush()
    audit.record(
        actor, "school.rollover", record, school_id=school.id, from_year=from_year.name,
        to_year=year.name, promoted=len(promoted), graduated=len(grads),
    )  # fmt: skip
    return record


def new_year_contacts(record: Rollover) -> int:
    """Contacts of the school recorded for days after the old year: once there is one, the
    rollover stays."""
    from gridapp.contacts.models import Contact, ContactStatus

    return db.session.scalar(
        select(func.count(Contact.id)).where(
            Contact.school_id == record.school_id,
            Contact.contact_on > record.from_year.ends_on,
            Contact.status != ContactStatus.WITHDRAWN,
        )
    )


def undo_rollover(actor: User, record: Rollover) -> None:
    """Put everything the rollover did back exactly: classes to their grades and names, the
    graduates back at school in their classes, the placements as they were, the year it created
    removed. A conditional change of the rollover row (undone once).

    Raises RuleViolation when a contact of the new year exists, when a student was moved or
    left since, or when a class was created since in a grade the undo needs; IllegalTransition
    when it was undone meanwhile. Rule source: issue 15 item 9.
    """
    from gridapp.core.time import now

    if record.undone_at is not None:
        raise RuleViolation(_("这次升级已撤销"))
    if new_year_contacts(record):
        raise RuleViolation(_("新学年已有家访记录，不能再撤销升级"))
    lock_row(School, record.school_id)
    changed = db.session.execute(
        update(Rollover)
        .where(Rollover.id == record.id, Rollover.undone_at.is_(None))
        .values(undone_at=now(), undone_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise IllegalTransition(_("这次升级已撤销"))
    done = record.done or {}
    not_exact = _("升级之后已有学生调班、离校或新建了班级，不能撤销")
    opened = done.get("opened", [])
    if opened:
        still = db.session.scalar(
            select(func.count(ClassPlacement.id)).where(
                ClassPlacement.id.in_(opened), ClassPlacement.to_on.is_(None)
            )
        )
        if still != len(opened):
            raise RuleViolation(not_exact)
        db.session.execute(ClassPlacement.__table__.delete().where(ClassPlacement.id.in_(opened)))
    by_level: dict = {}
    for pid, level in done.get("closed", {}).items():
        by_level.setdefault(level, []).append(int(pid))
    for level, ids in by_level.items():
        db.session.execute(
            update(ClassPlacement)
            .where(ClassPlacement.id.in_(ids))
            .values(to_on=None, level=level)
            .execution_options(synchronize_session=False)
        )
    # Classes back down, the lowest first; then the graduated classes open again.
    entries = done.get("classes", [])
    rows = {c.id: c for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_([e["id"] for e in entries]))
    )}  # fmt: skip
    with held(not_exact):
        for e in reversed(entries):
            c = rows[e["id"]]
            c.grade_id, c.name = e["grade_id"], e["name"]
            db.session.flush()
        for e in done.get("graduated_classes", []):
            c = db.session.get(SchoolClass, e["id"])
            c.closed_on, c.name = None, e["name"]
            db.session.flush()
    # The graduates back at school, their placements open again.
    change_ids = done.get("status_changes", [])
    if change_ids:
        changes = list(
            db.session.scalars(
                select(StudentStatusChange).where(StudentStatusChange.id.in_(change_ids))
            )
        )
        back = db.session.execute(
            update(Student)
            .where(
                Student.id.in_([c.student_id for c in changes]),
                Student.status == StudentStatus.GRADUATED,
            )
            .values(status=StudentStatus.ACTIVE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if back != len(changes):
            raise RuleViolation(not_exact)
        db.session.execute(
            update(StudentStatusChange)
            .where(StudentStatusChange.id.in_(change_ids))
            .values(undone_at=now(), undone_by_id=actor.id)
            .execution_options(synchronize_session=False)
        )
        with held(not_exact):
            db.session.execute(
                update(ClassPlacement)
                .where(ClassPlacement.id.in_([c.placement_id for c in changes if c.placement_id]))
                .values(to_on=None)
                .execution_options(synchronize_session=False)
            )
    year_id = done.get("year_created")
    if year_id:
        db.session.execute(
            update(Rollover)
            .where(Rollover.id == record.id)
            .values(to_year_id=None)
            .execution_options(synchronize_session=False)
        )
        with held(_("新学年已有其他记录，不能删除，请先处理")):
            db.session.execute(
                Semester.__table__.delete().where(Semester.school_year_id == year_id)
            )
            db.session.execute(SchoolYear.__table__.delete().where(SchoolYear.id == year_id))
    db.session.expire_all()
    audit.record(actor, "school.rollover.undo", record, school_id=record.school_id)
