"""Grids' and people's "at most one" rules hold when two requests come at the same moment
(issue 22, item 1): one division of a class into grids, one open entry per focus category,
one academic review per student, teacher and semester. Races by tests/concurrency.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.grids import services as grids
from gridapp.grids.models import Grid
from gridapp.people import services as people
from gridapp.people.models import FocusCategory, Student, StudentFocus
from gridapp.reviews import services as reviews
from gridapp.reviews.models import AcademicReview
from gridapp.schools.models import SchoolClass, Semester

from ..concurrency import race, refusals

pytestmark = pytest.mark.commits


def test_a_class_divided_twice_at_once_has_one_division(app, world):
    def divide(k):
        def action():
            teacher = db.session.get(User, world.other_class_teacher)
            return len(grids.create_grids(teacher, db.session.get(SchoolClass, world.class_a2), k))

        return action

    results = race(app, divide(1), divide(1))
    assert refusals(results) == ["本班已经划分了网格，请在下面调整"]
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Grid.id)).where(Grid.class_id == world.class_a2))
            == 1
        )


def test_a_focus_category_marked_twice_at_once_is_open_once(app, world):
    def mark():
        teacher = db.session.get(User, world.head_teacher)
        student = db.session.get(Student, world.student)
        people.change_focus(
            teacher, student, FocusCategory.LEFT_BEHIND, True, student.created_at.date()
        )

    results = race(app, mark, mark)
    assert refusals(results) == ["该学生已是这一类重点对象"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(StudentFocus.id)).where(
                    StudentFocus.student_id == world.student, StudentFocus.ended_on.is_(None)
                )
            )
            == 1
        )


def test_a_review_saved_from_two_tabs_at_once_is_one_review(app, world):
    def save(text):
        def action():
            teacher = db.session.get(User, world.head_teacher)
            school_class = db.session.get(SchoolClass, world.class_a1)
            semester = db.session.get(Semester, world.semester_a)
            return reviews.save(teacher, school_class, semester, world.student, text, {}).id

        return action

    results = race(app, save("认真踏实。"), save("认真踏实，乐于助人。"))
    assert refusals(results) == [] and results[0] == results[1]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(AcademicReview.id)).where(
                    AcademicReview.student_id == world.student
                )
            )
            == 1
        )


def test_a_family_moved_from_two_tabs_at_once_has_one_grid(app, world):
    with app.app_context():
        teacher = db.session.get(User, world.other_class_teacher)
        (grid,) = grids.create_grids(teacher, db.session.get(SchoolClass, world.class_a2), 1)
        db.session.query(grids.GridMember).filter_by(class_id=world.class_a2).delete()
        db.session.commit()
        grid_id = grid.id
    family_id = None
    with app.app_context():
        family_id = db.session.get(Student, world.student_a2).family_id

    def move():
        teacher = db.session.get(User, world.other_class_teacher)
        return grids.move_family(
            teacher, db.session.get(SchoolClass, world.class_a2), family_id, grid_id
        ).id

    results = race(app, move, move)
    assert results == [grid_id, grid_id]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(grids.GridMember.id)).where(
                    grids.GridMember.class_id == world.class_a2
                )
            )
            == 1
        )


def test_sensitive_data_saved_from_two_tabs_at_once_is_one_record(app, world):
    from gridapp.people.models import StudentSensitive

    def save(health):
        def action():
            teacher = db.session.get(User, world.head_teacher)
            people.update_sensitive(teacher, db.session.get(Student, world.other_student),
                                    {"health": health})  # fmt: skip

        return action

    results = race(app, save("哮喘"), save("哮喘，需随身带药"))
    assert refusals(results) == []
    with app.app_context():
        assert db.session.get(StudentSensitive, world.other_student) is not None


def test_attendance_saved_from_two_tabs_at_once_lists_each_family_once(app, world):
    """Two teachers tick the same family at once: one row, and the other is told the list
    changed (not the generic "modified by someone else")."""
    from datetime import date

    from gridapp.grids.models import GuidanceActivity, GuidanceAttendance

    with app.app_context():
        teacher = db.session.get(User, world.head_teacher)
        activity = grids.create_activity(
            teacher,
            db.session.get(SchoolClass, world.class_a1),
            grids.ActivityData("亲子沟通讲座", date(2026, 11, 21), "学校报告厅", "陈老师"),
            date(2026, 11, 23),
        )
        db.session.commit()
        activity_id = activity.id
        family = db.session.get(Student, world.student).family_id

    def tick():
        activity = db.session.get(GuidanceActivity, activity_id)
        teacher = db.session.get(User, world.head_teacher)
        return grids.set_attendance(teacher, activity, {family}, date(2026, 11, 23))

    results = race(app, tick, tick)
    refused = refusals(results)
    assert len(refused) == 1 and "出席名单刚刚被其他人修改过" in str(refused[0])
    with app.app_context():
        rows = db.session.scalar(
            select(func.count(GuidanceAttendance.id)).where(
                GuidanceAttendance.activity_id == activity_id
            )
        )
        assert rows == 1
