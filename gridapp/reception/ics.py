"""The .ics file of a booking: a stable UID, and a SEQUENCE that grows with every change, so a
calendar updates (or cancels) the event it already has."""

from __future__ import annotations

from icalendar import Calendar, Event

from gridapp.core.time import now
from gridapp.reception.models import Booking, BookingStatus


def booking_calendar(booking: Booking) -> bytes:
    day = booking.day
    cal = Calendar()
    cal.add("prodid", "-//GridApp//Reception days//ZH")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if booking.status is BookingStatus.CANCELLED else "PUBLISH")
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now())
    start = booking.slot.starts_at if booking.slot else None
    end = booking.slot.ends_at if booking.slot else None
    if start is not None:
        event.add("dtstart", start)
        event.add("dtend", end)
    event.add("summary", f"书记校长接待日：{booking.topic}")
    event.add("location", f"{day.school.name} {day.room}")
    event.add("status", "CANCELLED" if booking.status is BookingStatus.CANCELLED else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
