"""A booking takes its place last (the slot's row is locked only from that UPDATE to the
commit, issue 17's bench of 50 parents at once); a full slot still leaves nothing behind: no
booking, no audit record, the count unchanged, and the transaction usable."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.core.time import now
from gridapp.reception import services
from gridapp.reception.models import Booking, ReceptionSlot
from gridapp.schools.models import School

from ..world import reception_day


def _request(world, token):
    return services.Request(topic="午餐", description="", token=token, student_id=world.student)


def test_a_full_slot_leaves_no_booking_and_no_audit_record(ctx, world):
    principal = ctx.get(User, world.principal)
    day = reception_day(principal, ctx.get(School, world.school_a), 12, 1)
    ctx.flush()
    slot = day.slots[0]
    parent, other = ctx.get(User, world.parent), ctx.get(User, world.other_parent)
    booking, _code = services.book(slot, _request(world, "first"), parent, now())
    ctx.flush()
    assert ctx.get(ReceptionSlot, slot.id).booked == 1
    audits = ctx.scalar(select(func.count()).select_from(AuditEntry))
    bookings = ctx.scalar(select(func.count()).select_from(Booking))
    req = services.Request(
        topic="作业", description="", token="second", student_id=world.other_student
    )
    with pytest.raises(services.Full):
        services.book(slot, req, other, now())
    ctx.flush()
    assert ctx.scalar(select(func.count()).select_from(AuditEntry)) == audits
    assert ctx.scalar(select(func.count()).select_from(Booking)) == bookings
    ctx.expire_all()
    assert ctx.get(ReceptionSlot, slot.id).booked == 1
    # The waitlist takes no place: the same parent waits on the full slot.
    waiting, _c = services.book(slot, req, other, now(), waitlist=True)
    ctx.flush()
    assert waiting.id is not None and ctx.get(ReceptionSlot, slot.id).booked == 1
    assert (
        ctx.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "reception.book")
        )
        >= 2
    )
