"""School structure's "at most one" rules hold when two admins act at the same moment (issue
22, item 1): school years that must not overlap (a row lock), one class per grade and number,
one account per username whatever its case. Each race is run by tests/concurrency.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gridapp.accounts import services as accounts
from gridapp.accounts.models import User
from gridapp.core.errors import RuleViolation
from gridapp.extensions import db
from gridapp.schools import services
from gridapp.schools.models import School, SchoolClass, SchoolYear

from ..concurrency import race, refusals

pytestmark = pytest.mark.commits


def test_two_overlapping_school_years_created_at_once_make_one(app, world):
    def create(name):
        def action():
            data = services.SchoolYearData(
                name, date(2030, 9, 1), date(2031, 1, 20), date(2031, 2, 20), date(2031, 7, 5)
            )
            admin = db.session.get(User, world.school_admin)
            return services.create_school_year(
                admin, db.session.get(School, world.school_a), data
            ).id

        return action

    results = race(app, create("2030—2031学年"), create("2030-2031"))
    assert refusals(results) == ["与已有学年的日期重叠"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(SchoolYear.id)).where(
                    SchoolYear.school_id == world.school_a, SchoolYear.starts_on == date(2030, 9, 1)
                )
            )
            == 1
        )


def test_one_class_per_grade_and_number_at_once(app, world):
    def create():
        admin = db.session.get(User, world.school_admin)
        school = db.session.get(School, world.school_a)
        return services.create_class(admin, school, 3, 9, 2024, None).id

    results = race(app, create, create)
    assert refusals(results) == ["三年级（9）班 已存在"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(SchoolClass.id)).where(
                    SchoolClass.school_id == world.school_a, SchoolClass.number == 9
                )
            )
            == 1
        )


def test_one_account_per_username_whatever_its_case(app, world):
    def create(username):
        def action():
            admin = db.session.get(User, world.district_admin)
            data = accounts.UserData(username=username, name="新老师")
            return accounts.create_user(admin, data, admin.district_id).id

        return action

    results = race(app, create("NewTeacher"), create("newteacher"))
    assert refusals(results) == ["用户名已被使用"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(User.id)).where(func.lower(User.username) == "newteacher")
            )
            == 1
        )


def test_a_semester_stretched_onto_another_year_is_refused(app, world):
    with app.app_context():
        admin = db.session.get(User, world.school_admin)
        school = db.session.get(School, world.school_a)
        data = services.SchoolYearData(
            "2031—2032学年",
            date(2031, 9, 1),
            date(2032, 1, 20),
            date(2032, 2, 20),
            date(2032, 7, 5),
        )
        year = services.create_school_year(admin, school, data)
        first = year.semesters[0]
        db.session.commit()
        with pytest.raises(RuleViolation, match="与已有学年的日期重叠"):
            # The world's current year ends in 2027: reaching back into it is an overlap.
            services.update_semester(admin, first, date(2026, 12, 1), date(2032, 1, 20))
        db.session.rollback()


def test_roles_granted_from_two_tabs_at_once_are_granted_once(app, world):
    """Two admins make the same teacher a principal at once: one grant, and the other is told
    the roles changed (not the generic "modified by someone else")."""
    from gridapp.accounts.models import Role, UserRole

    def grant():
        admin = db.session.get(User, world.school_admin)
        teacher = db.session.get(User, world.subject_teacher)
        accounts.set_school_roles(admin, teacher, world.school_a, {Role.TEACHER, Role.PRINCIPAL})

    results = race(app, grant, grant)
    refused = refusals(results)
    assert len(refused) == 1 and "角色刚刚被其他人修改过" in str(refused[0])
    with app.app_context():
        grants = db.session.scalar(
            select(func.count(UserRole.id)).where(
                UserRole.user_id == world.subject_teacher, UserRole.role == Role.PRINCIPAL
            )
        )
        assert grants == 1
