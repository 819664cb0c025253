"""Working days for deadlines: the Chinese holiday calendar with its make-up working days (调休),
and a school's own closures.

Where the days of a year come from, in order:
1. a schedule the district admin entered for that year (`OfficialDay`), when there is one;
2. `chinese-calendar`, which knows the official schedule up to the year of its release
   (1.11: 2004–2026; it raises NotImplementedError beyond);
3. otherwise an estimate: weekends and the statutory holidays of the `holidays` package, with no
   make-up working days. A deadline computed from an estimate says so (`Deadline.estimated`).
A school's closures are never working days. Nothing here raises for a date in range.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import holidays
from sqlalchemy import extract, select

from gridapp.extensions import db

MAX_WORKDAYS = 60


@dataclass(frozen=True)
class Deadline:
    due_on: date
    estimated: bool  # some day on the way came from the estimate, not an official schedule


@functools.lru_cache(maxsize=64)
def _statutory(year: int) -> frozenset[date]:
    return frozenset(holidays.China(years=year))


def library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


class WorkCalendar:
    """The working days of one school (its district's schedules and its own closures)."""

    def __init__(self, district_id: int | None = None, school_id: int | None = None):
        self.district_id = district_id
        self.school_id = school_id
        self._official: dict[int, dict[date, bool]] = {}
        self._closures: set[date] | None = None
        # Every year's official days, when read beforehand for many schools (school_calendars).
        self._all_official: dict[int, dict[date, bool]] | None = None
        self._days: dict[date, tuple[bool, bool]] = {}  # the days already asked

    def _official_year(self, year: int) -> dict[date, bool]:
        if year not in self._official and self._all_official is not None:
            self._official[year] = self._all_official.get(year, {})
        if year not in self._official:
            from gridapp.schools.models import OfficialDay

            days: dict[date, bool] = {}
            if self.district_id is not None:
                rows = db.session.execute(
                    select(OfficialDay.on, OfficialDay.is_workday).where(
                        OfficialDay.district_id == self.district_id,
                        extract("year", OfficialDay.on) == year,
                    )
                )
                days = {on: is_workday for on, is_workday in rows}
            self._official[year] = days
        return self._official[year]

    def _closed(self, day: date) -> bool:
        if self.school_id is None:
            return False
        if self._closures is None:
            from gridapp.schools.models import SchoolClosure

            self._closures = set(
                db.session.scalars(
                    select(SchoolClosure.on).where(SchoolClosure.school_id == self.school_id)
                )
            )
        return day in self._closures

    def source(self, year: int) -> str:
        """ "official" (entered by the district), "library" or "estimate"."""
        if self._official_year(year):
            return "official"
        return "library" if library_knows(year) else "estimate"

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is that an estimate)."""
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: date) -> tuple[bool, bool]:
        if self._closed(day):
            return False, False
        official = self._official_year(day.year)
        if day in official:  # the district's entry wins over everything
            return official[day], False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            if official:  # the district entered this year's schedule: other days are ordinary
                return day.weekday() < 5, False
            return day.weekday() < 5 and day not in _statutory(day.year), True

    def add_workdays(self, start: date, n: int) -> Deadline:
        """The n-th working day after `start` (`start` itself does not count)."""
        if not 1 <= n <= MAX_WORKDAYS:
            raise ValueError(n)
        day, counted, estimated = start, 0, False
        while counted < n:
            day += timedelta(days=1)
            ok, guess = self.is_workday(day)
            estimated = estimated or guess
            if ok:
                counted += 1
        return Deadline(day, estimated)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day)[0]:
                count += 1
        return count

    def previous_workday(self, day: date) -> date:
        for _i in range(30):
            day -= timedelta(days=1)
            if self.is_workday(day)[0]:
                return day
        return day


def school_calendars(school_ids) -> dict[int, WorkCalendar]:
    """{school id: WorkCalendar} for the schools `school_ids` (unknown ids are left out), their
    districts' official schedules and their closures read in three queries whatever their
    number (a dashboard over many schools counts working days without a query per school)."""
    from gridapp.schools.models import OfficialDay, School, SchoolClosure

    ids = sorted(set(school_ids))
    if not ids:
        return {}
    district_of = dict(
        db.session.execute(select(School.id, School.district_id).where(School.id.in_(ids))).all()
    )
    official: dict[int, dict[int, dict[date, bool]]] = defaultdict(lambda: defaultdict(dict))
    rows = db.session.execute(
        select(OfficialDay.district_id, OfficialDay.on, OfficialDay.is_workday).where(
            OfficialDay.district_id.in_(sorted(set(district_of.values())))
        )
    )
    for district_id, on, is_workday in rows:
        official[district_id][on.year][on] = is_workday
    closures: dict[int, set[date]] = defaultdict(set)
    rows = db.session.execute(
        select(SchoolClosure.school_id, SchoolClosure.on).where(SchoolClosure.school_id.in_(ids))
    )
    for school_id, on in rows:
        closures[school_id].add(on)
    out = {}
    for school_id, district_id in district_of.items():
        calendar = WorkCalendar(district_id, school_id)
        calendar._all_official = dict(official[district_id])
        calendar._closures = closures[school_id]
        out[school_id] = calendar
    return out
