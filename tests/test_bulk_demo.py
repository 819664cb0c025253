"""The demo district written in bulk (demo/bulk.py, `flask demo-data --scale …`), on a school of
200 students: it loads (every constraint and foreign key holds), the same seed gives the same
rows, the columns the ORM derives are the ORM's, the demo logins work and the figures vary."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from gridapp import demo
from gridapp.accounts.models import Role, User
from gridapp.cases.models import Case, CaseStatus
from gridapp.contacts import rules
from gridapp.contacts.models import Contact, ContactFamily, ContactStatus
from gridapp.core import text
from gridapp.demo import bulk
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student
from gridapp.people.services import children_of
from gridapp.schools.models import District, School, SchoolClass

DAY = date(2026, 11, 23)  # the tests' clock: inside the demo calendar's third semester


def _build(seed: int = 7, schools: int = 1, students: int = 200) -> bulk.BulkResult:
    return bulk.build(seed=seed, schools=schools, students_per_school=students, today=DAY)


def _digest() -> str:
    """A digest of every table's rows in id order (ids included), but the password hash: one
    for every user, salted afresh on each load."""
    h = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if c.key != "password_hash"]
        query = select(*columns).order_by(*table.primary_key.columns)
        rows = db.session.execute(query).all()
        h.update(f"{table.name}:{len(rows)}:{rows!r}".encode())
    return h.hexdigest()


def test_bulk_district_loads_with_its_people_and_history(app):
    with app.app_context():
        result = _build()
        assert result.students == 200
        assert db.session.scalar(select(func.count()).select_from(Student)) == 200
        district = db.session.scalar(select(District))
        assert district.is_demo
        with pytest.raises(demo.DemoRefused):
            demo.check_may_load()
        for username, _who in demo.DEMO_LOGINS:
            user = db.session.scalar(select(User).where(User.username == username))
            assert user is not None and user.check_password(demo.DEMO_PASSWORD), username
        teacher = db.session.scalar(select(User).where(User.username == "teacher"))
        headed = db.session.scalars(
            select(SchoolClass).where(SchoolClass.head_teacher_id == teacher.id)
        ).all()
        assert [c.name for c in headed] == ["一年级（1）班"]
        party = db.session.scalar(select(User).where(User.username == "party"))
        assert party.is_party_member and party.has_role(Role.TEACHER)
        # `parent`: the primary guardian of two siblings in two classes.
        parent = db.session.scalar(select(User).where(User.username == "parent"))
        children = children_of(parent)
        assert len(children) == 2
        assert children[0].family_id == children[1].family_id
        assert children[0].class_id != children[1].class_id
        # Contacts of every kind the brief asks for.
        forms = set(db.session.scalars(select(Contact.form).distinct()))
        assert {"phone", "home_visit", "group", "parent_child_meeting"} <= {f.value for f in forms}
        statuses = {s.value for s in db.session.scalars(select(Contact.status).distinct())}
        assert {"submitted", "reviewed"} <= statuses
        sizes = (
            select(func.count().label("n"))
            .select_from(ContactFamily)
            .group_by(ContactFamily.contact_id)
            .subquery()
        )
        assert db.session.scalar(select(func.max(sizes.c.n))) >= 2  # group visits, meetings
        returned = db.session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.recorded_by_id == teacher.id, Contact.status == ContactStatus.RETURNED)
        )
        assert returned >= 1  # the demo teacher has a record to complete
        case_states = {c.value for c in db.session.scalars(select(Case.status).distinct())}
        assert CaseStatus.REPLIED.value in case_states
        assert db.session.scalar(select(func.count()).select_from(Case).where(Case.escalation > 0))
        db.session.rollback()


def test_same_seed_gives_the_same_rows(app):
    with app.app_context():
        _build(seed=11, students=120)
        first = _digest()
        db.session.rollback()
        _build(seed=11, students=120)
        again = _digest()
        db.session.rollback()
        _build(seed=12, students=120)
        other = _digest()
        db.session.rollback()
    assert first == again
    assert first != other


def test_derived_columns_are_what_the_orm_writes(app):
    """Names and phones in their normal form with the pinyin key, as keep_normal_form sets them
    on an ORM object; column defaults filled."""
    with app.app_context():
        _build()
        for student in db.session.scalars(select(Student).order_by(Student.id).limit(40)):
            orm = Student(name=student.name)
            assert (student.name, student.name_key) == (orm.name, orm.name_key)
            assert student.created_at is not None and student.status.value == "active"
        for g in db.session.scalars(select(Guardian).order_by(Guardian.id).limit(40)):
            orm = Guardian(name=g.name, mobile=g.mobile, other_phone=g.other_phone)
            assert (g.name, g.name_key, g.mobile, g.other_phone) == (
                orm.name, orm.name_key, orm.mobile, orm.other_phone,
            )  # fmt: skip
        for user in db.session.scalars(select(User).order_by(User.id).limit(40)):
            orm = User(name=user.name, phone=user.phone)
            assert (user.name, user.name_key, user.phone) == (orm.name, orm.name_key, orm.phone)
            assert user.name_key == text.name_sort_key(user.name)
            assert user.session_version == 1 and user.active
        contact = db.session.scalar(select(Contact).order_by(Contact.id).limit(1))
        assert contact.version == 1 and contact.client_token
        assert contact.teacher_ids and contact.family_ids
        withdrawn = db.session.scalar(
            select(Contact).where(Contact.status == ContactStatus.WITHDRAWN).limit(1)
        )
        if withdrawn is not None:  # the history the service keeps: the record before
            assert withdrawn.version == 2 and withdrawn.revisions[0].action == "withdraw"
        db.session.rollback()


def test_demo_logins_see_their_pages_and_the_figures_vary(app, client, login):
    with app.app_context():
        _build()
        db.session.commit()
        school = db.session.scalar(select(School).order_by(School.id))
        period = rules.period_for(school.id, DAY)
        rows = rules.class_coverage(period)
        ratios = [
            share.ratio
            for row in rows.values()
            for name, share in row.shares.items()
            if name in ("remote", "teacher") and share.ratio is not None
        ]
        school_id = school.id
    assert ratios and any(r > 0 for r in ratios) and any(r < 1 for r in ratios)
    login("district")
    assert client.get("/district/coverage").status_code == 200
    login("principal")
    assert client.get(f"/schools/{school_id}/coverage").status_code == 200
    login("teacher")
    assert client.get("/worklist").status_code == 200


def test_cli_scale_loads_once_and_refuses_a_real_district(app):
    runner = app.test_cli_runner()
    args = ["demo-data", "--scale", "school", "--schools", "1", "--students-per-school", "40"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Rows written" in result.output
    assert runner.invoke(args=args).exit_code == 1  # the demo is there already


def test_cli_scale_refuses_a_database_with_a_real_district(app, world):
    runner = app.test_cli_runner()
    args = ["demo-data", "--scale", "school", "--schools", "1", "--students-per-school", "40"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Refused" in result.output
