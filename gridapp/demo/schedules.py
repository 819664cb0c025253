"""A demo contact schedule (教师联系学生家长安排表, seed 004 §2) for the first school: this
semester's, built from what its teachers still owe, as its principal would build it, with one
item moved a week later so the history shows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import rules
from gridapp.core.errors import RuleViolation
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.schedules import services
from gridapp.schedules.models import ScheduleItem
from gridapp.schools.models import School, SchoolClass, Semester


def build(today: date, school: School) -> int:
    """Build and save the school's schedule; returns how many items were placed (0 without a
    principal, a semester or an open week)."""
    principal = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .limit(1)
    )
    period = rules.period_for(school.id, today)
    if principal is None or period is None:
        return 0
    semester = db.session.get(Semester, period.semester_id)
    class_ids = list(
        db.session.scalars(
            select(SchoolClass.id).where(
                SchoolClass.school_id == school.id, SchoolClass.closed_on.is_(None)
            )
        )
    )
    _neighbours(period, class_ids)
    try:
        result = services.plan(school.id, semester, class_ids, today)
    except RuleViolation:
        return 0
    placed = services.save_plan(principal, school.id, result)
    db.session.flush()
    # One door visit of the demo teacher moved to the week after, by the teacher.
    teacher = db.session.scalar(select(User).where(User.username == "teacher"))
    weeks = services.semester_weeks(semester)
    if teacher is not None:
        items = services.schedule_items(semester.id, teacher_id=teacher.id)
        open_numbers = {w.number for w in weeks if not w.holiday}
        for item in items:
            if item.week + 1 in open_numbers:
                services.move_item(
                    teacher, db.session.get(ScheduleItem, item.id), item.week + 1, weeks, today
                )
                break
    return placed


def _neighbours(period, class_ids) -> None:
    """Three families the demo teacher owes a door visit live in one community, so that the
    trip planner shows a trip of neighbours (the demo's families are spread over many)."""
    teacher_id = db.session.scalar(select(User.id).where(User.username == "teacher"))
    doors = [
        w
        for w in services.owed(period, class_ids)
        if w.teacher_id == teacher_id and w.form.value == "home_visit"
    ][:3]
    if len(doors) < 2:
        return
    first = db.session.get(Student, doors[0].student_id)
    for n, wanted in enumerate(doors[1:], start=2):
        student = db.session.get(Student, wanted.student_id)
        student.community = first.community
        student.address = f"{first.community}{n * 3}幢{n}单元{n}01室"
    db.session.flush()
