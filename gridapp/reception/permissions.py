"""Who may see and run reception days, and see or cancel bookings."""

from __future__ import annotations

from gridapp.accounts.models import User
from gridapp.core.permissions import Need, load, register
from gridapp.people.permissions import guardian_school_ids
from gridapp.reception.models import Booking, DayStatus, ReceptionDay
from gridapp.schools.permissions import is_school_leader


def can_reception_day(user: User, need: Need, day: ReceptionDay) -> bool:
    """A reception day: the school's principal and admin run it; parents of its pupils see it
    while it is published."""
    hosts = is_school_leader(user, day.school_id)
    if need is Need.VIEW:
        return hosts or (
            day.status is DayStatus.PUBLISHED and day.school_id in guardian_school_ids(user)
        )
    return hosts


def can_booking(user: User, need: Need, booking: Booking) -> bool:
    """A booking: its parent, and the school's principal and admin."""
    if booking.guardian_user_id is not None and booking.guardian_user_id == user.id:
        return need in (Need.VIEW, Need.EDIT)
    return is_school_leader(user, booking.school_id)


register(ReceptionDay, can_reception_day)
register(Booking, can_booking)


def load_reception_day(day_id: int, need: Need = Need.VIEW, options=()) -> ReceptionDay:
    """The reception day, if the current user may `need` it; 404 otherwise."""
    return load(ReceptionDay, day_id, need, options)


def load_booking(booking_id: int, need: Need = Need.VIEW, options=()) -> Booking:
    """The booking, if the current user may `need` it; 404 otherwise."""
    return load(Booking, booking_id, need, options)
