"""The district ranking's kept totals (reports.snapshots, issue 17): exact while the school's
generation has not moved (core.generations), else served while at most FIGURES_MAX_AGE old and
computed for today, recomputed after, the time of computation on the page; the background task
refreshes every school whose figures may have changed."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from sqlalchemy import func, select

from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.reports import snapshots
from gridapp.reports.models import CoverageSnapshot
from gridapp.reports.tasks import refresh_coverage_snapshots

from ..world import home_visit

TODAY = date(2026, 11, 23)


def _home_visits_shown(client) -> str:
    return client.get("/district/coverage").get_data(as_text=True)


def _visit(world):
    home_visit(world, TODAY)
    db.session.commit()


def test_the_ranking_serves_kept_totals_for_five_minutes_then_recomputes(app, client, login, world):
    login(world.district_supervisor_name)
    # Computed now, nothing changed since: exact, no time to tell.
    assert "数据计算于" not in _home_visits_shown(client)
    with app.app_context():
        first = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
        assert first.exact
        _visit(world)
        kept = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
        # Within five minutes: the kept figures, as computed then, and said so.
        assert kept.computed_at == first.computed_at and not kept.exact
        assert kept.row.home_visits == first.row.home_visits
    assert "数据计算于" in _home_visits_shown(client)
    with time_machine.travel(now() + timedelta(minutes=6), tick=False):
        with app.app_context():
            later = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
            assert later.row.home_visits == first.row.home_visits + 1
            assert later.computed_at > first.computed_at and later.exact
        assert client.get("/district/coverage").status_code == 200


def test_an_exact_snapshot_serves_however_old(app, world):
    with app.app_context():
        first = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
        db.session.commit()
    with time_machine.travel(now() + timedelta(hours=2), tick=False), app.app_context():
        again = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
        assert again.computed_at == first.computed_at and again.exact


def test_the_background_task_recomputes_only_the_schools_that_changed(app, world):
    with app.app_context():
        snapshots.refresh_all(TODAY)
        db.session.commit()
        before = dict(
            db.session.execute(
                select(CoverageSnapshot.school_id, CoverageSnapshot.computed_at)
            ).all()
        )
        _visit(world)  # school A changes; school B does not
    with time_machine.travel(now() + timedelta(minutes=1), tick=False), app.app_context():
        snapshots.refresh_all(TODAY)
        db.session.commit()
        after = dict(
            db.session.execute(
                select(CoverageSnapshot.school_id, CoverageSnapshot.computed_at)
            ).all()
        )
    assert after[world.school_a] > before[world.school_a]
    assert after[world.school_b] == before[world.school_b]


def test_a_snapshot_of_another_day_is_not_served(app, world):
    with app.app_context():
        snapshots.school_figures([world.school_a], TODAY - timedelta(days=1))
        db.session.commit()
        again = snapshots.school_figures([world.school_a], TODAY)[world.school_a]
        snap = db.session.scalar(
            select(CoverageSnapshot).where(CoverageSnapshot.school_id == world.school_a)
        )
        assert snap.day == TODAY and again.computed_at == snap.computed_at


def test_the_background_task_refreshes_every_school_once_per_period(app, world, time_machine):
    # Both runs inside one three-minute period whatever the wall clock (CI once saw the two
    # calls straddle a period's end, and the second ran).
    from datetime import UTC, datetime

    start = datetime.now(UTC).replace(second=1, microsecond=0)
    time_machine.move_to(start.replace(minute=start.minute - start.minute % 3), tick=False)
    with app.app_context():
        schools = db.session.scalar(select(func.count()).select_from(CoverageSnapshot))
        assert schools == 0
    first = refresh_coverage_snapshots.call_local()
    assert first >= 2  # the world's schools with a semester
    # A second consumer in the same three minutes does nothing (core.tasks.periodic).
    assert refresh_coverage_snapshots.call_local() is None
    with app.app_context():
        kept = db.session.scalar(select(func.count()).select_from(CoverageSnapshot))
        assert kept == first


def test_past_its_time_budget_the_ranking_serves_kept_figures_and_hands_the_rest_over(app, world):
    """A page over many schools computes for at most `live_budget` seconds: beyond it a stale
    snapshot of today is served as it is, a school without one is left out, and both go to the
    background task (run inline in tests, so the next read finds them fresh)."""
    ids = [world.school_a, world.school_b]
    with app.app_context():
        first = snapshots.school_figures(ids, TODAY, live_budget=0)
        assert first == {}  # nothing computed in the request…
        db.session.commit()
        again = snapshots.school_figures(ids, TODAY, live_budget=0)
        assert set(again) == set(ids)  # …the background did it
        kept_at = again[world.school_a].computed_at
        _visit(world)
    with time_machine.travel(now() + timedelta(minutes=6), tick=False), app.app_context():
        stale = snapshots.school_figures(ids, TODAY, live_budget=0)
        assert stale[world.school_a].computed_at == kept_at  # served as kept
        db.session.commit()
        fresh = snapshots.school_figures(ids, TODAY, live_budget=0)
        assert fresh[world.school_a].computed_at > kept_at


def test_the_school_page_kept_on_a_stale_snapshot_gives_way_to_the_refreshed_one(
    app, client, login, world
):
    """The school's coverage page is kept per snapshot: after a write it serves the stale one
    (said so) and keeps that page; once the background refresh recomputes, the next view shows
    the new figures, not the page kept on the old snapshot."""
    login(world.principal_name)
    url = f"/schools/{world.school_a}/coverage"
    assert "数据计算于" not in client.get(url).get_data(as_text=True)
    with app.app_context():
        _visit(world)

    def main_part(r) -> str:  # the page's content (the layout's CSRF token changes each second)
        return r.get_data(as_text=True).split("<main", 1)[1]

    stale = main_part(client.get(url))
    assert "数据计算于" in stale and main_part(client.get(url)) == stale
    with app.app_context():
        snapshots.refresh_all(TODAY)
        db.session.commit()
    assert "数据计算于" not in client.get(url).get_data(as_text=True)
