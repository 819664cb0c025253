"""The closed loop's background work gives one result however often and by however many
consumers it runs (issue 22, item 2): deadline reminders and escalations written once, letters
without a case opened once, the periodic task run once a period."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gridapp.cases import mailbox, services
from gridapp.cases.models import Case, CaseCategory, CaseEvent
from gridapp.cases.tasks import check_cases
from gridapp.extensions import db

from ..concurrency import race

pytestmark = pytest.mark.commits


def _events(app, case_id: int, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(CaseEvent.id)).where(
                CaseEvent.case_id == case_id, CaseEvent.action == action
            )
        )


def test_two_deadline_checks_at_once_remind_and_escalate_once(app, world):
    # The world's case is due Monday 30 November: Friday is the working day before.
    results = race(app, lambda: services.check_deadlines(date(2026, 11, 27)),
                   lambda: services.check_deadlines(date(2026, 11, 27)))  # fmt: skip
    assert sorted(r["reminded"] for r in results) == [0, 1]
    assert _events(app, world.case, "remind") == 1
    results = race(app, lambda: services.check_deadlines(date(2026, 12, 1)),
                   lambda: services.check_deadlines(date(2026, 12, 1)))  # fmt: skip
    assert sorted(r["principal"] for r in results) == [0, 1]
    assert _events(app, world.case, "escalate") == 1
    with app.app_context():
        assert db.session.get(Case, world.case).escalation == 1


def test_letters_without_a_case_opened_by_two_runs_get_one_case_each(app, world):
    with app.app_context():
        for i in range(3):
            data = mailbox.LetterData(
                school_id=world.school_a, category=CaseCategory.SAFETY, subject=f"来信{i}",
                content="放学时车辆太多。", anonymous=True,
            )  # fmt: skip
            mailbox.store_letter(data)
        db.session.commit()
    results = race(app, mailbox.open_missing_cases, mailbox.open_missing_cases)
    assert sum(results) == 3
    with app.app_context():
        assert mailbox.open_missing_cases() == 0
        assert db.session.scalar(select(func.count(Case.id)).where(Case.source == "mailbox")) == 3


def test_two_consumers_run_the_periodic_check_once_a_period(app, world):
    results = race(app, check_cases.call_local, check_cases.call_local)
    assert [r for r in results if r is not None] and None in results
