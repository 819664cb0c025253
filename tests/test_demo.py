"""The demo district: what it contains, that a seed gives the same data, and the CLI's refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gridapp import demo
from gridapp.accounts.models import Role, User
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student, StudentGuardian
from gridapp.schools.models import District, SchoolClass

DAY = date(2026, 10, 12)  # a fixed "today": the school years do not move with the clock


def _build():
    return demo.build(seed=1, schools=1, students_per_school=80, today=DAY)


def test_demo_district_contents(app):
    with app.app_context():
        result = _build()
        db.session.commit()

        district = db.session.scalar(select(District))
        assert district.is_demo
        assert len(result.schools) == 1
        students = db.session.scalar(select(func.count()).select_from(Student))
        assert students == result.students
        assert 70 <= students <= 90

        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        assert teacher.has_role(Role.TEACHER, result.schools[0].id)
        headed = db.session.scalars(
            select(SchoolClass).where(SchoolClass.head_teacher_id == teacher.id)
        ).all()
        assert len(headed) == 1

        parent = db.session.scalar(select(User).where(User.username == "parent"))
        assert parent.is_guardian
        children = db.session.scalars(
            select(Student)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == parent.id)
        ).all()
        assert len(children) == 2
        assert children[0].class_id != children[1].class_id
        assert children[0].family_id == children[1].family_id
        for name in ("district", "bureau", "admin", "principal", "party"):
            assert db.session.scalar(select(User).where(User.username == name)) is not None


def test_demo_logins_work(app, client):
    with app.app_context():
        _build()
        db.session.commit()
    r = client.post("/login", data={"username": "teacher", "password": demo.DEMO_PASSWORD})
    assert r.status_code == 303
    assert client.get("/").status_code == 200


def test_same_seed_gives_the_same_students(app):
    with app.app_context():
        _build()
        first = db.session.execute(
            select(Student.student_number, Student.name, Student.birth_on).order_by(
                Student.student_number
            )
        ).all()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Student)) == 0

        _build()
        second = db.session.execute(
            select(Student.student_number, Student.name, Student.birth_on).order_by(
                Student.student_number
            )
        ).all()
        db.session.rollback()
    assert first
    assert first == second


def test_demo_data_refuses_a_database_with_a_real_district(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--schools", "1", "--students-per-school", "40"])
    assert result.exit_code == 1
    assert "Refused" in result.output
    with app.app_context():
        assert db.session.scalar(select(District).where(District.is_demo)) is None


def test_demo_data_loads_once(app):
    runner = app.test_cli_runner()
    args = ["demo-data", "--seed", "3", "--schools", "1", "--students-per-school", "40"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(District).where(District.is_demo)) is not None
    # A second load is refused, unless asked to load only into an empty database.
    assert runner.invoke(args=args).exit_code == 1
    result = runner.invoke(args=[*args, "--if-empty"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(District)) == 1


@pytest.mark.slow(4)
def test_demo_pairing(app):
    """The `party` teacher's pairings (issue 16): three, each with a plan (one overdue for
    review), support log entries and one follow-up door visit recorded as a contact; the first
    school keeps students in need unpaired for its principal. The same seed, the same pairings."""
    from gridapp.contacts.models import ContactForm
    from gridapp.pairing import due, services
    from gridapp.pairing.models import Pairing

    with app.app_context():
        result = _build()
        party = db.session.scalar(select(User).where(User.username == "party"))
        pairings = services.teacher_pairings(party.id)
        assert len(pairings) == 3
        owed = due.due_for(pairings, DAY)
        assert all(d.plan_version for d in owed.values())
        assert sum(d.plan_overdue for d in owed.values()) == 1
        visits = [c for _pid, c in db.session.execute(due.follow_up_query([p.id for p in pairings]))
                  if c.form is ContactForm.HOME_VISIT and c.recorded_by_id == party.id]  # fmt: skip
        assert len(visits) == 1
        school = result.schools[0]
        assert len(services.unpaired_in_need(school.id)) >= 3
        assert services.proposed_marks(school.id)
        # By student number and teacher name: ids are not kept across builds on PostgreSQL.
        pairs = (
            select(Student.student_number, User.name, Pairing.starts_on)
            .join(Student, Student.id == Pairing.student_id)
            .join(User, User.id == Pairing.teacher_id)
            .order_by(Student.student_number)
        )
        first = db.session.execute(pairs).all()
        db.session.rollback()
        _build()
        again = db.session.execute(pairs).all()
        db.session.rollback()
    assert first and first == again
