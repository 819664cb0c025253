"""A school's generation (core.generations) moves with every committed change to what its figures
are computed from, and only then: the kept worklists and coverage pages stay exact."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from gridapp.accounts.models import User
from gridapp.contacts.models import ContactForm
from gridapp.core import generations
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import TeachingAssignment

from .. import factories as f
from ..world import home_visit

TODAY = date(2026, 11, 23)


def _now(world) -> tuple[int, int, int]:
    at = generations.generations([world.school_a, world.school_b, world.school_c])
    return at[world.school_a], at[world.school_b], at[world.school_c]


def _visit(world):
    return home_visit(world, TODAY)


def test_a_contact_moves_its_school_only_and_only_when_committed(app, world):
    with app.app_context():
        a, b, c = _now(world)
        _visit(world)
        db.session.flush()
        assert _now(world) == (a, b, c)  # not before the commit
        db.session.commit()
        assert _now(world) == (a + 1, b, c)  # one commit, one step, whatever it wrote
        _visit(world)
        db.session.rollback()
        assert _now(world) == (a + 1, b, c)


def test_rows_that_name_their_school_through_a_parent_move_it(app, world):
    with app.app_context():
        a, b, c = _now(world)
        assignment = db.session.get(TeachingAssignment, world.assignment)
        assignment.subject = "英语"  # school through its class
        db.session.commit()
        assert _now(world) == (a + 1, b, c)
        db.session.get(Student, world.student_c1).status = StudentStatus.TRANSFERRED
        db.session.commit()
        assert _now(world) == (a + 1, b, c + 1)


def test_a_login_moves_nothing_a_teachers_new_name_moves_their_schools(app, world):
    with app.app_context():
        a, b, c = _now(world)
        teacher = db.session.get(User, world.head_teacher)
        teacher.last_login_at = None if teacher.last_login_at else teacher.created_at
        db.session.commit()
        assert _now(world) == (a, b, c)
        teacher.name = "王老师"
        db.session.commit()
        assert _now(world) == (a + 1, b, c)


def test_a_bulk_update_of_a_watched_table_moves_every_school(app, world):
    with app.app_context():
        a, b, c = _now(world)
        db.session.execute(update(Student).where(Student.id == world.student).values(name="王小明"))
        db.session.commit()
        assert _now(world) == (a + 1, b + 1, c + 1)


def test_kept_results_are_computed_again_after_a_change(app, world):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with app.app_context():
        assert generations.kept("k", world.school_a, compute) == 1
        assert generations.kept("k", world.school_a, compute) == 1  # kept
        assert generations.kept("k", world.school_b, compute) == 2  # another school
        _visit(world)
        assert generations.kept("k", world.school_a, compute) == 3  # unflushed write: not kept
        db.session.commit()
        assert generations.kept("k", world.school_a, compute) == 4
        assert generations.kept("k", world.school_a, compute) == 4
        assert generations.kept("n", world.school_a, compute, keep_if=lambda v: False) == 5
        assert generations.kept("n", world.school_a, compute, keep_if=lambda v: False) == 6


def test_the_worklist_shows_a_visit_recorded_by_someone_else_at_once(client, login, world):
    """The head teacher's kept worklist is not served after another teacher's record for their
    class (the school's generation moved)."""
    login(world.head_teacher_name)
    before = client.get("/worklist").get_data(as_text=True)
    assert "王小明" in before
    client.get("/worklist")  # kept
    with client.application.app_context():
        student = db.session.get(Student, world.student)
        subject = db.session.get(User, world.subject_teacher)
        f.ContactFactory(
            recorded_by=subject, school_id=world.school_a, family_id=student.family_id,
            teachers=[subject], contact_on=TODAY, form=ContactForm.PHONE,
        )  # fmt: skip
        db.session.commit()
    after = client.get("/worklist").get_data(as_text=True)
    assert after != before
