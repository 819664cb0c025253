"""Reception days (书记校长接待日): days and their slots, bookings with a capacity the database
enforces, waitlists, cancellations kept as a state, and the day's outcomes."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from gridapp.extensions import db


class DayStatus(LabelledEnum):
    PUBLISHED = ("published", N_("已发布"))
    CANCELLED = ("cancelled", N_("已取消"))


class ReceptionPattern(TimestampMixin, db.Model):
    """A recurring reception day: the n-th weekday of each month (e.g. the first Wednesday)."""

    __tablename__ = "reception_patterns"
    __table_args__ = (
        CheckConstraint("weekday between 0 and 6", name="weekday_0_to_6"),
        CheckConstraint("nth between 1 and 5", name="nth_1_to_5"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    weekday: Mapped[int]
    nth: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class ReceptionDay(TimestampMixin, db.Model):
    __tablename__ = "reception_days"
    __table_args__ = (
        # One published reception day per school and date (a cancelled one may be published
        # again), held by the database.
        Index(
            "ix_reception_days_one_published",
            "school_id",
            "on",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
        CheckConstraint("slot_minutes between 5 and 240", name="slot_minutes_5_to_240"),
        CheckConstraint("capacity between 1 and 50", name="capacity_1_to_50"),
        CheckConstraint("buffer_minutes between 0 and 120", name="buffer_0_to_120"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    pattern_id: Mapped[int | None] = mapped_column(ForeignKey("reception_patterns.id"))
    on: Mapped[date] = mapped_column(index=True)
    starts: Mapped[time]
    ends: Mapped[time]
    room: Mapped[str] = mapped_column(String(60))
    slot_minutes: Mapped[int]
    capacity: Mapped[int]
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    host_ids: Mapped[list] = mapped_column(JSON, default=list)
    allow_guests: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[DayStatus] = enum_column(DayStatus, name="reception_day_status")
    cancel_reason: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    school = relationship("School")
    slots: Mapped[list[ReceptionSlot]] = relationship(
        back_populates="day", order_by="ReceptionSlot.starts_at"
    )


class ReceptionSlot(db.Model):
    """A slot of a day. `booked` counts the active bookings; the database refuses more than
    `capacity` (a conditional update does the counting, the check constraint guards it)."""

    __tablename__ = "reception_slots"
    __table_args__ = (
        CheckConstraint("booked >= 0 and booked <= capacity", name="booked_within_capacity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0, server_default="0")

    day: Mapped[ReceptionDay] = relationship(back_populates="slots")

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class BookingStatus(LabelledEnum):
    BOOKED = ("booked", N_("已预约"))
    WAITLISTED = ("waitlisted", N_("候补中"))
    CANCELLED = ("cancelled", N_("已取消"))
    ATTENDED = ("attended", N_("已接待"))
    NO_SHOW = ("no_show", N_("未到"))


ACTIVE = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
# The bookings that count for "one a day": booked or waiting (cancelled ones and the day's
# outcomes do not).
ONE_PER_DAY_WHERE = "guardian_user_id IS NOT NULL AND status IN ('booked', 'waitlisted')"


class Booking(TimestampMixin, db.Model):
    __tablename__ = "reception_bookings"
    __table_args__ = (
        UniqueConstraint("token"),
        # One booking (or place on a waitlist) per parent and reception day, held by the
        # database: two tabs booking two slots of one day at once get one booking.
        Index(
            "ix_reception_bookings_one_per_guardian_day",
            "day_id",
            "guardian_user_id",
            unique=True,
            sqlite_where=text(ONE_PER_DAY_WHERE),
            postgresql_where=text(ONE_PER_DAY_WHERE),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("reception_days.id"), index=True)
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("reception_slots.id"), index=True)
    status: Mapped[BookingStatus] = enum_column(BookingStatus, name="booking_status")
    # A parent with an account, or a guest (name, mobile, child's class, booking code).
    guardian_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"))
    guest_name: Mapped[str] = mapped_column(String(40), default="")
    guest_mobile: Mapped[str] = mapped_column(String(20), default="")
    guest_class: Mapped[str] = mapped_column(String(40), default="")
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    walk_in: Mapped[bool] = mapped_column(default=False)
    token: Mapped[str | None] = mapped_column(String(64))  # the form's: a double submit books once
    uid: Mapped[str] = mapped_column(String(80))  # the .ics UID, stable
    sequence: Mapped[int] = mapped_column(default=0)  # the .ics SEQUENCE, grows on each change
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    day: Mapped[ReceptionDay] = relationship()
    slot: Mapped[ReceptionSlot | None] = relationship()
    student = relationship("Student")
    guardian_user = relationship("User")

    @property
    def who(self) -> str:
        if self.guardian_user is not None:
            return self.guardian_user.name
        return self.guest_name
