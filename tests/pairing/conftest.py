"""The pairing tests' world: the standard world (tests/world.py) with a pairing of A1's student
with the Party-member subject teacher and a head teacher's proposed mark on another student."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gridapp.accounts.models import User
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import NeedDecision
from gridapp.people.models import Student


@pytest.fixture
def paired_world(ctx, world):
    """`world` plus `pairing` (subject_teacher with `student`, from today) and `mark` (the head
    teacher's proposal to add `other_student` to those in need), committed in the test's
    transaction."""
    principal = db.session.get(User, world.principal)
    [pairing] = services.pair(
        principal, world.school_a, world.subject_teacher, [world.student], today(), today()
    )
    head = db.session.get(User, world.head_teacher)
    mark = services.mark_need(
        head, db.session.get(Student, world.other_student), NeedDecision.INCLUDE, "父母离异"
    )
    db.session.flush()
    ids = SimpleNamespace(**vars(world), pairing=pairing.id, mark=mark.id)
    db.session.commit()
    return ids
