"""The .ics file of a booking, telling the truth about it: a confirmed booking is a CONFIRMED
event, a place on a waitlist a TENTATIVE one that says so (and which place), a cancelled
booking a CANCELLED event sent with METHOD:CANCEL. A stable UID and a SEQUENCE that grows with
every change (booked, promoted from the waitlist, cancelled) let a calendar update or remove
the event it already has; DTSTAMP is when the file was made (RFC 5545 §3.8.7.2, RFC 5546)."""

from __future__ import annotations

from icalendar import Calendar, Event

from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.reception.models import Booking, BookingStatus, DayStatus


def booking_calendar(booking: Booking, waitlist_place: int | None = None) -> bytes:
    """The booking as an iCalendar file (bytes). `waitlist_place` is the booking's place on its
    slot's waitlist (1 = next), said in the event when the booking is waiting."""
    day = booking.day
    cancelled = booking.status is BookingStatus.CANCELLED or day.status is DayStatus.CANCELLED
    waiting = booking.status is BookingStatus.WAITLISTED and not cancelled
    cal = Calendar()
    cal.add("prodid", "-//GridApp//Reception days//ZH")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now())
    if booking.slot is not None:
        start, end = booking.slot.starts_at, booking.slot.ends_at
    else:  # a walk-in: the day's hours
        from gridapp.reception.services import local_dt

        start, end = local_dt(day.on, day.starts), local_dt(day.on, day.ends)
    event.add("dtstart", start)
    event.add("dtend", end)
    title = _("书记校长接待日：%(t)s", t=booking.topic)
    place = f"{day.school.name} {day.room}"
    if cancelled:
        event.add("summary", _("【已取消】%(t)s", t=title))
        reason = booking.cancel_reason or day.cancel_reason
        event.add("description", _("这个预约已取消。%(r)s", r=reason).strip())
        event.add("status", "CANCELLED")
    elif waiting:
        event.add("summary", _("【候补】%(t)s", t=title))
        place_text = (
            _("您在这个时段的候补名单上排第 %(n)d 位。", n=waitlist_place)
            if waitlist_place
            else _("您在这个时段的候补名单上。")
        )
        event.add(
            "description",
            place_text + _("这还不是确定的预约：有家长取消时按顺序递补，递补成功会通知您。"),
        )
        event.add("status", "TENTATIVE")
        event.add("transp", "TRANSPARENT")
    else:
        event.add("summary", title)
        event.add("description", _("预约已确认。请按时到达：%(p)s", p=place))
        event.add("status", "CONFIRMED")
    event.add("location", place)
    cal.add_component(event)
    return cal.to_ical()
