"""The dashboards' figures beside coverage that change by the minute (issue 18 item 1): each
school's cases, pairing and reception days this semester, read live in a fixed number of grouped
queries for all the schools of a page (never a query per school), and summed up the tree as met
and total, never as averaged percentages:

- cases (意见建议, seed 004 闭环督办) received in the school's semester window
  (`semester_report.windows`: the semester and, by the school's setting, the holiday before or
  after), of them answered by their deadline (`on_time`) or late (answered after it, or still
  open past it: issue 18 item 2); `overdue_now`: the open cases past their deadline today,
  whenever received; the working days from the day received to the day answered
  (`schools.workdays`, the school's calendar: the day received not counted, an answer the same
  day is 0); parents' ratings of the answers (1–5) of the semester's cases;
- pairing (1+N, seed 004 §11): students in need, of them paired, and support entries this
  semester (`pairing_figures.pairing_coverage`, per class as well);
- reception days (书记校长接待日): bookings of the days in the window that were kept (booked,
  attended, or marked absent: `reception.models.ACTIVE`, walk-ins apart), of them `attended`
  and `no_shows` as the host recorded them, the parents' `cancelled` bookings, and the
  `walk_ins` received without a booking.

Figures only: no family, no writer, no words."""

from __future__ import annotations

import threading
import time as time_module
from collections import defaultdict
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta

from cachetools import TTLCache
from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case

from gridapp.cases.models import Case
from gridapp.cases.services import OPEN
from gridapp.contacts import rules
from gridapp.core.time import SHANGHAI, local
from gridapp.extensions import db
from gridapp.reception.models import ACTIVE, Booking, BookingStatus, ReceptionDay
from gridapp.reports import pairing_figures, semester_report
from gridapp.schools.workdays import school_calendars


class PairedShare(rules.Share):
    """Students in need paired, shown as the pairing pages show it (`PairingFigures.percent`):
    rounded down, so that only full coverage is 100 % (449 of 450 is 99 %)."""

    @property
    def percent(self) -> str:
        return "—" if self.total == 0 else f"{100 * self.met // self.total}%"


@dataclass
class Activity:
    """A school's (or a sum's, or for pairing a class's) figures; see the module docstring.
    Counts, and `reply_workdays` the sum of the working days to each answer of `replied`."""

    received: int = 0
    on_time: int = 0
    late: int = 0
    overdue_now: int = 0
    replied: int = 0
    reply_workdays: int = 0
    ratings: int = 0
    rating_sum: int = 0
    in_need: int = 0
    paired: int = 0
    support_entries: int = 0
    bookings: int = 0
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0
    walk_ins: int = 0

    def __add__(self, other: Activity) -> Activity:
        return Activity(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def on_time_share(self) -> rules.Share:
        """Answered on time of the judged cases (answered, or open past the deadline)."""
        return rules.Share(self.on_time, self.on_time + self.late)

    @property
    def paired_share(self) -> rules.Share:
        """Students in need with an active pairing, of those in need."""
        return PairedShare(self.paired, self.in_need)

    @property
    def mean_reply_workdays(self) -> float | None:
        """Working days to an answer on average, None before the first answer."""
        return self.reply_workdays / self.replied if self.replied else None

    @property
    def mean_rating(self) -> float | None:
        """Parents' mean rating of the answers (1–5), None without one."""
        return self.rating_sum / self.ratings if self.ratings else None

    def dump(self) -> dict:
        return asdict(self)


@dataclass
class SchoolActivity:
    """`schools`: {school id: Activity} for every school given; `classes`: {class id: Activity}
    holding the pairing figures only (cases and reception days are a school's)."""

    schools: dict[int, Activity]
    classes: dict[int, Activity]


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def _in_windows(wins: dict[int, semester_report.Window], school_col, lo, hi, as_instants: bool):
    """One condition for every school's window: schools sharing a window share a branch."""
    groups: dict[tuple[date, date], list[int]] = defaultdict(list)
    for school_id, w in wins.items():
        groups[(w.since, w.until)].append(school_id)
    branches = []
    for (since, until), ids in sorted(groups.items()):
        if as_instants:
            bounds = (lo >= _instant(since), lo < _instant(until + timedelta(days=1)))
        else:
            bounds = (lo >= since, hi <= until)
        branches.append(and_(school_col.in_(sorted(ids)), *bounds))
    return or_(*branches)


def _cases(out: dict[int, Activity], wins, today: date) -> None:
    """The cases of the schools' windows (one query), those overdue now (one grouped query)."""
    calendars = school_calendars(wins)
    rows = db.session.execute(
        select(
            Case.school_id, Case.status, Case.received_at, Case.replied_at, Case.due_on,
            Case.rating,
        ).where(_in_windows(wins, Case.school_id, Case.received_at, None, as_instants=True))
    )  # fmt: skip
    for school_id, status, received_at, replied_at, due_on, rating in rows:
        a = out[school_id]
        a.received += 1
        if replied_at is not None:
            answered_on = local(replied_at).date()
            a.replied += 1
            a.reply_workdays += calendars[school_id].workdays_between(
                local(received_at).date(), answered_on
            )
            if due_on is None or answered_on <= due_on:
                a.on_time += 1
            else:
                a.late += 1
        elif status in OPEN and due_on is not None and due_on < today:
            a.late += 1
        if rating is not None:
            a.ratings += 1
            a.rating_sum += rating
    overdue = db.session.execute(
        select(Case.school_id, func.count(Case.id))
        .where(Case.school_id.in_(sorted(out)), Case.status.in_(sorted(OPEN)), Case.due_on < today)
        .group_by(Case.school_id)
    )
    for school_id, n in overdue:
        out[school_id].overdue_now = n


def _bookings(out: dict[int, Activity], wins) -> None:
    """The bookings of the reception days in the schools' windows: one grouped query."""
    status = Booking.status

    def count(condition):
        return func.sum(sql_case((condition, 1), else_=0))

    booked = ~Booking.walk_in
    rows = db.session.execute(
        select(
            Booking.school_id,
            count(booked & status.in_(list(ACTIVE))),
            count(booked & (status == BookingStatus.ATTENDED)),
            count(booked & (status == BookingStatus.NO_SHOW)),
            count(booked & (status == BookingStatus.CANCELLED)),
            count(Booking.walk_in & (status == BookingStatus.ATTENDED)),
        )
        .join(ReceptionDay, ReceptionDay.id == Booking.day_id)
        .where(_in_windows(wins, Booking.school_id, ReceptionDay.on, ReceptionDay.on, False))
        .group_by(Booking.school_id)
    )
    names = ("bookings", "attended", "no_shows", "cancelled", "walk_ins")
    for school_id, *counts in rows:
        for name, n in zip(names, counts, strict=True):
            setattr(out[school_id], name, int(n or 0))


_recent: TTLCache = TTLCache(maxsize=256, ttl=60)
_recent_lock = threading.Lock()


def school_activity(school_ids, today: date) -> SchoolActivity:
    """The figures of the module docstring for the schools `school_ids` on `today` (Asia/
    Shanghai): a fixed number of queries whatever their number (the semester windows 2, cases
    2, the schools' calendars 3, reception days 1, pairing 7). A school without a semester has
    pairing figures only. Sources: seed 004 (闭环督办, 1+N 结对), seed 000 (接待日).

    The same schools' figures are reused for DASHBOARD_ACTIVITY_MAX_AGE seconds (config, 60;
    the tests 0) in each process: for a hundred schools they cost 2 s (the pairings' support
    entries above all, measured at district scale), and cases, pairings and bookings do not
    move the schools' generations (core.generations) that would say when to recompute."""
    max_age = current_app.config.get("DASHBOARD_ACTIVITY_MAX_AGE", 60)
    if not max_age:
        return _school_activity(school_ids, today)
    key = (tuple(sorted(set(school_ids))), today, max_age)
    with _recent_lock:
        found = _recent.get(key)
    if found is not None and found[0] > time_module.monotonic() - max_age:
        return found[1]
    result = _school_activity(school_ids, today)
    with _recent_lock:
        _recent[key] = (time_module.monotonic(), result)
    return result


def _school_activity(school_ids, today: date) -> SchoolActivity:
    ids = sorted(set(school_ids))
    out = {school_id: Activity() for school_id in ids}
    classes: dict[int, Activity] = {}
    if not ids:
        return SchoolActivity(out, classes)
    wins = semester_report.windows(ids, today)
    if wins:
        _cases(out, wins, today)
        _bookings(out, wins)
    pairing = pairing_figures.pairing_coverage(ids, today)
    for school_id, p in pairing.schools.items():
        a = out[school_id]
        a.in_need, a.paired, a.support_entries = p.in_need, p.paired, p.entries
    for class_id, p in pairing.classes.items():
        if class_id is not None:
            classes[class_id] = Activity(
                in_need=p.in_need, paired=p.paired, support_entries=p.entries
            )
    return SchoolActivity(out, classes)
