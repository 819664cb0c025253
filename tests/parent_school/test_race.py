"""Two sign-ins of one family at one course at the same moment store one (the unique
(course, family) constraint), run by tests/concurrency.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.parent_school import services
from gridapp.parent_school.models import CourseSignIn, ParentCourse
from gridapp.people.models import Guardian, Student, StudentGuardian
from gridapp.schools.models import SchoolClass

from ..concurrency import race, refusals

pytestmark = pytest.mark.commits


def _count(course_id):
    return db.session.scalar(
        select(func.count()).select_from(CourseSignIn).where(CourseSignIn.course_id == course_id)
    )


def test_the_same_parent_twice_at_once_signs_in_once(app, world):
    def sign_in():
        course = db.session.get(ParentCourse, world.course)
        return services.sign_in_with_code(db.session.get(User, world.parent), course.code, now())

    results = race(app, sign_in, sign_in)
    assert len(refusals(results)) == 1 and "已经签到过" in refusals(results)[0]
    with app.app_context():
        assert _count(world.course) == 1


def test_parent_code_and_teacher_tick_at_once_store_one(app, world):
    def by_code():
        course = db.session.get(ParentCourse, world.course)
        return services.sign_in_with_code(db.session.get(User, world.parent), course.code, now())

    def by_teacher():
        course = db.session.get(ParentCourse, world.course)
        family = db.session.get(Student, world.student).family_id
        teacher = db.session.get(User, world.head_teacher)
        a1 = db.session.get(SchoolClass, world.class_a1)
        return services.mark_attendance(teacher, course, a1, [family], now())

    results = race(app, by_code, by_teacher)
    assert not [r for r in results if isinstance(r, Exception) and "已经签到过" not in str(r)]
    with app.app_context():
        assert _count(world.course) == 1
        assert db.session.scalar(select(func.count()).select_from(Guardian)) >= 1
        assert db.session.scalar(select(func.count()).select_from(StudentGuardian)) >= 1
