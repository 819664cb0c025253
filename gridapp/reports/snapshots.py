"""Each school's coverage kept for the pages that read it often (issue 17): the district's
ranking reads a hundred rows instead of running the quota engine a hundred times, and a school's
coverage page reads one row instead of computing every class and teacher.

Freshness: a snapshot serves when it was computed for today and for the semester current today,
and either at the school's generation still (`core.generations`: nothing it is computed from has
changed since, so it is exact, however old) or at most `FIGURES_MAX_AGE` seconds ago (5 minutes
by default); otherwise the page computes that school live and keeps the result. The background task (`reports.tasks`) refreshes
every school's snapshot every few minutes, so pages rarely compute. The pages say when the
figures they show were computed. The live engine (`contacts.rules`) stays the one definition:
a snapshot is only its result, stored."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import defer

from gridapp.contacts import rules
from gridapp.core import generations
from gridapp.core.time import now
from gridapp.core.unique import one_row
from gridapp.extensions import db
from gridapp.reports.extras import Extras, class_extras
from gridapp.reports.models import CoverageSnapshot
from gridapp.schools.models import School


@dataclass
class SchoolFigures:
    """A school's coverage: `row` its total (`rules.CoverageRow`, key = school id), `classes`
    and `teachers` the rows of its coverage page by id, `computed_at` when computed, `exact`
    whether nothing it is computed from has changed since (the pages then need not say when)."""

    row: rules.CoverageRow
    computed_at: datetime
    classes: dict[int, rules.CoverageRow] = field(default_factory=dict)
    teachers: dict[int, rules.CoverageRow] = field(default_factory=dict)
    exact: bool = False
    # The dashboards' figures beside coverage (reports.extras): the school's total, each
    # class's (with `classes`), and how many classes have coverage.
    extras: Extras = field(default_factory=Extras)
    class_extras: dict[int, Extras] = field(default_factory=dict)
    class_count: int = 0


def live_row(school_id: int, day: date) -> tuple[rules.CoverageRow, int] | None:
    """The school's totals from the live engine for the semester current on `day`, with that
    semester's id; None when the school has no semester."""
    period = rules.period_for(school_id, day)
    if period is None:
        return None
    row = rules.total(rules.class_coverage(period).values())
    row.key = school_id
    return row, period.semester_id


def _dump(row: rules.CoverageRow) -> dict:
    return {
        "students": row.students,
        "home_visits": row.home_visits,
        "contacts": row.contacts,
        "entries": row.entries,
        "late_entries": row.late_entries,
        "follow_ups_overdue": row.follow_ups_overdue,
        "shares": {k: [s.met, s.total, s.late] for k, s in row.shares.items()},
    }


def _load(key: int, data: dict) -> rules.CoverageRow:
    return rules.CoverageRow(
        key=key,
        students=data["students"],
        home_visits=data.get("home_visits", 0),
        contacts=data.get("contacts", 0),
        entries=data.get("entries", 0),
        late_entries=data.get("late_entries", 0),
        follow_ups_overdue=data.get("follow_ups_overdue", 0),
        shares={k: rules.Share(*v) for k, v in data["shares"].items()},
    )


def _figures(snap: CoverageSnapshot, detail: bool, exact: bool) -> SchoolFigures:
    """The snapshot's figures; with `detail`, its classes' and teachers' rows, read from the row
    (two more columns) once per process for each computed snapshot (it never changes)."""
    row = rules.CoverageRow(
        key=snap.school_id,
        students=snap.students,
        home_visits=snap.home_visits,
        shares={k: rules.Share(*v) for k, v in snap.shares.items()},
    )
    extras = snap.extras or {}
    totals, count = Extras.load(extras.get("total")), int(extras.get("classes", 0))
    if not detail:
        return SchoolFigures(row, snap.computed_at, exact=exact, extras=totals, class_count=count)
    classes, teachers, per_class = generations.cached(
        ("coverage_snapshot", snap.school_id, snap.computed_at.isoformat()),
        lambda: (
            {int(k): _load(int(k), v) for k, v in snap.classes.items()},
            {int(k): _load(int(k), v) for k, v in snap.teachers.items()},
            {int(k): Extras.load(v.get("extras")) for k, v in snap.classes.items()},
        ),
    )
    return SchoolFigures(
        row, snap.computed_at, classes, teachers, exact, totals, per_class, len(classes)
    )


def store(school_id: int, day: date) -> SchoolFigures | None:
    """Compute school `school_id`'s coverage live (classes, teachers, total) and keep it (one
    row per school, replaced); None when the school has no semester. The caller commits."""
    generation = generations.generation(school_id)  # read first: the figures are no older
    period = rules.period_for(school_id, day)
    if period is None:
        return None
    classes = rules.class_coverage(period)
    teachers = rules.teacher_coverage(period)
    row = rules.total(classes.values())
    row.key = school_id
    # The dashboards' figures of the classes with coverage; the school's is their sum.
    extras = {k: v for k, v in class_extras(period).items() if k in classes}
    total_extras = sum(extras.values(), Extras())
    at = now()
    values = {
        "generation": generation,
        "semester_id": period.semester_id,
        "day": day,
        "computed_at": at,
        "students": row.students,
        "home_visits": row.home_visits,
        "shares": _dump(row)["shares"],
        "classes": {
            str(k): _dump(v) | {"extras": extras.get(k, Extras()).dump()}
            for k, v in classes.items()
        },
        "teachers": {str(k): _dump(v) for k, v in teachers.items()},
        "extras": {"total": total_extras.dump(), "classes": len(classes)},
    }
    snap, created = one_row(
        CoverageSnapshot,
        {"school_id": school_id},
        lambda: CoverageSnapshot(school_id=school_id, **values),
    )
    if not created:
        for key, value in values.items():
            setattr(snap, key, value)
    db.session.flush()
    return SchoolFigures(
        row,
        at,
        classes,
        teachers,
        exact=not generations.uncommitted_changes(),
        extras=total_extras,
        class_extras={k: extras.get(k, Extras()) for k in classes},
        class_count=len(classes),
    )


def computed_at(school_id: int) -> datetime | None:
    """When the school's kept snapshot was computed (None: none kept): one indexed read, the
    key of what is built on it (reports.coverage_views keeps a page per snapshot)."""
    return db.session.scalar(
        select(CoverageSnapshot.computed_at).where(CoverageSnapshot.school_id == school_id)
    )


def max_age() -> timedelta:
    """How old a snapshot may be and still serve (config FIGURES_MAX_AGE, seconds)."""
    return timedelta(seconds=current_app.config.get("FIGURES_MAX_AGE", 300))


def school_figures(
    school_ids, day: date, *, live_budget: float | None = None, detail: bool = True
) -> dict[int, SchoolFigures]:
    """Each school's coverage (schools without a semester are left out): its snapshot when
    fresh (module docstring), else computed live now and kept. One query for the snapshots and
    one for the schools' semesters, plus the engine's few queries for each school that had none
    fresh.

    `live_budget` (seconds) bounds the live computing of one call (a page over a hundred
    schools must answer): once spent, a school whose snapshot is stale but of today and its
    semester is served as it is (its `computed_at` tells), one without any is left out, and
    both are handed to the background (`reports.tasks.refresh_schools`). Without `detail` only
    the totals are read (the district's ranking: the classes' and teachers' rows of a hundred
    schools cost 350 ms to load at district scale)."""
    ids = sorted(school_ids)
    if not ids:
        return {}
    oldest = now() - max_age()
    query = (
        select(CoverageSnapshot)
        .where(CoverageSnapshot.school_id.in_(ids))
        .options(defer(CoverageSnapshot.classes), defer(CoverageSnapshot.teachers))
    )
    snaps = {s.school_id: s for s in db.session.scalars(query)}
    current = rules.current_semester_ids(ids, day)
    now_at = generations.generations(ids)
    if generations.uncommitted_changes():  # this transaction's writes: no snapshot is exact
        now_at = {i: -1 for i in ids}
    out: dict[int, SchoolFigures] = {}
    deferred: list[int] = []
    started = time.monotonic()
    for school_id in ids:
        snap = snaps.get(school_id)
        usable = (
            snap is not None
            and snap.day == day
            and snap.semester_id == current.get(school_id)
            and snap.extras is not None  # kept before the dashboards' figures: recomputed
        )
        exact = usable and snap.generation == now_at[school_id]
        if exact or (usable and snap.computed_at > oldest):
            out[school_id] = _figures(snap, detail, exact)
            continue
        if live_budget is not None and time.monotonic() - started >= live_budget:
            if usable:
                out[school_id] = _figures(snap, detail, exact=False)
            if school_id in current:
                deferred.append(school_id)
            continue
        fresh = store(school_id, day)
        if fresh is not None:
            out[school_id] = fresh
    if deferred:
        from gridapp.reports.tasks import refresh_schools

        refresh_schools(deferred)
    return out


def kept_totals(school_ids, day: date) -> dict[int, SchoolFigures]:
    """Each school's kept totals without computing any (`school_figures` with no live budget
    and no detail): a home page, loaded at every login, reads what the background keeps. A
    school whose snapshot is of an earlier day or semester is left out, and a stale one is
    served as it is (its `computed_at` tells); both are handed to the background. A fixed
    number of queries whatever the number of schools."""
    return school_figures(school_ids, day, live_budget=0.0, detail=False)


def refresh_all(day: date) -> int:
    """Recompute the snapshot of every school whose figures may have changed since (the
    background task): not one computed today, for the current semester, at the school's
    generation still. Returns how many schools have a snapshot of today."""
    ids = db.session.scalars(select(School.id).order_by(School.id)).all()
    kept = db.session.execute(
        select(
            CoverageSnapshot.school_id,
            CoverageSnapshot.day,
            CoverageSnapshot.semester_id,
            CoverageSnapshot.generation,
        ).where(CoverageSnapshot.extras.is_not(None))
    )
    kept = {r.school_id: r for r in kept}
    current = rules.current_semester_ids(ids, day)
    now_at = generations.generations(ids)
    if generations.uncommitted_changes():  # this transaction's writes: recompute every school
        now_at = {i: -1 for i in ids}
    n = 0
    for school_id in ids:
        k = kept.get(school_id)
        still = (day, current.get(school_id), now_at[school_id])
        if (k is not None and (k.day, k.semester_id, k.generation) == still) or store(
            school_id, day
        ) is not None:
            n += 1
    return n
