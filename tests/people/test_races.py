"""Two moves of one student at the same moment move them once (issue 15 item 6): the move is a
conditional UPDATE of the old class and the database keeps one open placement per student."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.errors import IllegalTransition
from gridapp.extensions import db
from gridapp.people import placements, services
from gridapp.people.models import ClassPlacement, Student, StudentStatus
from gridapp.schools.models import SchoolClass

from ..concurrency import race

pytestmark = pytest.mark.commits
TODAY = date(2026, 11, 23)


def _move(world, class_id, on):
    def action():
        student = db.session.get(Student, world.student)
        target = db.session.get(SchoolClass, class_id)
        admin = db.session.get(User, world.school_admin)
        return placements.move_student(admin, student, target, on, today=TODAY).id

    return action


def test_two_moves_at_once_move_once(app, world):
    with app.app_context():
        # A third class of the same grade to move to.
        a1 = db.session.get(SchoolClass, world.class_a1)
        a3 = SchoolClass(
            school_id=a1.school_id, grade_id=a1.grade_id, number=3, name="三年级（3）班",
            enrolment_year=a1.enrolment_year,
        )  # fmt: skip
        db.session.add(a3)
        db.session.commit()
        a3_id = a3.id
    results = race(
        app, _move(world, world.class_a2, date(2026, 11, 1)), _move(world, a3_id, date(2026, 11, 2))
    )
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert len(refused) == 1, results
    with app.app_context():
        student = db.session.get(Student, world.student)
        rows = db.session.scalars(
            select(ClassPlacement).where(ClassPlacement.student_id == world.student)
        ).all()
        open_rows = [p for p in rows if p.to_on is None]
        assert len(open_rows) == 1
        assert open_rows[0].class_id == student.class_id
        assert len(rows) == 2


def test_a_move_and_a_transfer_at_once(app, world):
    def transfer():
        student = db.session.get(Student, world.student)
        admin = db.session.get(User, world.school_admin)
        return services.set_student_status(
            admin, student, StudentStatus.TRANSFERRED, date(2026, 11, 5), today=TODAY
        ).id

    results = race(app, _move(world, world.class_a2, date(2026, 11, 1)), transfer)
    assert sum(isinstance(r, IllegalTransition) for r in results) == 1, results
    with app.app_context():
        rows = db.session.scalars(
            select(ClassPlacement).where(
                ClassPlacement.student_id == world.student, ClassPlacement.to_on.is_(None)
            )
        ).all()
        student = db.session.get(Student, world.student)
        assert len(rows) == (1 if student.status == StudentStatus.ACTIVE else 0)
