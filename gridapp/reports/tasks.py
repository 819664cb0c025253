"""The reports' periodic work: every school's coverage snapshot kept fresh (reports.snapshots)."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from gridapp.core.tasks import periodic, task


@periodic(crontab(minute="*/3"), every=timedelta(minutes=3))
def refresh_coverage_snapshots() -> int:
    """Every three minutes: recompute each school's coverage totals, so the district's ranking
    reads figures at most a few minutes old without computing them (issue 17)."""
    from gridapp.core.time import today
    from gridapp.reports import snapshots

    return snapshots.refresh_all(today())


@task()
def refresh_schools(school_ids: list[int]) -> int:
    """Recompute the snapshots of the schools a page could not compute in its time (those
    still stale when the task runs; reports.snapshots.school_figures); returns how many."""
    from gridapp.core.time import today
    from gridapp.reports import snapshots

    return len(snapshots.school_figures(school_ids, today()))
