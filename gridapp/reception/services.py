"""Reception days: publishing days (one, or a recurring pattern), booking with a capacity the
database enforces, waitlists, cancellation, the day's list and its outcomes.

Capacity is never checked and then written: a booking takes its place with one conditional
UPDATE (`booked = booked + 1 WHERE booked < capacity`), which the database applies atomically on
PostgreSQL and SQLite alike; a check constraint refuses anything beyond. Services flush, never
commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit, text
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.notices import notify
from gridapp.core.time import SHANGHAI, now
from gridapp.core.unique import held
from gridapp.extensions import db
from gridapp.reception.models import (
    ACTIVE,
    Booking,
    BookingStatus,
    DayStatus,
    ReceptionDay,
    ReceptionPattern,
    ReceptionSlot,
)
from gridapp.schools.permissions import is_school_leader

TOPIC_LIMIT = 100
DESCRIPTION_LIMIT = 1000
CANCEL_CUTOFF = timedelta(hours=2)  # a parent cancels up to two hours before the slot
MAX_SLOTS = 40


class Full(Exception):
    """The slot has no place left (the answer to a race is a clear "full", never an error)."""


def local_dt(on: date, at: time) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(on, at, tzinfo=ZoneInfo("Asia/Shanghai"))


# ---- publishing -----------------------------------------------------------------------------------


@dataclass
class DayData:
    starts: time | None
    ends: time | None
    room: str
    slot_minutes: int | None
    capacity: int | None
    buffer_minutes: int | None
    opens_days_before: int | None
    closes_hours_before: int | None
    host_ids: list[int]
    allow_guests: bool = False


def _check(data: DayData) -> None:
    if data.starts is None or data.ends is None or data.ends <= data.starts:
        raise RuleViolation(_("请填写开始和结束时间，结束须晚于开始"), field="ends")
    room = (data.room or "").strip()
    if not room or len(room) > 60:
        raise RuleViolation(_("请填写地点（不超过 60 字）"), field="room")
    for value, lo, hi, name, message in (
        (data.slot_minutes, 5, 240, "slot_minutes", _("每个时段 5 到 240 分钟")),
        (data.capacity, 1, 50, "capacity", _("每个时段可约 1 到 50 位家长")),
        (data.buffer_minutes, 0, 120, "buffer_minutes", _("时段间隔 0 到 120 分钟")),
        (data.opens_days_before, 0, 60, "opens_days_before", _("提前 0 到 60 天开放预约")),
        (data.closes_hours_before, 0, 72, "closes_hours_before", _("截止时间为 0 到 72 小时前")),
    ):
        if value is None or not lo <= value <= hi:
            raise RuleViolation(message, field=name)
    if not data.host_ids:
        raise RuleViolation(_("请选择接待人"), field="host_ids")


def _slot_times(on: date, data: DayData) -> list[tuple[datetime, datetime]]:
    start, end = local_dt(on, data.starts), local_dt(on, data.ends)
    step = timedelta(minutes=data.slot_minutes)
    gap = timedelta(minutes=data.buffer_minutes)
    out = []
    while start + step <= end:
        out.append((start, start + step))
        start = start + step + gap
    if not out:
        raise RuleViolation(_("开始和结束之间放不下一个时段"), field="slot_minutes")
    if len(out) > MAX_SLOTS:
        raise RuleViolation(
            _("时段太多（最多 %(n)d 个），请加长时段", n=MAX_SLOTS), field="slot_minutes"
        )
    return out


def publish_day(
    actor: User, school_id: int, on: date | None, data: DayData, today: date,
    pattern: ReceptionPattern | None = None,
) -> ReceptionDay:  # fmt: skip
    if not is_school_leader(actor, school_id):
        raise PermissionError
    if on is None or on < today:
        raise RuleViolation(_("请选择今天或以后的日期"), field="on")
    if on > today + timedelta(days=400):
        raise RuleViolation(_("日期须在一年之内"), field="on")
    _check(data)
    if db.session.scalar(
        select(ReceptionDay.id).where(
            ReceptionDay.school_id == school_id,
            ReceptionDay.on == on,
            ReceptionDay.status == DayStatus.PUBLISHED,
        )
    ):
        raise RuleViolation(_("这一天已经有接待日"), field="on")
    times = _slot_times(on, data)
    opens = local_dt(on - timedelta(days=data.opens_days_before), time(8, 0))
    closes = local_dt(on, data.starts) - timedelta(hours=data.closes_hours_before)
    day = ReceptionDay(
        school_id=school_id,
        pattern_id=pattern.id if pattern else None,
        on=on,
        starts=data.starts,
        ends=data.ends,
        room=data.room.strip(),
        slot_minutes=data.slot_minutes,
        capacity=data.capacity,
        buffer_minutes=data.buffer_minutes,
        opens_at=opens,
        closes_at=closes,
        host_ids=sorted(set(data.host_ids)),
        allow_guests=data.allow_guests,
        status=DayStatus.PUBLISHED,
        created_by_id=actor.id,
    )
    # The partial unique index ix_reception_days_one_published holds "one a day" when two
    # leaders publish the same date at once.
    with held(_("这一天已经有接待日"), field="on"):
        db.session.add(day)
        for s, e in times:
            day.slots.append(ReceptionSlot(starts_at=s, ends_at=e, capacity=data.capacity))
    audit.record(actor, "reception.publish", day, school_id=school_id, on=on.isoformat())
    return day


def pattern_dates(weekday: int, nth: int, start: date, months: int) -> list[date]:
    """The n-th `weekday` of each month from `start`'s month, for `months` months."""
    out = []
    y, m = start.year, start.month
    for _i in range(months):
        first = date(y, m, 1)
        offset = (weekday - first.weekday()) % 7
        d = first + timedelta(days=offset + 7 * (nth - 1))
        if d.month == m and d >= start:
            out.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def publish_pattern(
    actor: User, school_id: int, weekday: int, nth: int, months: int, data: DayData, today: date
) -> tuple[list[ReceptionDay], list[date]]:
    """A recurring day for the coming months; a date that is not a working day (a holiday, a
    closure) is skipped and reported."""
    from gridapp.cases.services import calendar_for

    if not is_school_leader(actor, school_id):
        raise PermissionError
    if not (0 <= weekday <= 6 and 1 <= nth <= 5 and 1 <= months <= 12):
        raise RuleViolation(_("请选择每月第几个星期几，以及 1 到 12 个月"), field="nth")
    _check(data)
    pattern = ReceptionPattern(
        school_id=school_id, weekday=weekday, nth=nth, created_by_id=actor.id
    )
    db.session.add(pattern)
    db.session.flush()
    cal = calendar_for(school_id)
    days, skipped = [], []
    for d in pattern_dates(weekday, nth, today, months):
        if not cal.is_workday(d)[0]:
            skipped.append(d)
            continue
        try:
            with db.session.begin_nested():
                days.append(publish_day(actor, school_id, d, data, today, pattern))
        except RuleViolation:
            skipped.append(d)
    if not days:
        raise RuleViolation(_("这几个月里没有可用的日期"), field="nth")
    return days, skipped


def cancel_day(actor: User, day: ReceptionDay, reason: str) -> int:
    """Cancel a day: every booking is cancelled (kept), every booker notified. Returns how many."""
    if not is_school_leader(actor, day.school_id):
        raise PermissionError
    if day.status is DayStatus.CANCELLED:
        raise IllegalTransition(_("这个接待日已经取消"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise RuleViolation(_("请填写取消原因（不超过 200 字）"), field="reason")
    # A conditional update: a day cancelled twice at once (two leaders) is cancelled, and its
    # parents told, once.
    cancelled = db.session.execute(
        update(ReceptionDay)
        .where(ReceptionDay.id == day.id, ReceptionDay.status == DayStatus.PUBLISHED)
        .values(status=DayStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    ).rowcount
    if cancelled != 1:
        raise IllegalTransition(_("这个接待日已经取消"))
    day.status = DayStatus.CANCELLED
    day.cancel_reason = reason
    n = 0
    for b in db.session.scalars(
        select(Booking).where(
            Booking.day_id == day.id,
            Booking.status.in_([BookingStatus.BOOKED, BookingStatus.WAITLISTED]),
        )
    ).all():
        if not _moved(b, b.status, BookingStatus.CANCELLED):
            continue  # the parent cancelled it at the same moment
        b.status = BookingStatus.CANCELLED
        b.cancel_reason = _("接待日取消：%(r)s", r=reason)
        b.cancelled_at = now()
        b.sequence += 1
        if b.guardian_user_id:
            notify(
                b.guardian_user_id,
                _("%(d)s 的接待日已取消：%(r)s", d=day.on.isoformat(), r=reason),
                sms=True,  # a parent must not come in for nothing (issue 15 item 7)
                school_id=day.school_id,
            )
        n += 1
    db.session.execute(update(ReceptionSlot).where(ReceptionSlot.day_id == day.id).values(booked=0))
    db.session.flush()
    audit.record(actor, "reception.cancel_day", day, school_id=day.school_id, bookings=n)
    return n


# ---- booking --------------------------------------------------------------------------------------


@dataclass
class Request:
    topic: str
    description: str
    token: str
    student_id: int | None = None  # a parent with an account
    guest_name: str = ""
    guest_mobile: str = ""
    guest_class: str = ""


def bookable(day: ReceptionDay, at: datetime) -> None:
    if day.status is not DayStatus.PUBLISHED:
        raise IllegalTransition(_("这个接待日已取消"))
    if at < day.opens_at:
        raise IllegalTransition(_("预约尚未开放，开放时间：%(t)s", t=_fmt(day.opens_at)))
    if at > day.closes_at:
        raise IllegalTransition(_("预约已截止"))


def _fmt(moment: datetime) -> str:
    from gridapp.core.time import format_datetime

    return format_datetime(moment)


def _texts(req: Request) -> tuple[str, str]:
    topic = (req.topic or "").strip()
    if not topic:
        raise RuleViolation(_("请填写想谈的话题"), field="topic")
    if len(topic) > TOPIC_LIMIT:
        raise RuleViolation(_("话题不能超过 %(n)d 字", n=TOPIC_LIMIT), field="topic")
    description = (req.description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        raise RuleViolation(_("说明不能超过 %(n)d 字", n=DESCRIPTION_LIMIT), field="description")
    return topic, description


def book(
    slot: ReceptionSlot, req: Request, guardian: User | None, at: datetime,
    waitlist: bool = False,
) -> tuple[Booking, str | None]:  # fmt: skip
    """A booking of `slot`, or a place on its waitlist when asked and it is full. Returns the
    booking and, for a guest, the booking code (shown once). The same form token books once."""
    from gridapp.cases import mailbox

    day = slot.day
    if req.token:
        existing = db.session.scalar(select(Booking).where(Booking.token == req.token))
        if existing is not None:
            if existing.day_id != day.id:
                raise RuleViolation(_("表单已失效，请重新打开预约页面"), field="token")
            return existing, None
    bookable(day, at)
    if slot.starts_at <= at:
        raise IllegalTransition(_("这个时段已经过去"))
    topic, description = _texts(req)
    student = None
    if guardian is not None:
        student = _child_of(guardian, req.student_id, day.school_id)
        # A courtesy: the partial unique index ix_reception_bookings_one_per_guardian_day holds
        # the rule when two tabs book at the same moment (see the IntegrityError below).
        if _has_booking_that_day(guardian, day):
            raise IllegalTransition(_one_a_day())
    else:
        if not day.allow_guests:
            raise IllegalTransition(_("这个接待日需要登录后预约"))
        _check_guest(req)
    code = mailbox.new_code() if guardian is None else None
    booking = Booking(
        school_id=day.school_id,
        day_id=day.id,
        slot_id=slot.id,
        status=BookingStatus.WAITLISTED if waitlist else BookingStatus.BOOKED,
        guardian_user_id=guardian.id if guardian else None,
        student_id=student.id if student else None,
        family_id=student.family_id if student else None,
        guest_name=text.normalise_name(req.guest_name) if guardian is None else "",
        guest_mobile=text.normalise_phone(req.guest_mobile) if guardian is None else "",
        guest_class=text.normalise_class_name(req.guest_class) if guardian is None else "",
        code_hash=mailbox.code_hash(code) if code else None,
        topic=topic,
        description=description,
        token=req.token or None,
        uid=f"reception-{secrets.token_hex(12)}@gridapp",
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
            audit.record(
                guardian, "reception.book", booking, school_id=day.school_id,
                waitlist=waitlist, guest=guardian is None,
            )  # fmt: skip
            db.session.flush()
            # The place is taken last: the slot's row stays locked from this UPDATE to the
            # commit, and many parents book the same slots when a day opens. A full slot
            # undoes the booking and its audit record with the savepoint.
            if not waitlist:
                taken = db.session.execute(
                    update(ReceptionSlot)
                    .where(
                        ReceptionSlot.id == slot.id, ReceptionSlot.booked < ReceptionSlot.capacity
                    )
                    .values(booked=ReceptionSlot.booked + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if taken != 1:
                    raise Full
    except IntegrityError:
        # The same form sent twice at once: the other request booked; answer with its booking.
        existing = (
            db.session.scalar(select(Booking).where(Booking.token == req.token))
            if req.token
            else None
        )
        if existing is not None and existing.day_id == day.id:
            return existing, None
        # Another tab of the same parent booked this day at the same moment: one a day.
        if guardian is not None and _has_booking_that_day(guardian, day):
            raise IllegalTransition(_one_a_day()) from None
        raise
    db.session.expire(slot, ["booked"])
    return booking, code


def _one_a_day() -> str:
    return _("您这一天已经有预约了，如需改时段请先取消")


def _has_booking_that_day(guardian: User, day: ReceptionDay) -> bool:
    return (
        db.session.scalar(
            select(Booking.id).where(
                Booking.day_id == day.id,
                Booking.guardian_user_id == guardian.id,
                Booking.status.in_([BookingStatus.BOOKED, BookingStatus.WAITLISTED]),
            )
        )
        is not None
    )


def _check_guest(req: Request) -> None:
    name = text.normalise_name(req.guest_name)
    if not name or len(name) > 40:
        raise RuleViolation(_("请填写您的姓名"), field="guest_name")
    if not text.is_mobile(req.guest_mobile):
        raise RuleViolation(_("请输入11位手机号码，例如 13812345678"), field="guest_mobile")
    child = text.normalise_class_name(req.guest_class)
    if not child or len(child) > 40:
        raise RuleViolation(_("请填写孩子的班级"), field="guest_class")


def _child_of(guardian: User, student_id: int | None, school_id: int):
    from gridapp.people.models import Guardian, Student, StudentGuardian

    if not isinstance(student_id, int):
        raise RuleViolation(_("请选择孩子"), field="student_id")
    student = db.session.scalar(
        select(Student)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(Guardian.user_id == guardian.id, Student.id == student_id)
    )
    if student is None or student.school_id != school_id:
        raise RuleViolation(_("请选择在这所学校就读的孩子"), field="student_id")
    return student


def cancel(booking: Booking, reason: str, at: datetime, actor: User | None = None) -> None:
    """The parent cancels (kept as a state, never deleted) up to the cut-off; the slot's place
    goes to the first on its waitlist."""
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.WAITLISTED):
        raise IllegalTransition(_("这个预约不能再取消"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise RuleViolation(_("请填写取消原因（不超过 200 字）"), field="reason")
    if booking.slot is not None and at > booking.slot.starts_at - CANCEL_CUTOFF:
        raise IllegalTransition(_("接待前两小时内不能在网上取消，请致电学校"))
    was_booked = booking.status is BookingStatus.BOOKED
    # A conditional update: two cancellations at once (two tabs, the parent and the school)
    # cancel once and free one place, never two.
    if not _moved(booking, booking.status, BookingStatus.CANCELLED):
        raise IllegalTransition(_("这个预约不能再取消"))
    booking.status = BookingStatus.CANCELLED
    booking.cancel_reason = reason
    booking.cancelled_at = at
    booking.sequence += 1
    if was_booked and booking.slot_id:
        db.session.execute(
            update(ReceptionSlot)
            .where(ReceptionSlot.id == booking.slot_id, ReceptionSlot.booked > 0)
            .values(booked=ReceptionSlot.booked - 1)
            .execution_options(synchronize_session=False)
        )
        _promote(booking.slot_id)
    db.session.flush()
    audit.record(actor, "reception.cancel", booking, school_id=booking.school_id)


def _moved(booking: Booking, from_status: BookingStatus, to_status: BookingStatus) -> bool:
    """Move a booking from one state to another with one conditional UPDATE; False when another
    request moved it first (the ORM object is left for the caller to update)."""
    return (
        db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == from_status)
            .values(status=to_status)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _promote(slot_id: int) -> None:
    """The first waiting parent takes a freed place (the same conditional update). Two places
    freed at once go to two different waiting parents: each is claimed by a conditional update
    of its state, and a place nobody could claim is given back."""
    taken = db.session.execute(
        update(ReceptionSlot)
        .where(ReceptionSlot.id == slot_id, ReceptionSlot.booked < ReceptionSlot.capacity)
        .values(booked=ReceptionSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return
    waiting = db.session.scalars(
        select(Booking)
        .where(Booking.slot_id == slot_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.id)
    ).all()
    for first in waiting:
        if _moved(first, BookingStatus.WAITLISTED, BookingStatus.BOOKED):
            first.status = BookingStatus.BOOKED
            first.sequence += 1
            if first.guardian_user_id:
                notify(
                    first.guardian_user_id,
                    _("候补成功：您已预约到接待时段"),
                    "/reception",
                    sms=True,  # the parent learns they have a place in time to come
                    school_id=first.school_id,
                )
            return
    db.session.execute(
        update(ReceptionSlot)
        .where(ReceptionSlot.id == slot_id, ReceptionSlot.booked > 0)
        .values(booked=ReceptionSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )


# ---- the day --------------------------------------------------------------------------------------


def walk_in(actor: User, day: ReceptionDay, name: str, topic: str, student_id=None) -> Booking:
    if not is_school_leader(actor, day.school_id):
        raise PermissionError
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise RuleViolation(_("请填写来访家长的姓名"), field="guest_name")
    topic, _d = _texts(Request(topic=topic, description="", token=""))
    booking = Booking(
        school_id=day.school_id, day_id=day.id, slot_id=None, status=BookingStatus.ATTENDED,
        guest_name=name, topic=topic, walk_in=True,
        uid=f"reception-{secrets.token_hex(12)}@gridapp",
    )  # fmt: skip
    db.session.add(booking)
    db.session.flush()
    audit.record(actor, "reception.walk_in", booking, school_id=day.school_id)
    return booking


def _met_at(booking: Booking) -> datetime:
    """When the parent was met: the slot's start (a walk-in: the day's first hour), never later
    than now. A follow-up case counts its deadline from that day, not from when the host
    typed the outcome (seed 004 §13)."""
    if booking.slot_id is not None:
        at = db.session.get(ReceptionSlot, booking.slot_id).starts_at
    else:
        day = db.session.get(ReceptionDay, booking.day_id)
        at = datetime.combine(day.on, day.starts, tzinfo=SHANGHAI)
    return min(at, now())


def record_visit(
    actor: User, booking: Booking, attended: bool, notes: str, outcome: str, follow_up: bool,
    words: str = "",
) -> None:  # fmt: skip
    """On the day: attended or no-show, notes, an outcome; "needs follow-up" opens a case
    (source reception) linked to the booking and the family, with the parent's words."""
    from gridapp.cases import services as cases
    from gridapp.cases.models import CaseCategory, CaseSource

    if not is_school_leader(actor, booking.school_id):
        raise PermissionError
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.WAITLISTED):
        raise IllegalTransition(_("已取消或候补中的预约不能登记接待"))
    for value, field in ((notes, "notes"), (outcome, "outcome"), (words, "words")):
        if len(value or "") > 2000:
            raise RuleViolation(_("内容不能超过 %(n)d 字", n=2000), field=field)
    booking.status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
    booking.notes = (notes or "").strip()
    booking.outcome = (outcome or "").strip()
    if follow_up:
        if not attended:
            raise RuleViolation(_("家长未到，不能转为意见"), field="follow_up")
        if booking.case_id is not None:
            raise IllegalTransition(_("已经转为意见 #%(n)d", n=booking.case_id))
        said = (words or "").strip() or booking.description or booking.topic
        # One case per booking: the unique index on cases.booking_id holds it when the host
        # sends the form twice at once.
        met_at = _met_at(booking)
        try:
            with held(_("已经转为意见"), conflict=True):
                case = cases.new_case(
                    actor, booking.school_id, CaseSource.RECEPTION, CaseCategory.OTHER, said,
                    subject=booking.topic, family_id=booking.family_id, received_at=met_at,
                )  # fmt: skip
                case.booking_id = booking.id
        except IllegalTransition:
            other = cases.case_of_booking(booking.id)
            raise IllegalTransition(_("已经转为意见 #%(n)d", n=other or 0)) from None
        booking.case_id = case.id
    db.session.flush()
    audit.record(actor, "reception.visit", booking, school_id=booking.school_id, attended=attended)


def remind_tomorrow(on: date) -> int:
    """The in-app notice the day before, for parents (once per booking) and hosts (once per
    day). Returns how many bookings this run reminded.

    Idempotent, however often and by however many workers it runs: a booking is claimed by a
    conditional UPDATE (`reminded_at IS NULL`), which a second run at the same moment waits
    for and then finds done; each notice carries a key (core.notices) that the database keeps
    unique per user, so nobody is told twice."""
    count = 0
    tomorrow = on + timedelta(days=1)
    days = db.session.scalars(
        select(ReceptionDay).where(
            ReceptionDay.on == tomorrow, ReceptionDay.status == DayStatus.PUBLISHED
        )
    ).all()
    for day in days:
        bookings = db.session.scalars(
            select(Booking).where(
                Booking.day_id == day.id,
                Booking.status == BookingStatus.BOOKED,
                Booking.reminded_at.is_(None),
            )
        ).all()
        reminded = 0
        for b in bookings:
            at = now()
            claimed = db.session.execute(
                update(Booking)
                .where(Booking.id == b.id, Booking.reminded_at.is_(None))
                .values(reminded_at=at)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                continue
            b.reminded_at = at
            if b.guardian_user_id:
                notify(
                    b.guardian_user_id,
                    _("明天 %(t)s 书记校长接待日：%(r)s", t=_fmt(b.slot.starts_at), r=day.room),
                    "/reception",
                    key=f"reception.remind:booking:{b.id}",
                    sms=True,  # parents may not open the app the day before (issue 15 item 7)
                    school_id=day.school_id,
                )
            reminded += 1
        count += reminded
        if reminded:
            booked = db.session.scalar(
                select(func.count(Booking.id)).where(
                    Booking.day_id == day.id, Booking.status == BookingStatus.BOOKED
                )
            )
            for host in day.host_ids:
                notify(
                    host,
                    _("明天接待日有 %(n)d 位家长预约", n=booked),
                    f"/reception/days/{day.id}",
                    key=f"reception.remind:day:{day.id}",
                )
    db.session.flush()
    return count


def waitlist_place(booking: Booking) -> int | None:
    """The booking's place on its slot's waitlist (1 = the next to get a freed place, in the
    order `_promote` takes them), or None when it is not waiting."""
    if booking.status is not BookingStatus.WAITLISTED or booking.slot_id is None:
        return None
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.slot_id == booking.slot_id,
            Booking.status == BookingStatus.WAITLISTED,
            Booking.id <= booking.id,
        )
    )


def counts_by_slot(day_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(Booking.slot_id, func.count(Booking.id))
        .where(Booking.day_id.in_(list(day_ids)), Booking.status == BookingStatus.WAITLISTED)
        .group_by(Booking.slot_id)
    )
    return dict(rows.all())


# ---- queries for the hosts' pages -----------------------------------------------------------------


def school_hosts(school_id: int) -> list:
    """Who may host a school's reception day: rows (id, name), by name, of the active users
    who are the school's principal or school admin (each once)."""
    return db.session.execute(
        select(User.id, User.name)
        .where(
            User.id.in_(
                select(UserRole.user_id).where(
                    UserRole.school_id == school_id,
                    UserRole.role.in_([Role.PRINCIPAL, Role.SCHOOL_ADMIN]),
                )
            ),
            User.active,
        )
        .order_by(User.name_key, User.id)
    ).all()


def upcoming_days(school_id: int, on: date, limit: int = 60) -> list[ReceptionDay]:
    """A school's reception days from `on` (today) onwards, soonest first, at most `limit`,
    with their slots loaded."""
    return db.session.scalars(
        select(ReceptionDay)
        .where(ReceptionDay.school_id == school_id, ReceptionDay.on >= on)
        .options(selectinload(ReceptionDay.slots))
        .order_by(ReceptionDay.on)
        .limit(limit)
    ).all()


def past_days(school_id: int, on: date, limit: int = 20) -> list[ReceptionDay]:
    """A school's reception days before `on` (today), latest first, at most `limit`."""
    return db.session.scalars(
        select(ReceptionDay)
        .where(ReceptionDay.school_id == school_id, ReceptionDay.on < on)
        .order_by(ReceptionDay.on.desc())
        .limit(limit)
    ).all()


def day_bookings(day: ReceptionDay) -> list[Booking]:
    """All bookings of a day (any status), by slot with walk-ins (no slot) last, then by id;
    guardian_user, student and slot loaded."""
    return db.session.scalars(
        select(Booking)
        .where(Booking.day_id == day.id)
        .options(
            joinedload(Booking.guardian_user), joinedload(Booking.student), joinedload(Booking.slot)
        )
        .order_by(Booking.slot_id.is_(None), Booking.slot_id, Booking.id)
    ).all()


def school_bookings(
    school_ids, first: date, last: date, limit: int = 20
) -> tuple[dict[int, int], list]:
    """The bookings of the given schools' reception days (not cancelled) from `first` to `last`
    (dates in Asia/Shanghai) that a host expects or has met: booked, attended or not come
    (`models.ACTIVE`; the waiting list and cancelled ones are not). Returns ({school id: how
    many}, the first `limit` of them by day and slot, day, slot, child and parent loaded): a
    leader's home page. Two queries."""
    ids = sorted(school_ids)
    if not ids:
        return {}, []
    where = (
        Booking.school_id.in_(ids),
        Booking.status.in_(ACTIVE),
        ReceptionDay.on >= first,
        ReceptionDay.on <= last,
        ReceptionDay.status == DayStatus.PUBLISHED,
    )
    counts = dict(
        db.session.execute(
            select(Booking.school_id, func.count(Booking.id))
            .join(ReceptionDay, ReceptionDay.id == Booking.day_id)
            .where(*where)
            .group_by(Booking.school_id)
        ).all()
    )
    if not counts:
        return {}, []
    rows = db.session.scalars(
        select(Booking)
        .join(ReceptionDay, ReceptionDay.id == Booking.day_id)
        .outerjoin(ReceptionSlot, ReceptionSlot.id == Booking.slot_id)
        .where(*where)
        .options(
            joinedload(Booking.slot),
            joinedload(Booking.day),
            joinedload(Booking.student),
            joinedload(Booking.guardian_user),
        )
        .order_by(
            ReceptionDay.on, ReceptionSlot.starts_at.is_(None), ReceptionSlot.starts_at, Booking.id
        )  # fmt: skip
        .limit(limit)
    ).all()
    return counts, list(rows)


def host_names(day: ReceptionDay) -> dict[int, str]:
    """The day's hosts: {user_id: name}."""
    return dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(day.host_ids or [0]))).all()
    )


# ---- queries for the parents' and guests' pages ---------------------------------------------------


def open_days(school_ids, on: date, limit: int = 30) -> list[ReceptionDay]:
    """The published reception days of the given schools from `on` (today) onwards, soonest
    first, at most `limit`, with slots and school loaded."""
    return db.session.scalars(
        select(ReceptionDay)
        .where(
            ReceptionDay.school_id.in_(sorted(school_ids)),
            ReceptionDay.status == DayStatus.PUBLISHED,
            ReceptionDay.on >= on,
        )
        .options(selectinload(ReceptionDay.slots), joinedload(ReceptionDay.school))
        .order_by(ReceptionDay.on)
        .limit(limit)
    ).all()


def guest_days(on: date) -> list[ReceptionDay]:
    """The coming days a visitor without an account may book: open_days of every school with a
    published guest day, keeping only the days that allow guests."""
    guest_schools = db.session.scalars(
        select(ReceptionDay.school_id).where(
            ReceptionDay.allow_guests, ReceptionDay.status == DayStatus.PUBLISHED
        )
    ).all()
    return [d for d in open_days(set(guest_schools), on) if d.allow_guests]


def guardian_bookings(user: User, limit: int = 50) -> list[Booking]:
    """A parent's own bookings (any status), newest first, at most `limit`, slot, day and the
    child it is about loaded."""
    return db.session.scalars(
        select(Booking)
        .where(Booking.guardian_user_id == user.id)
        .options(joinedload(Booking.slot), joinedload(Booking.day), joinedload(Booking.student))
        .order_by(Booking.id.desc())
        .limit(limit)
    ).all()


def upcoming_bookings(user: User, on: date, limit: int = 5) -> list[Booking]:
    """A parent's bookings still to come (booked or on the waiting list, on day `on` or later),
    soonest first, at most `limit`, slot, day and child loaded: the home page's reminder."""
    return db.session.scalars(
        select(Booking)
        .join(ReceptionDay, ReceptionDay.id == Booking.day_id)
        .where(
            Booking.guardian_user_id == user.id,
            Booking.status.in_((BookingStatus.BOOKED, BookingStatus.WAITLISTED)),
            ReceptionDay.on >= on,
        )
        .options(joinedload(Booking.slot), joinedload(Booking.day), joinedload(Booking.student))
        .order_by(ReceptionDay.on, Booking.id)
        .limit(limit)
    ).all()


def booking_by_code(code: str) -> Booking | None:
    """The booking whose code hashes (cases.mailbox.code_hash) to the given code, or None."""
    from gridapp.cases import mailbox

    return db.session.scalar(select(Booking).where(Booking.code_hash == mailbox.code_hash(code)))
