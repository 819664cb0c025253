"""A pairing in the world for the tests of the pairing's pages: `other_class_teacher` (made a
Party-member teacher) paired with `student` from 1 November 2026, so that `subject_teacher`
teaches the student's class without being paired (the plan and log are not theirs to see)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.pairing import services

STARTS_ON = date(2026, 11, 1)


def make_pairing(world, starts_on: date = STARTS_ON, today: date = date(2026, 11, 23)):
    """Pair `other_class_teacher` with `student` and commit; the world's ids plus `pairing`."""
    teacher = db.session.get(User, world.other_class_teacher)
    teacher.is_party_member = True
    principal = db.session.get(User, world.principal)
    [p] = services.pair(principal, world.school_a, teacher.id, [world.student], starts_on, today)
    db.session.commit()
    return SimpleNamespace(**vars(world), pairing=p.id, paired_teacher=teacher.id,
                           paired_teacher_name=teacher.username)  # fmt: skip
