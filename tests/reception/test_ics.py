"""The .ics file tells the truth about the booking and changes with it (issue 22, item 4): a
place on a waitlist is a TENTATIVE event that says 候补 and its place, a cancelled booking a
CANCELLED event sent with METHOD:CANCEL, a confirmed one CONFIRMED; one UID throughout, a
SEQUENCE that grows with each change, DTSTAMP now. Read back with the icalendar library."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from gridapp.accounts.models import User
from gridapp.core.time import now
from gridapp.reception import ics, services
from gridapp.reception.models import Booking, ReceptionSlot

from ..world import reception_day


def _event(client, booking_id: int):
    r = client.get(f"/reception/bookings/{booking_id}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = Calendar.from_ical(r.data)
    (event,) = cal.walk("VEVENT")
    return cal, event


def _full_slot_with_a_waiting_parent(ctx, world):
    """A new day whose first slot (capacity 1) the other parent booked; the parent waits."""
    from gridapp.schools.models import School

    day = reception_day(
        ctx.get(User, world.principal), ctx.get(School, world.school_a), 12, capacity=1
    )
    slot = day.slots[0]
    taken, _c = services.book(
        slot,
        services.Request(topic="作业太多", description="", token="", student_id=world.other_student),
        ctx.get(User, world.other_parent), now(),
    )  # fmt: skip
    waiting, _c = services.book(
        slot,
        services.Request(topic="午餐", description="", token="", student_id=world.student),
        ctx.get(User, world.parent), now(), waitlist=True,
    )  # fmt: skip
    ctx.commit()
    return slot.id, taken.id, waiting.id


def test_a_place_on_the_waitlist_is_tentative_and_says_so(client, ctx, world, login):
    _slot, _taken, waiting = _full_slot_with_a_waiting_parent(ctx, world)
    login(world.parent_name)
    cal, event = _event(client, waiting)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "候补" in str(event["SUMMARY"])
    assert "候补" in str(event["DESCRIPTION"]) and "第 1 位" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] == 0


def test_a_promoted_booking_becomes_confirmed_with_the_same_uid_and_a_new_sequence(
    client, ctx, world, login
):
    _slot, taken, waiting = _full_slot_with_a_waiting_parent(ctx, world)
    login(world.parent_name)
    _cal, before = _event(client, waiting)
    services.cancel(ctx.get(Booking, taken), "临时出差", now())
    ctx.commit()
    _cal, after = _event(client, waiting)
    assert str(after["STATUS"]) == "CONFIRMED" and "候补" not in str(after["SUMMARY"])
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1


def test_a_cancelled_booking_is_a_cancel_of_the_same_event(client, ctx, world, login):
    login(world.parent_name)
    _cal, booked = _event(client, world.booking)
    assert str(booked["STATUS"]) == "CONFIRMED"
    stamp = booked.decoded("DTSTAMP")
    assert abs(stamp - now()) < timedelta(minutes=1)
    assert booked.decoded("DTSTART") == ctx.get(Booking, world.booking).slot.starts_at
    services.cancel(ctx.get(Booking, world.booking), "孩子生病", now())
    ctx.commit()
    cal, cancelled = _event(client, world.booking)
    assert str(cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["UID"]) == str(booked["UID"])
    assert cancelled["SEQUENCE"] == booked["SEQUENCE"] + 1
    assert "已取消" in str(cancelled["SUMMARY"])


def test_the_second_on_a_waitlist_is_told_its_place(ctx, world):
    slot_id, _taken, _waiting = _full_slot_with_a_waiting_parent(ctx, world)
    guest, _code = services.book(
        ctx.get(ReceptionSlot, slot_id),
        services.Request(
            topic="校车", description="", token="", guest_name="王强",
            guest_mobile="13900001111", guest_class="三年级（1）班",
        ),
        None, now(), waitlist=True,
    )  # fmt: skip
    assert services.waitlist_place(guest) == 2
    (event,) = Calendar.from_ical(ics.booking_calendar(guest, 2)).walk("VEVENT")
    assert str(event["STATUS"]) == "TENTATIVE" and "第 2 位" in str(event["DESCRIPTION"])
