"""The dashboards' figures (issue 18 items 1 and 9): a class's, a school's, a district's and a
region's, each the sum of the level below, read from the kept snapshots (reports.snapshots):
coverage under each quota rule (the quota engine's result, kept) and the `Extras` beside it
(reports.extras); beside them each school's cases, pairing and reception days
(reports.activity: live grouped queries for all the schools of a page). A school's figure is
the sum over its classes, a district's over its schools,
a region's over its districts or child regions: shares add as met and total, never as averaged
percentages. No page runs the quota engine for many schools: a stale snapshot is recomputed
within the page's time budget, the rest in the background (reports.snapshots.school_figures).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from gridapp.contacts import rules
from gridapp.extensions import db
from gridapp.reports import snapshots
from gridapp.reports.activity import Activity, school_activity
from gridapp.reports.extras import Extras
from gridapp.schools.models import District, Region, School

# ---- sums -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """One row of a dashboard: a class, school, district or region (`kind`, `key`, `name`),
    its coverage (`row`: a `rules.CoverageRow`, shares by rule column), its `extras`, its
    `activity` (cases, pairing, reception days; a class's holds pairing only), how many
    schools and classes it sums (`schools`, `classes`), and the oldest `computed_at` of the
    snapshots it is read from that are not exact (None when all are)."""

    kind: str
    key: int
    name: str
    row: rules.CoverageRow
    extras: Extras = field(default_factory=Extras)
    activity: Activity = field(default_factory=Activity)
    schools: int = 0
    classes: int = 0
    computed_at: datetime | None = None
    # Schools of it not counted: no semester set, or figures still being computed (a page's
    # time budget spent: reports.snapshots hands them to the background).
    left_out: int = 0


def add_up(kind: str, key: int, name: str, parts: Iterable[Figures]) -> Figures:
    """The figures of `parts` added: students, door visits and each share's met and total."""
    parts = list(parts)
    row = rules.total(p.row for p in parts)
    row.key = key
    extras = sum((p.extras for p in parts), Extras())
    activity = sum((p.activity for p in parts), Activity())
    stale = [p.computed_at for p in parts if p.computed_at is not None]
    return Figures(
        kind,
        key,
        name,
        row,
        extras,
        activity,
        schools=sum(p.schools for p in parts),
        classes=sum(p.classes for p in parts),
        computed_at=min(stale, default=None),
        left_out=sum(p.left_out for p in parts),
    )


def school_rows(schools: Iterable[School], day: date, *, live_budget=None) -> list[Figures]:
    """Each school's figures from its snapshot (reports.snapshots.school_figures, totals only:
    one query for a hundred schools) and their `Activity` (reports.activity: a fixed number of
    grouped queries for all of them), in the order given; a school without a semester or whose
    snapshot is pending is left out."""
    schools = list(schools)
    kept = snapshots.school_figures(
        [s.id for s in schools], day, live_budget=live_budget, detail=False
    )
    activity = school_activity([s.id for s in schools if s.id in kept], day).schools
    out = []
    for s in schools:
        f = kept.get(s.id)
        if f is None:
            continue
        out.append(
            Figures(
                "school",
                s.id,
                s.name,
                f.row,
                f.extras,
                activity[s.id],
                schools=1,
                classes=f.class_count,
                computed_at=None if f.exact else f.computed_at,
            )
        )
    return out


def class_rows(
    school_id: int, classes, day: date
) -> tuple[list[Figures], datetime | None, Activity]:
    """Each class of the school with figures in its snapshot, in the order of `classes` (the
    school's classes in grade order), with its pairing figures; when the snapshot was computed
    if not exact; and the school's own `Activity` (its cases and reception days are the
    school's, not a class's)."""
    kept = snapshots.school_figures([school_id], day).get(school_id)
    if kept is None:
        return [], None, Activity()
    activity = school_activity([school_id], day)
    out = [_class_row(c, kept, activity) for c in classes if c.id in kept.classes]
    return out, None if kept.exact else kept.computed_at, activity.schools[school_id]


def _class_row(school_class, kept, activity) -> Figures:
    """One class's row from its school's kept snapshot and the school's activity."""
    return Figures(
        "class",
        school_class.id,
        school_class.name,
        kept.classes[school_class.id],
        kept.class_extras.get(school_class.id, Extras()),
        activity.classes.get(school_class.id, Activity()),
        schools=1,
        classes=1,
    )


def class_figures(
    school_class, day: date
) -> tuple[Figures, dict[int, rules.CoverageRow], datetime | None, Activity] | None:
    """A class's figures (its `activity` the class's pairing), its school's teachers' coverage
    rows (by teacher id), when the snapshot was computed if not exact, and the school's
    `Activity` (cases and reception days, a handful of grouped queries for one school); None
    when the class has no figures (no semester)."""
    kept = snapshots.school_figures([school_class.school_id], day).get(school_class.school_id)
    if kept is None or school_class.id not in kept.classes:
        return None
    activity = school_activity([school_class.school_id], day)
    figure = _class_row(school_class, kept, activity)
    computed_at = None if kept.exact else kept.computed_at
    return figure, kept.teachers, computed_at, activity.schools[school_class.school_id]


def districts_of(region_ids) -> list[District]:
    """The districts directly in the regions `region_ids`, by name."""
    return list(
        db.session.scalars(
            select(District)
            .where(District.region_id.in_(sorted(region_ids)))
            .order_by(District.name, District.id)
        )
    )


def child_regions(region_id: int) -> list[Region]:
    """The regions directly below `region_id`, by name."""
    return list(
        db.session.scalars(
            select(Region).where(Region.parent_id == region_id).order_by(Region.name, Region.id)
        )
    )


def subtree_ids(region_id: int) -> set[int]:
    """`region_id` and every region below it."""
    rows = db.session.execute(select(Region.id, Region.parent_id)).all()
    out, todo = set(), [region_id]
    while todo:
        r = todo.pop()
        if r not in out:
            out.add(r)
            todo.extend(i for i, p in rows if p == r)
    return out


def schools_in(district_ids) -> list[School]:
    """The schools of the districts `district_ids`, by name."""
    if not district_ids:
        return []
    return list(
        db.session.scalars(
            select(School)
            .where(School.district_id.in_(sorted(district_ids)))
            .order_by(School.name, School.id)
        )
    )


def district_rows(districts: list[District], day: date, *, live_budget=None) -> list[Figures]:
    """Each district's figures: the sum over its schools' snapshots (one read for all)."""
    schools = schools_in([d.id for d in districts])
    by_district: dict[int, list[Figures]] = {}
    district_of = {s.id: s.district_id for s in schools}
    for f in school_rows(schools, day, live_budget=live_budget):
        by_district.setdefault(district_of[f.key], []).append(f)
    counted = {d.id: len(by_district.get(d.id, [])) for d in districts}
    out = []
    for d in districts:
        row = add_up("district", d.id, d.name, by_district.get(d.id, []))
        row.left_out = sum(1 for s in schools if s.district_id == d.id) - counted[d.id]
        out.append(row)
    return out


def region_rows(region: Region, day: date, *, live_budget=None) -> list[Figures]:
    """The rows of a region's dashboard: each child region (the sum over the districts of its
    subtree), then each district directly in the region, each summed from its schools. One
    snapshot read for the whole subtree."""
    children = child_regions(region.id)
    subtrees = {c.id: subtree_ids(c.id) for c in children}
    all_regions = set().union(*subtrees.values()) | {region.id}
    districts = districts_of(all_regions)
    figures = {f.key: f for f in district_rows(districts, day, live_budget=live_budget)}
    out = []
    for c in children:
        parts = [figures[d.id] for d in districts if d.region_id in subtrees[c.id]]
        out.append(add_up("region", c.id, c.name, parts))
    out += [figures[d.id] for d in districts if d.region_id == region.id]
    return out
