"""Background work gives one result however often and by however many consumers it runs
(issue 22, item 2): the reception reminder run twice at the same moment (two Huey consumers)
tells each parent and host once, and the periodic task runs once a period."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from gridapp.core.notices import Notice
from gridapp.core.time import SHANGHAI, today
from gridapp.extensions import db
from gridapp.reception import services
from gridapp.reception.tasks import remind_reception

from ..concurrency import race

pytestmark = pytest.mark.commits

# The world's reception day is on Monday 30 November 2026 (a week after the tests' clock).
THE_DAY_BEFORE = datetime(2026, 11, 29, 18, 0, tzinfo=SHANGHAI)


def _reminders(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Notice.id)).where(
                Notice.user_id == user_id, Notice.text.contains("明天")
            )
        )


def test_two_reminder_runs_at_once_tell_each_parent_and_host_once(app, world, time_machine):
    time_machine.move_to(THE_DAY_BEFORE)

    def remind():
        return services.remind_tomorrow(today())

    results = race(app, remind, remind)
    assert sorted(results) == [0, 1]
    assert _reminders(app, world.parent) == 1
    assert _reminders(app, world.principal) == 1
    # And once more, later the same evening: nothing new.
    with app.app_context():
        assert services.remind_tomorrow(today()) == 0
        db.session.commit()
    assert _reminders(app, world.parent) == 1 and _reminders(app, world.principal) == 1


def test_two_consumers_run_the_periodic_reminder_once_a_period(app, world, time_machine):
    time_machine.move_to(THE_DAY_BEFORE)
    results = race(app, remind_reception.call_local, remind_reception.call_local)
    assert sorted(results, key=str) == [1, None]  # the other consumer found the period taken
    assert _reminders(app, world.parent) == 1 and _reminders(app, world.principal) == 1
    from gridapp.core.tasks import PeriodicRun

    with app.app_context():
        assert db.session.scalar(select(func.count(PeriodicRun.id))) == 1
    # The next quarter of an hour runs again (and finds nothing left to remind).
    time_machine.move_to(datetime(2026, 11, 29, 18, 16, tzinfo=SHANGHAI))
    assert remind_reception.call_local() == 0
