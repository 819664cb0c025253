"""Reception days: publishing (once and monthly, holidays skipped), booking with the capacity the
database keeps, waitlists, cancellation with .ics updates, the day's outcomes becoming cases."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from gridapp.cases.models import Case, CaseSource
from gridapp.core.time import now
from gridapp.reception import services
from gridapp.reception.models import Booking, BookingStatus, ReceptionDay, ReceptionSlot

from ..world import reception_day


def _form(**kw):
    data = {"topic": "孩子午餐吃不饱", "description": "希望学校了解一下。", "token": ""}
    data.update(kw)
    return data


def test_principal_publishes_a_monthly_day_and_holidays_are_skipped(client, ctx, world, login):
    login(world.principal_name)
    url = f"/schools/{world.school_a}/reception"
    data = {
        "kind": "monthly", "nth": "1", "weekday": "4", "months": "3", "starts": "14:00",
        "ends": "16:00", "room": "家长接待室", "slot_minutes": "20", "capacity": "2",
        "buffer_minutes": "5", "opens_days_before": "14", "closes_hours_before": "12",
        "host_ids": [world.principal],
    }  # fmt: skip
    r = client.post(url, data=data)
    assert r.status_code == 303
    days = ctx.scalars(select(ReceptionDay).where(ReceptionDay.pattern_id.is_not(None))).all()
    # The first Friday of December 2026, not 1 January 2027 (New Year's Day).
    assert [d.on for d in days] == [date(2026, 12, 4)]
    slots = days[0].slots
    assert len(slots) == 5 and all(s.capacity == 2 for s in slots)  # 14:00, 14:25, … 15:40
    assert (slots[1].starts_at - slots[0].starts_at) == timedelta(minutes=25)
    for bad in (
        {"ends": "13:00"}, {"slot_minutes": "0"}, {"capacity": "999"}, {"room": ""},
        {"kind": "once", "on": "2020-01-01"}, {"kind": "once", "on": ""}, {"host_ids": []},
    ):  # fmt: skip
        assert client.post(url, data={**data, **bad}).status_code == 422, bad


def test_book_add_to_calendar_cancel_and_book_again(client, ctx, world, login):
    login(world.parent_name)
    page = client.get("/reception").get_data(as_text=True)
    assert "家长接待室" in page and "孩子的午餐" in page  # the day, and the world's booking
    booking = ctx.get(Booking, world.booking)
    ics = client.get(f"/reception/bookings/{booking.id}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert f"UID:{booking.uid}" in body and "SEQUENCE:0" in body
    # One active booking a day: a second is refused.
    r = client.post(f"/reception/slots/{world.slot}", data=_form(student_id=world.student))
    assert r.status_code == 409 and "已经有预约" in r.get_data(as_text=True)
    assert client.post(f"/reception/bookings/{booking.id}/cancel", data={}).status_code == 422
    r = client.post(f"/reception/bookings/{booking.id}/cancel", data={"reason": "临时出差"})
    assert r.status_code == 303
    ctx.expire_all()
    booking = ctx.get(Booking, world.booking)
    assert booking.status is BookingStatus.CANCELLED and booking.slot.booked == 0
    body = client.get(f"/reception/bookings/{booking.id}.ics").get_data(as_text=True)
    assert "SEQUENCE:1" in body and "STATUS:CANCELLED" in body and f"UID:{booking.uid}" in body
    r = client.post(f"/reception/slots/{world.slot}", data=_form(student_id=world.student))
    assert r.status_code == 303
    assert ctx.scalar(select(Booking).where(Booking.id == world.booking)) is not None  # kept


def test_capacity_waitlist_and_promotion(client, ctx, world, login):
    slot = ctx.get(ReceptionSlot, world.slot)
    guest = {"guest_name": "张家长", "guest_mobile": "13900001111", "guest_class": "三年级（1）班"}
    for i in range(2):
        r = client.post(f"/reception/slots/{slot.id}", data=_form(**guest, token=f"token-{i}"))
        assert r.status_code == 303
    r = client.post(f"/reception/slots/{slot.id}", data=_form(**guest, token="token-9"))
    assert r.status_code == 409 and "已约满" in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.get(ReceptionSlot, slot.id).booked == 2
    # The parent joins the waitlist, then one guest's place is freed: the parent moves up.
    login(world.parent_name)
    client.post(f"/reception/bookings/{world.booking}/cancel", data={"reason": "改时间"})
    r = client.post(
        f"/reception/slots/{slot.id}", data=_form(student_id=world.student, waitlist="y")
    )
    assert r.status_code == 303
    waiting = ctx.scalars(select(Booking).where(Booking.status == BookingStatus.WAITLISTED)).one()
    first_guest = ctx.scalars(select(Booking).where(Booking.token == "token-0")).one()
    services.cancel(first_guest, "有事", now())
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(Booking, waiting.id).status is BookingStatus.BOOKED
    assert ctx.get(ReceptionSlot, slot.id).booked == 2
    assert "候补成功" in client.get("/").get_data(as_text=True)  # the in-app notice


def test_the_same_form_sent_twice_books_once(client, ctx, world):
    guest = {"guest_name": "王家长", "guest_mobile": "13900002222", "guest_class": "三年级（1）班"}
    for _i in range(2):
        r = client.post(f"/reception/slots/{world.slot}", data=_form(**guest, token="same-token"))
        assert r.status_code == 303
    assert len(ctx.scalars(select(Booking).where(Booking.token == "same-token")).all()) == 1
    assert ctx.get(ReceptionSlot, world.slot).booked == 1


def test_bad_bookings_are_refused_and_nothing_is_stored(client, ctx, world, login):
    login(world.parent_name)
    client.post(f"/reception/bookings/{world.booking}/cancel", data={"reason": "改时间"})
    before = len(ctx.scalars(select(Booking)).all())
    for bad in (
        _form(student_id=world.other_student),  # not the parent's child
        _form(student_id=world.sibling),  # the parent's child, at another school
        _form(student_id=world.student, topic="长" * 2000),
        _form(student_id=world.student, topic=""),
        _form(student_id="abc"),
    ):
        r = client.post(f"/reception/slots/{world.slot}", data=bad)
        assert r.status_code == 422, bad
    # A slot of another school's day, by a forged id: 404 for a parent with no child there.
    from gridapp.accounts.models import User
    from gridapp.schools.models import School

    other = reception_day(
        ctx.get(User, world.other_school_admin), ctx.get(School, world.school_b), guests=False
    )
    ctx.commit()
    client.post("/logout")
    login(world.other_parent_name)
    r = client.post(
        f"/reception/slots/{other.slots[0].id}", data=_form(student_id=world.other_student)
    )
    assert r.status_code == 404
    client.post("/logout")
    login(world.parent_name)
    # A cancelled day, a closed window, a past slot: 409 with a reason.
    day = ctx.get(ReceptionDay, world.reception_day)
    slot = ctx.get(ReceptionSlot, world.slot)
    day.closes_at = now() - timedelta(minutes=1)
    ctx.commit()
    r = client.post(f"/reception/slots/{slot.id}", data=_form(student_id=world.student))
    assert r.status_code == 409 and "已截止" in r.get_data(as_text=True)
    day.closes_at = now() + timedelta(days=1)
    slot.starts_at = now() - timedelta(hours=1)
    ctx.commit()
    r = client.post(f"/reception/slots/{slot.id}", data=_form(student_id=world.student))
    assert r.status_code == 409 and "已经过去" in r.get_data(as_text=True)
    assert len(ctx.scalars(select(Booking)).all()) == before


def test_host_records_an_outcome_that_becomes_a_case(client, ctx, world, login):
    login(world.principal_name)
    page = client.get(f"/reception/days/{world.reception_day}").get_data(as_text=True)
    assert "孩子的午餐" in page and "王小明" in page
    r = client.post(
        f"/reception/bookings/{world.booking}/visit",
        data={"attended": "y", "words": "午饭分量太少，孩子下午饿。", "notes": "家长情绪平稳",
              "outcome": "请后勤核查", "follow_up": "y"},
    )  # fmt: skip
    assert r.status_code == 303
    booking = ctx.get(Booking, world.booking)
    case = ctx.get(Case, booking.case_id)
    assert case.source is CaseSource.RECEPTION and case.booking_id == booking.id
    assert case.words == "午饭分量太少，孩子下午饿。" and case.family_id is not None
    # Twice: refused.
    r = client.post(f"/reception/bookings/{world.booking}/visit", data={"follow_up": "y"})
    assert r.status_code in (409, 422)
    # A walk-in, and the day's cancellation notifies the booked parents.
    assert client.post(f"/reception/days/{world.reception_day}/walk-ins",
                       data={"guest_name": "李先生", "topic": "校车路线"}).status_code == 303  # fmt: skip


def test_cancelling_a_day_cancels_and_notifies(client, ctx, world, login):
    login(world.principal_name)
    url = f"/reception/days/{world.reception_day}/cancel"
    assert client.post(url, data={}).status_code == 422
    assert client.post(url, data={"reason": "上级检查"}).status_code == 303
    assert client.post(url, data={"reason": "上级检查"}).status_code == 409
    ctx.expire_all()
    assert ctx.get(Booking, world.booking).status is BookingStatus.CANCELLED
    client.post("/logout")
    login(world.parent_name)
    assert "接待日已取消：上级检查" in client.get("/").get_data(as_text=True)
    r = client.post(f"/reception/slots/{world.slot}", data=_form(student_id=world.student))
    assert r.status_code in (404, 409)


def test_the_day_before_parents_and_hosts_get_a_notice(ctx, world):
    day = ctx.get(ReceptionDay, world.reception_day)
    assert services.remind_tomorrow(day.on - timedelta(days=1)) == 1
    assert services.remind_tomorrow(day.on - timedelta(days=1)) == 0  # once


def test_reception_has_its_own_periodic_task(app, world):
    """Reception's reminders run as reception's task (today is not the day before the day)."""
    from gridapp.reception.tasks import remind_reception

    assert remind_reception.call_local() == 0


def test_pattern_dates():
    assert services.pattern_dates(2, 1, date(2026, 11, 23), 3) == [
        date(2026, 12, 2), date(2027, 1, 6),
    ]  # fmt: skip
    assert services.pattern_dates(0, 5, date(2026, 11, 1), 2) == [date(2026, 11, 30)]
    assert time(14) < time(16)


def test_a_guest_books_with_a_code_and_cancels_with_it(client, ctx, world):
    guest = {"guest_name": "赵女士", "guest_mobile": "13900003333", "guest_class": "三年级（1）班"}
    for bad in ({"guest_mobile": "123"}, {"guest_name": ""}, {"guest_class": ""}):
        r = client.post(f"/reception/slots/{world.slot}", data=_form(**{**guest, **bad}))
        assert r.status_code == 422, bad
    r = client.post(f"/reception/slots/{world.slot}", data=_form(**guest, token="guest-token-1"))
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    code = page.split('<p class="code">')[1].split("<")[0]
    assert client.get(r.headers["Location"]).status_code == 404  # the code is shown once
    assert client.post("/reception/lookup", data={"code": "WRONG-CODE-0000"}).status_code == 404
    page = client.post("/reception/lookup", data={"code": code.lower()}).get_data(as_text=True)
    assert "孩子午餐吃不饱" in page and "已预约" in page
    r = client.post("/reception/lookup", data={"code": code, "cancel": "y", "reason": "孩子病了"})
    assert r.status_code == 200 and "已取消" in r.get_data(as_text=True)
    assert ctx.get(ReceptionSlot, world.slot).booked == 0
