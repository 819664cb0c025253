"""A request's writes are one transaction on both databases: nothing written inside a
SAVEPOINT (the "at most one" helpers of core/unique.py use them) outlives a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.schools.models import District


@pytest.mark.commits
def test_a_savepoint_that_opens_the_transaction_is_rolled_back_with_it(app):
    """On SQLite, Python's sqlite3 sends no BEGIN before a SAVEPOINT, so a SAVEPOINT that
    opened the transaction committed at its RELEASE: a request that failed afterwards kept
    what was written inside it."""
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(District))
        db.session.rollback()  # the count's read is over; the next statement opens anew
        with db.session.begin_nested():
            db.session.add(District(name="临时区", code="990001"))
        db.session.rollback()  # the request fails after the savepoint
        after = db.session.scalar(select(func.count()).select_from(District))
        db.session.remove()
    assert after == before
