"""The suite's isolation (tests/conftest.py): the app's commits inside a test are savepoint
releases, invisible to other connections and undone afterwards; the clock is frozen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from gridapp.accounts.models import User
from gridapp.core.time import today
from gridapp.extensions import db


def test_a_commit_in_a_test_is_not_a_real_commit(app, world):
    with app.app_context():
        db.session.get(User, world.head_teacher).name = "改过的名字"
        db.session.commit()
        assert db.session.get(User, world.head_teacher).name == "改过的名字"
        # Another connection of the engine sees only what was really committed.
        with db.engine.connect() as other:
            name = other.scalar(
                text("SELECT name FROM users WHERE id = :id"), {"id": world.head_teacher}
            )
    assert name != "改过的名字"


def test_a_test_without_the_world_starts_empty(ctx):
    assert ctx.scalar(text("SELECT count(*) FROM users")) == 0


def test_the_clock_is_the_worlds_monday():
    assert today() == date(2026, 11, 23)
