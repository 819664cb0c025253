"""Contacts and door visits week by week over the current semester, beside the same week of the
previous semester (issue 18 item 3): a school's, or the sum over a district's schools.

Week 1 is the semester's first week: the week (Monday to Sunday) holding its first day; week n
the n-th such week. Only the semester's own days count (its first day to its last), so a week 1
that begins on a Tuesday holds six days; contacts of the holiday before or after, which the
quota figures count for the semester by the school's setting (`rules.semester_windows`), are in
no week. A contact counts once however many families or teachers it lists (the school's
records, not its families); a door visit is a contact of the form 上门家访. Which records count
is the school's counting setting (`rules.counts`: seed 002 §6).

The counts come from one grouped query per school calendar (GROUP BY the week, never a query
per week): schools whose current and previous semesters have the same dates and the same
counting setting share it, so a district of 100 schools on one calendar runs one query. Each
school's counts are kept under its generation (`generations.kept`): a district's trend counts
again only the schools whose figures moved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from gridapp.contacts import rules
from gridapp.contacts.models import (
    Contact,
    ContactForm,
    CountingSetting,
    FiguresCount,
)
from gridapp.core import generations
from gridapp.extensions import db
from gridapp.schools.models import Semester


@dataclass(frozen=True)
class WeekRow:
    """One week: its number (1 = the semester's first week), the day it begins in this semester
    and in the previous one (None where that semester has no such week), and the contacts and
    door visits of each (None for a week not begun yet, or that the semester does not have)."""

    week: int
    starts_on: date | None
    contacts: int | None
    home_visits: int | None
    previous_starts_on: date | None
    previous_contacts: int | None
    previous_home_visits: int | None


@dataclass
class Trend:
    """A trend by week: the semesters' names (`previous_name` None when there is none), the
    rows (week 1 first), the week holding today (0 before the semester began) and the schools
    counted (a district's: those with a current semester)."""

    semester_name: str
    previous_name: str | None
    weeks: list[WeekRow] = field(default_factory=list)
    current_week: int = 0
    schools: int = 0
    running: bool = False  # the current week is this week, not over yet (its count grows)

    @property
    def has_data(self) -> bool:
        """Whether any week holds a contact (this semester or the previous one)."""
        return any(r.contacts or r.previous_contacts for r in self.weeks)

    @property
    def totals(self) -> tuple[int, int, int, int]:
        """(contacts, door visits) this semester so far, then the previous semester's in the
        same weeks (weeks 1 to `current_week`): the comparison the page states in words."""
        upto = [r for r in self.weeks if r.week <= self.current_week]
        return (
            sum(r.contacts or 0 for r in upto),
            sum(r.home_visits or 0 for r in upto),
            sum(r.previous_contacts or 0 for r in upto),
            sum(r.previous_home_visits or 0 for r in upto),
        )


@dataclass(frozen=True)
class _Calendar:
    """What one grouped query needs: the two semesters' dates and the counting setting."""

    starts_on: date
    ends_on: date
    previous: tuple[date, date] | None
    reviewed_only: bool


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_count(starts_on: date, ends_on: date) -> int:
    """How many weeks (Monday to Sunday) the days `starts_on`..`ends_on` touch."""
    return (ends_on - _monday(starts_on)).days // 7 + 1


def week_of(starts_on: date, day: date) -> int:
    """The number of the week holding `day` in a semester beginning on `starts_on` (1 = the
    week of its first day; 0 or less before it)."""
    return (day - _monday(starts_on)).days // 7 + 1


def _week_column(cal: _Calendar):
    """The week of `Contact.contact_on` as one CASE over the weeks' bounds in date order (the
    same SQL on SQLite and PostgreSQL): k in this semester, -k in the previous one."""
    whens = []
    if cal.previous is not None:
        since, until = cal.previous
        for k in range(1, week_count(since, until) + 1):
            bound = _monday(since) + timedelta(days=7 * k)
            whens.append((and_(Contact.contact_on <= until, Contact.contact_on < bound), -k))
    for k in range(1, week_count(cal.starts_on, cal.ends_on)):
        whens.append((Contact.contact_on < _monday(cal.starts_on) + timedelta(days=7 * k), k))
    return case(*whens, else_=week_count(cal.starts_on, cal.ends_on))


def _weekly_counts(cal: _Calendar, school_ids: list[int]) -> dict[int, dict[int, tuple]]:
    """{school id: {week (negative: the previous semester's): (contacts, door visits)}} of the
    schools `school_ids`, all on calendar `cal`: one grouped query (GROUP BY school, week)."""
    counted = rules.counts(cal)  # reads `reviewed_only` only
    in_semester = Contact.contact_on.between(cal.starts_on, cal.ends_on)
    if cal.previous is not None:
        in_semester = in_semester | Contact.contact_on.between(*cal.previous)
    week = _week_column(cal).label("week")
    rows = db.session.execute(
        select(
            Contact.school_id,
            week,
            func.count(Contact.id),
            func.sum(case((Contact.form == ContactForm.HOME_VISIT, 1), else_=0)),
        )
        .where(Contact.school_id.in_(school_ids), counted, in_semester)
        .group_by(Contact.school_id, week)
    )
    out: dict[int, dict[int, tuple]] = {school_id: {} for school_id in school_ids}
    for school_id, w, n, v in rows:
        out[school_id][int(w)] = (int(n or 0), int(v or 0))
    return out


def _school_weeks(calendars: dict, keep: bool = True) -> dict[int, dict[int, tuple]]:
    """`_weekly_counts` of each school of `calendars`, kept under the school's generation (by
    its calendar): only the schools whose figures moved are counted again, those of one
    calendar in one grouped query. `keep=False` counts them all and keeps nothing (a caller
    whose own result is kept under the generation already)."""
    if not keep:
        out = {}
        for cal, ids in _by_calendar(calendars).items():
            out.update(_weekly_counts(cal, sorted(ids)))
        return out
    generations.generations(list(calendars))  # one read for every school of the page
    out, stale = {}, defaultdict(list)
    for school_id, (cal, _name, _prev) in calendars.items():
        found = generations.kept(
            ("trend_weeks", cal), school_id, lambda: None, keep_if=lambda r: r is not None
        )
        if found is None:
            stale[cal].append(school_id)
        else:
            out[school_id] = found
    for cal, ids in stale.items():
        counted = _weekly_counts(cal, sorted(ids))
        for school_id in ids:
            out[school_id] = generations.kept(
                ("trend_weeks", cal), school_id, lambda c=counted[school_id]: c
            )
    return out


def _by_calendar(calendars: dict) -> dict[_Calendar, list[int]]:
    groups: dict[_Calendar, list[int]] = defaultdict(list)
    for school_id, (cal, _name, _prev) in calendars.items():
        groups[cal].append(school_id)
    return groups


def _calendars(
    school_ids: list[int], day: date, semester_id: int | None = None
) -> dict[int, tuple[_Calendar, str, str | None]]:
    """{school id: (calendar, this semester's name, the previous one's)} for the schools with a
    current semester (`rules.current_semester_ids`), or of the one school's semester
    `semester_id`; four queries whatever their number."""
    if semester_id is not None:
        current = {school_ids[0]: semester_id}
    else:
        current = rules.current_semester_ids(school_ids, day)
    if not current:
        return {}
    semesters = db.session.scalars(
        select(Semester)
        .where(Semester.school_id.in_(list(current)))
        .options(joinedload(Semester.school_year))
        .order_by(Semester.school_id, Semester.starts_on)
    ).all()
    reviewed = set(
        db.session.scalars(
            select(CountingSetting.school_id).where(
                CountingSetting.school_id.in_(list(current)),
                CountingSetting.figures_count == FiguresCount.REVIEWED_ONLY,
            )
        )
    )
    by_school: dict[int, list[Semester]] = defaultdict(list)
    for sem in semesters:
        by_school[sem.school_id].append(sem)
    out = {}
    for school_id, sems in by_school.items():
        i = next(i for i, s in enumerate(sems) if s.id == current[school_id])
        sem, prev = sems[i], sems[i - 1] if i else None
        cal = _Calendar(
            sem.starts_on,
            sem.ends_on,
            (prev.starts_on, prev.ends_on) if prev else None,
            school_id in reviewed,
        )
        out[school_id] = (cal, sem.name, prev.name if prev else None)
    return out


def _calendar_of(period: rules.Period, semesters) -> dict[int, tuple[_Calendar, str, str | None]]:
    """`_calendars` for one school whose period and semesters (with their school years) the
    caller holds already: no query."""
    ordered = sorted(semesters, key=lambda s: s.starts_on)
    i = next(i for i, s in enumerate(ordered) if s.id == period.semester_id)
    sem, prev = ordered[i], ordered[i - 1] if i else None
    cal = _Calendar(
        sem.starts_on,
        sem.ends_on,
        (prev.starts_on, prev.ends_on) if prev else None,
        period.reviewed_only,
    )
    return {period.school_id: (cal, sem.name, prev.name if prev else None)}


def _trend(
    school_ids: list[int],
    day: date,
    semester_id: int | None = None,
    calendars=None,
    keep: bool = True,
) -> Trend:
    if calendars is None:
        calendars = _calendars(school_ids, day, semester_id)
    weeks_of = _school_weeks(calendars, keep)
    groups = _by_calendar(calendars)
    this: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    prev: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    n_weeks = n_prev = current = 0
    running = False
    starts: dict[int, date] = {}
    prev_starts: dict[int, date] = {}
    for cal, ids in groups.items():
        n = week_count(cal.starts_on, cal.ends_on)
        n_weeks = max(n_weeks, n)
        now_week = min(max(week_of(cal.starts_on, day), 0), n) if day >= cal.starts_on else 0
        current = max(current, now_week)
        running = running or cal.starts_on <= day <= cal.ends_on
        for k in range(1, n + 1):
            starts.setdefault(k, max(cal.starts_on, _monday(cal.starts_on) + timedelta(7 * k - 7)))
        if cal.previous is not None:
            np = week_count(*cal.previous)
            n_prev = max(n_prev, np)
            for k in range(1, np + 1):
                first = _monday(cal.previous[0]) + timedelta(7 * k - 7)
                prev_starts.setdefault(k, max(cal.previous[0], first))
        for school_id in ids:
            for week, (contacts, visits) in weeks_of[school_id].items():
                target = this if week > 0 else prev
                target[abs(week)][0] += contacts
                target[abs(week)][1] += visits
    names = {name for _cal, name, _p in calendars.values()}
    prev_names = {p for _cal, _n, p in calendars.values() if p}
    trend = Trend(
        semester_name=names.pop() if len(names) == 1 else "",
        previous_name=(prev_names.pop() if len(prev_names) == 1 else "") if prev_names else None,
        current_week=current,
        schools=len(calendars),
        running=running,
    )
    for k in range(1, max(n_weeks, n_prev) + 1):
        begun = k <= min(current, n_weeks)
        has_prev = k <= n_prev
        trend.weeks.append(
            WeekRow(
                week=k,
                starts_on=starts.get(k),
                contacts=this[k][0] if begun else None,
                home_visits=this[k][1] if begun else None,
                previous_starts_on=prev_starts.get(k),
                previous_contacts=prev[k][0] if has_prev else None,
                previous_home_visits=prev[k][1] if has_prev else None,
            )
        )
    return trend


def school_trend(
    school_id: int,
    day: date,
    semester_id: int | None = None,
    *,
    period: rules.Period | None = None,
    semesters=None,
    keep: bool = True,
) -> Trend | None:
    """The school's contacts and door visits by week of its current semester (the one
    `rules.period_for` picks on `day`), or of its semester `semester_id` (one of the school's:
    the caller checks), beside the semester before it; None without a semester. A caller that
    holds the school's `period` and all its `semesters` (with their school years loaded) passes
    them: then no query runs but the grouped count, and that only when the school's figures
    moved (the counts are kept under its generation; `keep=False` for a caller whose result
    is kept under the generation already: the count runs, nothing else)."""
    if period is not None:
        semester_id = period.semester_id
        calendars = _calendar_of(period, semesters)
    else:
        calendars = None
    trend = _trend([school_id], day, semester_id, calendars, keep=keep)
    return trend if trend.schools else None


def district_trend(school_ids, day: date) -> Trend | None:
    """The sum over the schools `school_ids` of their weeks (each school's week k of its own
    current and previous semesters); None when no school has a semester. Three queries for the
    calendars, and a grouped count per calendar of the schools whose figures moved since
    their counts were kept."""
    ids = sorted(school_ids)
    if not ids:
        return None
    trend = _trend(ids, day)
    return trend if trend.schools else None
