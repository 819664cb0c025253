"""Writing, counting and publishing academic reviews. Services flush, never commit."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.core.unique import one_row
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.reviews.models import ASPECTS, LEVELS, AcademicReview
from gridapp.schools.models import SchoolClass, Semester, TeachingAssignment

TEXT_LIMIT = 1000


def published_for(student_id: int) -> list[AcademicReview]:
    """The student's published reviews, newest semester first (what the family sees)."""
    return db.session.scalars(
        select(AcademicReview)
        .where(AcademicReview.student_id == student_id, AcademicReview.published_at.is_not(None))
        .options(joinedload(AcademicReview.teacher), joinedload(AcademicReview.semester))
        .order_by(AcademicReview.semester_id.desc(), AcademicReview.id)
    ).all()


def subjects_of(teacher_id: int, class_id: int) -> str:
    return "、".join(
        db.session.scalars(
            select(TeachingAssignment.subject)
            .where(
                TeachingAssignment.teacher_id == teacher_id, TeachingAssignment.class_id == class_id
            )
            .order_by(TeachingAssignment.subject)
        )
    )


def save(
    actor: User, school_class: SchoolClass, semester: Semester, student_id: int | None,
    text: str, levels: dict[str, str],
) -> AcademicReview:  # fmt: skip
    """The teacher's review of one student of the class, written or changed (one per student,
    teacher and semester: the database keeps it so)."""
    student = db.session.get(Student, student_id) if isinstance(student_id, int) else None
    if (
        student is None
        or student.class_id != school_class.id
        or student.status != StudentStatus.ACTIVE
    ):
        raise RuleViolation(_("这个学生不在本班"), field="student_id")
    text = (text or "").strip()
    if not text:
        raise RuleViolation(_("请填写述评内容"), field="text")
    if len(text) > TEXT_LIMIT:
        raise RuleViolation(_("述评不能超过 %(n)d 字", n=TEXT_LIMIT), field="text")
    clean = {}
    for aspect, level in (levels or {}).items():
        if aspect not in ASPECTS or (level and level not in LEVELS):
            raise RuleViolation(_("请选择有效的等级"), field="levels")
        if level:
            clean[aspect] = level
    # Written twice at once (two tabs), it is still one review: the second write finds the
    # first one's row (the unique index refuses a second) and changes it.
    review, _created = one_row(
        AcademicReview,
        {"student_id": student.id, "teacher_id": actor.id, "semester_id": semester.id},
        lambda: AcademicReview(
            school_id=school_class.school_id, class_id=school_class.id, student_id=student.id,
            teacher_id=actor.id, semester_id=semester.id,
            subject=subjects_of(actor.id, school_class.id), text=text, levels=clean,
        ),
    )  # fmt: skip
    review.text, review.levels = text, clean
    db.session.flush()
    audit.record(actor, "review.save", review, school_id=school_class.school_id)
    return review


def completion(school_class: SchoolClass, semester: Semester) -> list[tuple[int, str, str, int]]:
    """Per teacher of the class: (teacher id, name, subjects, reviews written)."""
    teachers = db.session.execute(
        select(TeachingAssignment.teacher_id, User.name, func.min(TeachingAssignment.subject))
        .join(User, User.id == TeachingAssignment.teacher_id)
        .where(TeachingAssignment.class_id == school_class.id)
        .group_by(TeachingAssignment.teacher_id, User.name, User.name_key)
        .order_by(User.name_key, TeachingAssignment.teacher_id)
    ).all()
    written = dict(
        db.session.execute(
            select(AcademicReview.teacher_id, func.count(AcademicReview.id))
            .join(Student, Student.id == AcademicReview.student_id)
            .where(
                AcademicReview.class_id == school_class.id,
                AcademicReview.semester_id == semester.id,
                Student.class_id == school_class.id,
                Student.status == StudentStatus.ACTIVE,
            )
            .group_by(AcademicReview.teacher_id)
        ).all()
    )
    return [(t.teacher_id, t.name, t[2], written.get(t.teacher_id, 0)) for t in teachers]


def publish(actor: User, school_class: SchoolClass, semester: Semester) -> int:
    """The head teacher makes the class's reviews of the semester visible to guardians."""
    n = db.session.execute(
        update(AcademicReview)
        .where(
            AcademicReview.class_id == school_class.id,
            AcademicReview.semester_id == semester.id,
            AcademicReview.published_at.is_(None),
        )
        .values(published_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(actor, "review.publish", school_class, school_id=school_class.school_id, reviews=n)
    return n


def active_students(class_id: int) -> list[Student]:
    """Class `class_id`'s active students by student number."""
    return db.session.scalars(
        select(Student)
        .where(Student.class_id == class_id, Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_number)
    ).all()


def reviews_by_teacher(
    class_id: int, semester_id: int, teacher_id: int
) -> dict[int, AcademicReview]:
    """The reviews teacher `teacher_id` wrote for class `class_id` in semester `semester_id`,
    by student id."""
    return {
        r.student_id: r
        for r in db.session.scalars(
            select(AcademicReview).where(
                AcademicReview.class_id == class_id,
                AcademicReview.semester_id == semester_id,
                AcademicReview.teacher_id == teacher_id,
            )
        )
    }


def has_unpublished(class_id: int, semester_id: int) -> bool:
    """Whether class `class_id` has a review for semester `semester_id` not yet published."""
    return db.session.scalar(
        select(AcademicReview.id).where(
            AcademicReview.class_id == class_id,
            AcademicReview.semester_id == semester_id,
            AcademicReview.published_at.is_(None),
        ).limit(1)
    ) is not None  # fmt: skip
