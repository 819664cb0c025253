"""What the school leaders' pairing pages and the student page read (nothing is written): the
school's active pairings with a search, the school's students found by name or number (to pair
one not yet in need), and where one student stands (`need_state`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, joinedload

from gridapp.accounts.models import User
from gridapp.core import text
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import NeedMark, NeedMarkStatus, Pairing
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import Grade, SchoolClass

FOUND_LIMIT = 20  # students a search on the pairing form lists at most


def active_pairings(school_id: int, search: str = "") -> Select:
    """The school's active pairings, by the teacher's then the student's name in pinyin order
    (name_key), optionally those whose student or teacher name (or student number) contains
    `search`: Select of Pairing with its student, class and teacher loaded."""
    teacher = aliased(User, name="pairing_teacher")
    q = (
        select(Pairing)
        .join(Student, Student.id == Pairing.student_id)
        .join(teacher, teacher.id == Pairing.teacher_id)
        .where(Pairing.school_id == school_id, Pairing.ends_on.is_(None))
        .options(
            joinedload(Pairing.student).joinedload(Student.school_class),
            joinedload(Pairing.teacher),
        )
        .order_by(teacher.name_key, Pairing.teacher_id, Student.name_key, Pairing.id)
    )
    condition = text.search_condition(search, Student.name, Student.student_number, teacher.name)
    return q if condition is None else q.where(condition)


def find_students(school_id: int, search: str) -> list[Student]:
    """Active students of the school whose name or student number contains `search`, in class and
    pinyin order, at most `FOUND_LIMIT` ([] when nothing is searched)."""
    condition = text.search_condition(search, Student.name, Student.student_number)
    if condition is None:
        return []
    q = (
        select(Student)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(Student.school_id == school_id, Student.status == StudentStatus.ACTIVE, condition)
        .options(joinedload(Student.school_class))
        .order_by(Grade.level, SchoolClass.number, Student.name_key, Student.id)
        .limit(FOUND_LIMIT)
    )
    return list(db.session.scalars(q))


def school_students(school_id: int, ids: list[int]) -> list[Student]:
    """The students among `ids` that belong to the school (a form shown again lists the ones it
    named; another school's student is never named), in pinyin order."""
    ids = [i for i in ids if isinstance(i, int) and 0 < i < 2**31]
    if not ids:
        return []
    q = (
        select(Student)
        .where(Student.school_id == school_id, Student.id.in_(ids))
        .options(joinedload(Student.school_class))
        .order_by(Student.name_key, Student.id)
    )
    return list(db.session.scalars(q))


def paired_student_ids(student_ids: Iterable[int]) -> set[int]:
    """Those of `student_ids` with an active pairing."""
    ids = sorted(set(student_ids))
    if not ids:
        return set()
    q = select(Pairing.student_id).where(Pairing.student_id.in_(ids), Pairing.ends_on.is_(None))
    return set(db.session.scalars(q))


@dataclass(frozen=True)
class NeedState:
    """Where a student stands for 1+N pairing, for the student page: in need or not, by a focus
    category (`by_focus`) or by a mark, the open mark (proposed or confirmed), the active
    pairing."""

    in_need: bool
    by_focus: bool
    mark: NeedMark | None
    pairing: Pairing | None

    @property
    def pending(self) -> bool:
        return self.mark is not None and self.mark.status is NeedMarkStatus.PROPOSED


def need_state(student: Student) -> NeedState:
    """The student's `NeedState` (four small queries)."""
    return NeedState(
        in_need=services.is_in_need(student),
        by_focus=bool(services.focus_categories([student.id]).get(student.id)),
        mark=services.open_marks([student.id]).get(student.id),
        pairing=services.active_pairing(student.id),
    )
