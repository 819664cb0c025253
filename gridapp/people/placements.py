"""A student's classes over time (class placements): where a student was on each date, moving a
student to another class, and the SQL that counts a student in the class of a given day.

The rule (issue 15 item 6; docs/domain.md, "Class history"): a placement holds a student in a
class from `from_on` (the first day in it) until `to_on` (the first day no longer in it; NULL
while open). A student has at most one open placement (the partial unique index
`ix_class_placements_one_open`) and `Student.class_id` is its class, or the last class for a
student who has left. A student without any placement row (one created by code that does not
know placements) is read as having one open placement in `Student.class_id` from always, while
active: the same as before placements existed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, exists, false, func, insert, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held
from gridapp.extensions import db
from gridapp.people.models import ClassPlacement, Student, StudentStatus
from gridapp.schools.models import SchoolClass


def one_open() -> str:
    return _("该学生的班级已被他人更改，请刷新页面后再试")


def implicit_start(student: Student, day: date) -> date:
    """Where an implicit placement (a student without placement rows) begins: 1 September of
    the student's enrolment year, or `day` when that is earlier (the migration back-fills the
    same)."""
    try:
        start = date(student.enrolment_year, 9, 1)
    except (TypeError, ValueError):
        return day
    return min(start, day)


def ensure_placements(students, day: date) -> None:
    """Write down the implicit open placement of each student that has no placement row yet, in
    one query and one INSERT whatever their number (before a move or a status change)."""
    students = list(students)
    if not students:
        return
    have = set(
        db.session.scalars(
            select(ClassPlacement.student_id)
            .where(ClassPlacement.student_id.in_([s.id for s in students]))
            .distinct()
        )
    )
    rows = [
        {
            "student_id": s.id,
            "class_id": s.class_id,
            "from_on": implicit_start(s, day),
            "to_on": None,
        }
        for s in students
        if s.id not in have and s.status == StudentStatus.ACTIVE
    ]
    if rows:
        with held(one_open(), conflict=True):
            db.session.execute(insert(ClassPlacement), rows)


def open_placement(student_id: int) -> ClassPlacement | None:
    return db.session.scalar(
        select(ClassPlacement).where(
            ClassPlacement.student_id == student_id, ClassPlacement.to_on.is_(None)
        )
    )


def history(student: Student) -> list[ClassPlacement]:
    """The student's placements, oldest first, with their classes."""
    return list(
        db.session.scalars(
            select(ClassPlacement)
            .where(ClassPlacement.student_id == student.id)
            .options(joinedload(ClassPlacement.school_class))
            .order_by(ClassPlacement.from_on, ClassPlacement.id)
        )
    )


def move_student(
    actor: User, student: Student, to_class: SchoolClass, on: date, *, today: date
) -> ClassPlacement:
    """Move an active student to another class of their school from `on` (a date not after
    today): the open placement ends on `on` and a new one begins there; `Student.class_id`
    follows. Contacts stay with the student's family; the archive lists the move.

    On the day the current placement began (a correction of a wrong class the same day), that
    placement's class is changed instead of leaving an empty one behind.

    Raises RuleViolation (field `class_id`: the same class, another school's class, an inactive
    student; field `on`: a date in the future or before the student entered the current class)
    and IllegalTransition (409) when another request moved the student meanwhile: the move is a
    conditional UPDATE of the old class, and the database keeps one open placement per student.
    Rule source: issue 15 item 6.
    """
    if student.status != StudentStatus.ACTIVE:
        raise RuleViolation(_("该学生已不在读，不能调班"), field="class_id")
    if to_class.school_id != student.school_id:
        raise RuleViolation(_("请选择本校的班级"), field="class_id")
    old_class_id = student.class_id
    if to_class.id == old_class_id:
        raise RuleViolation(_("该学生已在这个班级"), field="class_id")
    if on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="on")
    ensure_placements([student], today)
    current = open_placement(student.id)
    if current is None or current.class_id != old_class_id:
        raise IllegalTransition(one_open())
    if on < current.from_on:
        raise RuleViolation(
            _("调班日期不能早于进入现班级的日期（%(d)s）", d=current.from_on.isoformat()),
            field="on",
        )
    moved = db.session.execute(
        update(Student)
        .where(
            Student.id == student.id,
            Student.class_id == old_class_id,
            Student.status == StudentStatus.ACTIVE,
        )
        .values(class_id=to_class.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise IllegalTransition(one_open())
    if on == current.from_on:
        current.class_id = to_class.id
        placement = current
        db.session.flush()
    else:
        closed = db.session.execute(
            update(ClassPlacement)
            .where(ClassPlacement.id == current.id, ClassPlacement.to_on.is_(None))
            .values(to_on=on)
            .execution_options(synchronize_session=False)
        ).rowcount
        if closed != 1:
            raise IllegalTransition(one_open())
        placement = ClassPlacement(student_id=student.id, class_id=to_class.id, from_on=on)
        with held(one_open(), conflict=True):
            db.session.add(placement)
    db.session.expire(student)
    db.session.expire(current)
    audit.record(
        actor, "student.move", student, school_id=student.school_id,
        from_class_id=old_class_id, to_class_id=to_class.id, on=on.isoformat(),
    )  # fmt: skip
    return placement


def move_students_in_bulk(moves: dict[int, int], on: date) -> None:
    """Record in the class history that each student of `moves` ({student_id: new class_id},
    students of one school whose `Student.class_id` the caller is about to change) is in the new
    class from `on`: their implicit placements are written down first, each open placement that
    began before `on` ends on `on` and a new one opens, one that began on `on` (or later) changes
    class. A fixed number of statements whatever the number of students (the roster import,
    issue 15 items 4 and 6). Flushes, never commits; does not audit (the caller audits the
    import as a whole).
    """
    if not moves:
        return
    ids = list(moves)
    students = db.session.execute(
        select(Student.id, Student.class_id, Student.enrolment_year, Student.status).where(
            Student.id.in_(ids)
        )
    ).all()
    have = set(
        db.session.scalars(
            select(ClassPlacement.student_id).where(ClassPlacement.student_id.in_(ids)).distinct()
        )
    )
    implicit = [
        {
            "student_id": s.id,
            "class_id": s.class_id,
            "from_on": implicit_start(s, on),
            "to_on": None,
        }
        for s in students
        if s.id not in have and s.status == StudentStatus.ACTIVE
    ]
    with held(one_open(), conflict=True):
        if implicit:
            db.session.execute(insert(ClassPlacement), implicit)
        current = db.session.execute(
            select(ClassPlacement.id, ClassPlacement.student_id, ClassPlacement.from_on).where(
                ClassPlacement.student_id.in_(ids), ClassPlacement.to_on.is_(None)
            )
        ).all()
        ended = [{"pid": c.id, "to_on": on} for c in current if c.from_on < on]
        changed = [
            {"pid": c.id, "class_id": moves[c.student_id]} for c in current if c.from_on >= on
        ]
        bp = ClassPlacement.__table__.c
        if ended:
            db.session.execute(
                update(ClassPlacement.__table__)
                .where(bp.id == bindparam("pid"))
                .values(to_on=bindparam("to_on")),
                ended,
            )
        if changed:
            db.session.execute(
                update(ClassPlacement.__table__)
                .where(bp.id == bindparam("pid"))
                .values(class_id=bindparam("class_id")),
                changed,
            )
        opened = {c.student_id for c in current if c.from_on < on}
        rows = [
            {"student_id": sid, "class_id": moves[sid], "from_on": on, "to_on": None}
            for sid in ids
            if sid in opened
        ]
        if rows:
            db.session.execute(insert(ClassPlacement), rows)


# ---- the class a student counts in on a day (the quota engine's rule) ------------------------------


@dataclass(frozen=True)
class PlacedOn:
    """SQL pieces that count each student of a query in the class of their placement on `day`:
    `join(placement, onclause, isouter=True)`, then `where(counted)`; `class_id` is the column to
    group and filter by. A student with no placement rows counts in `Student.class_id` while
    active (module docstring)."""

    placement: object
    onclause: object
    counted: object
    class_id: object

    def in_classes(self, class_ids):
        """A condition: the student counts in one of `class_ids` on the day."""
        ids = list(class_ids)
        if not ids:
            return false()
        return or_(
            self.placement.class_id.in_(ids),
            and_(self.placement.id.is_(None), Student.class_id.in_(ids)),
        )


def placed_on(day: date, student=Student) -> PlacedOn:
    """The class each student (of `student`, the Student entity or an alias) counts in on
    `day`: the placement holding that day, or the implicit one (module docstring). A student
    who left before `day`, or came after it, counts nowhere."""
    p = aliased(ClassPlacement)
    any_row = aliased(ClassPlacement)
    onclause = and_(
        p.student_id == student.id,
        p.from_on <= day,
        or_(p.to_on.is_(None), p.to_on > day),
    )
    counted = or_(
        p.id.is_not(None),
        and_(
            student.status == StudentStatus.ACTIVE,
            ~exists().where(any_row.student_id == student.id),
        ),
    )
    return PlacedOn(p, onclause, counted, func.coalesce(p.class_id, student.class_id))
