"""Reception's "at most one" rules hold when two requests come at the same moment (issue 22,
item 1): one booking per parent and day, one published day per school and date, one
cancellation of a booking, one case per visit. Each race is run by tests/concurrency.py."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.cases.models import Case
from gridapp.core.errors import IllegalTransition
from gridapp.core.time import now, today
from gridapp.extensions import db
from gridapp.reception import services
from gridapp.reception.models import Booking, BookingStatus, ReceptionDay, ReceptionSlot

from ..concurrency import race, refusals
from ..world import reception_day

pytestmark = pytest.mark.commits


def _day(app, world, days_ahead=10, capacity=2):
    with app.app_context():
        day = reception_day(db.session.get(User, world.principal), _school(world), days_ahead,
                            capacity)  # fmt: skip
        db.session.commit()
        return day.id, [s.id for s in day.slots]


def _school(world):
    from gridapp.schools.models import School

    return db.session.get(School, world.school_a)


def _book(world, slot_id, token, user_id=None, student_id=None):
    def action():
        slot = db.session.get(ReceptionSlot, slot_id)
        parent = db.session.get(User, user_id or world.parent)
        req = services.Request(
            topic="午餐", description="", token=token, student_id=student_id or world.student
        )
        booking, _code = services.book(slot, req, parent, now())
        return booking.id

    return action


def test_two_tabs_booking_two_slots_of_one_day_at_once_book_once(app, world):
    day_id, slots = _day(app, world)
    results = race(app, _book(world, slots[0], "tab-1"), _book(world, slots[1], "tab-2"))
    assert refusals(results) == ["您这一天已经有预约了，如需改时段请先取消"]
    with app.app_context():
        active = db.session.scalars(
            select(Booking).where(
                Booking.day_id == day_id, Booking.guardian_user_id == world.parent
            )
        ).all()
        assert [b.status for b in active] == [BookingStatus.BOOKED]
        assert sum(db.session.get(ReceptionSlot, s).booked for s in slots) == 1


def test_two_parents_at_once_each_book(app, world):
    """The index is per parent: two parents booking the same day at once both get a place."""
    _day_id, slots = _day(app, world)
    results = race(
        app,
        _book(world, slots[0], "p-1"),
        _book(world, slots[0], "p-2", world.other_parent, world.other_student),
    )
    assert refusals(results) == []
    with app.app_context():
        assert db.session.get(ReceptionSlot, slots[0]).booked == 2


def test_two_leaders_publishing_one_date_at_once_publish_one_day(app, world):
    on = today() + timedelta(days=20)

    def publish():
        data = services.DayData(
            starts=time(14, 0), ends=time(15, 0), room="会议室", slot_minutes=30, capacity=1,
            buffer_minutes=0, opens_days_before=10, closes_hours_before=2,
            host_ids=[world.principal],
        )  # fmt: skip
        actor = db.session.get(User, world.principal)
        return services.publish_day(actor, world.school_a, on, data, today()).id

    results = race(app, publish, publish)
    assert refusals(results) == ["这一天已经有接待日"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(ReceptionDay.id)).where(
                    ReceptionDay.school_id == world.school_a, ReceptionDay.on == on
                )
            )
            == 1
        )


def test_a_booking_cancelled_twice_at_once_frees_one_place(app, world):
    _day_id, slots = _day(app, world, capacity=1)
    with app.app_context():
        booking, _c = services.book(
            db.session.get(ReceptionSlot, slots[0]),
            services.Request(topic="午餐", description="", token="", student_id=world.student),
            db.session.get(User, world.parent), now(),
        )  # fmt: skip
        other, _c = services.book(
            db.session.get(ReceptionSlot, slots[1]),
            services.Request(topic="作业", description="", token="",
                             student_id=world.other_student),
            db.session.get(User, world.other_parent), now(),
        )  # fmt: skip
        db.session.commit()
        booking_id = booking.id

    def cancel():
        b = db.session.get(Booking, booking_id)
        services.cancel(b, "临时有事", now())

    results = race(app, cancel, cancel)
    assert refusals(results) == ["这个预约不能再取消"]
    with app.app_context():
        assert db.session.get(ReceptionSlot, slots[0]).booked == 0


def test_a_visit_sent_twice_at_once_opens_one_case(app, world):
    def visit():
        actor = db.session.get(User, world.principal)
        b = db.session.get(Booking, world.booking)
        services.record_visit(actor, b, True, "谈了午餐", "食堂加量", True, "希望午饭多一些")

    results = race(app, visit, visit)
    assert len(refusals(results)) == 1 and refusals(results)[0].startswith("已经转为意见 #")
    with app.app_context():
        cases = db.session.scalars(select(Case).where(Case.booking_id == world.booking)).all()
        assert len(cases) == 1
        assert db.session.get(Booking, world.booking).case_id == cases[0].id


def test_one_a_day_is_still_refused_one_after_the_other(app, world):
    day_id, slots = _day(app, world)
    with app.app_context():
        _book(world, slots[0], "first")()
        db.session.commit()
    with app.app_context(), pytest.raises(IllegalTransition, match="已经有预约"):
        _book(world, slots[1], "second")()
