"""Test fixtures: the app on SQLite or PostgreSQL, a clean database per test, a standard world."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

# Before gridapp is imported: Huey runs tasks inline, and nothing is written to the real instance/.
os.environ["GRIDAPP_HUEY_IMMEDIATE"] = "1"
_TMP = Path(tempfile.mkdtemp(prefix="gridapp-test-"))
os.environ.setdefault("GRIDAPP_INSTANCE", str(_TMP / "instance"))

import pytest  # noqa: E402

from gridapp.core import time as _gtime  # noqa: E402

# Date rules (semesters, deadlines) are tested on a fixed day inside the world's first semester.
_gtime.FIXED_TODAY = date(2026, 11, 23)
from sqlalchemy import text  # noqa: E402

from gridapp.accounts.services import find_by_username  # noqa: E402
from gridapp.app import create_app  # noqa: E402
from gridapp.config import TestConfig  # noqa: E402
from gridapp.extensions import db as _db  # noqa: E402
from gridapp.extensions import limiter, login_manager  # noqa: E402

from .factories import TEST_PASSWORD  # noqa: E402
from .world import build_world  # noqa: E402


def database_url() -> str:
    if os.environ.get("GRIDAPP_TEST_DB") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            raise RuntimeError("GRIDAPP_TEST_DB=postgresql needs TEST_DATABASE_URL")
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{_TMP / 'test.db'}"


@pytest.fixture(scope="session")
def app():
    return create_app(TestConfig)


def pytest_configure(config):
    TestConfig.SQLALCHEMY_DATABASE_URI = database_url()


@pytest.fixture(scope="session", autouse=True)
def _schema(app):
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


_RESTART_SEQUENCES = text(
    """DO $$ DECLARE s record; BEGIN
      FOR s IN SELECT sequence_schema, sequence_name FROM information_schema.sequences
               WHERE sequence_schema = current_schema() LOOP
        EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.sequence_schema, s.sequence_name);
      END LOOP; END $$"""
)


def _truncate(app) -> None:
    with app.app_context():
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # DELETE and restarting the sequences: 17 ms a test, where TRUNCATE of the
                # 47 tables took 125 ms (measured on these machines).
                conn.exec_driver_sql("; ".join(f'DELETE FROM "{t}"' for t in tables))
                conn.execute(_RESTART_SEQUENCES)
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def _clean(app):
    limiter.reset()
    yield
    _truncate(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two schools of one district (and a school of another), their staff, classes and families."""
    with app.app_context():
        return build_world()


@pytest.fixture
def login(app, client):
    """Sign `username` in without the login form: Flask-Login's session keys written directly.

    Tests about signing in post to /login themselves (tests/accounts/test_login.py)."""

    def do(username: str | None, password: str = TEST_PASSWORD):
        if username is None:
            return None
        assert password == TEST_PASSWORD, "sign in with another password through POST /login"
        with app.app_context():
            user = find_by_username(username)
            assert user is not None and user.active, f"login as {username} failed: no such user"
            user_id = user.get_id()
            _db.session.rollback()
        # The identifier Flask-Login's session protection compares, for this client's requests.
        with app.test_request_context(environ_base=client.environ_base):
            identifier = login_manager._session_identifier_generator()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
            session["_id"] = identifier
        return None

    return do


@pytest.fixture
def ctx(app):
    """An application context for reading or writing the database inside a test."""
    with app.app_context():
        yield _db.session
