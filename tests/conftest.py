"""Test fixtures: the app on SQLite or PostgreSQL (a database per xdist worker), the standard
world built once per session, and each test inside a transaction rolled back afterwards.

Isolation. The world is built and committed once per worker. A test then runs on one
connection inside an outer transaction; the app's sessions join it with a SAVEPOINT each
(SQLAlchemy's "join_transaction_mode='create_savepoint'"), so the app's commits release
savepoints and the outer rollback undoes everything the test did. Tests that need real commits
seen by another connection or thread (live servers, races, the browser) are marked `commits`
(`live` and `browser` tests are, automatically): they run on the engine as before and the
database is emptied and the world rebuilt after them. A test that does not ask for the world
starts on an empty database either way. Ids come from sequences that do not roll back: use the
world's ids, never absolute ones.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

# Before gridapp is imported: Huey runs tasks inline, and nothing is written to the real instance/.
os.environ["GRIDAPP_HUEY_IMMEDIATE"] = "1"
_TMP = Path(tempfile.mkdtemp(prefix="gridapp-test-"))
os.environ.setdefault("GRIDAPP_INSTANCE", str(_TMP / "instance"))

import pytest  # noqa: E402
import time_machine  # noqa: E402
from flask import g, has_app_context  # noqa: E402
from sqlalchemy import make_url, text  # noqa: E402

from gridapp.accounts.services import SEEN, find_by_username, start_session  # noqa: E402
from gridapp.app import create_app  # noqa: E402
from gridapp.config import TestConfig  # noqa: E402
from gridapp.core import generations  # noqa: E402
from gridapp.core.time import SHANGHAI  # noqa: E402
from gridapp.extensions import db as _db  # noqa: E402
from gridapp.extensions import limiter, login_manager  # noqa: E402

from .factories import TEST_PASSWORD  # noqa: E402
from .world import build_world  # noqa: E402

# The clock of every test process: Monday 23 November 2026, 10:00 in Shanghai, inside the world's
# first semester, moving on from there (tick) so that instants keep their order. A live server
# runs in the test process and sees the same clock; the browser keeps the real one, which the
# app never compares with (cookies are session cookies, times are the server's). Tests about
# another moment move the clock with time-machine's `time_machine` fixture.
FROZEN_AT = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
_clock = time_machine.travel(FROZEN_AT, tick=True)

_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"… under pytest-xdist


def _postgresql_url() -> str | None:
    if os.environ.get("GRIDAPP_TEST_DB") != "postgresql":
        return None
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        raise RuntimeError("GRIDAPP_TEST_DB=postgresql needs TEST_DATABASE_URL")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _admin_conninfo(url) -> str:
    return url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


def database_url() -> str:
    """SQLite: a file in this process's temporary folder. PostgreSQL: TEST_DATABASE_URL, or
    under xdist a database of the worker's own named after it (created here, dropped at exit)."""
    url = _postgresql_url()
    if url is None:
        return f"sqlite:///{_TMP / 'test.db'}"
    if not _WORKER:
        return url
    import psycopg

    worker_url = make_url(url)
    worker_url = worker_url.set(database=f"{worker_url.database}_{_WORKER}")
    with psycopg.connect(_admin_conninfo(worker_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{worker_url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{worker_url.database}"')
    return worker_url.render_as_string(hide_password=False)


def _drop_worker_databases(url: str) -> None:
    """Drop the databases of this run's workers: the worker's own one when called in a worker;
    in the main process (after every worker has ended), any `<base>_gw<n>` left behind by a
    worker that was stopped before its own clean-up ran."""
    import psycopg

    base = make_url(url)
    with psycopg.connect(_admin_conninfo(base), autocommit=True) as conn:
        if _WORKER:
            names = [base.database]
        else:
            pattern = re.compile(rf"{re.escape(base.database)}_gw\d+")
            rows = conn.execute("SELECT datname FROM pg_database").fetchall()
            names = [name for (name,) in rows if pattern.fullmatch(name)]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_configure(config):
    _clock.start()
    TestConfig.SQLALCHEMY_DATABASE_URI = database_url()
    config.addinivalue_line(
        "markers",
        "commits: real commits seen by other connections or threads; the database is emptied "
        "and the world rebuilt afterwards (live and browser tests are marked automatically)",
    )
    config.addinivalue_line(
        "markers",
        "slow(seconds): a test that takes about `seconds` on one of the CI's 2 workers; the slow "
        "ones run first, spread over the workers (see _slow_first)",
    )


def pytest_unconfigure(config):
    _clock.stop()
    url = _postgresql_url()
    if url is not None:
        _drop_worker_databases(TestConfig.SQLALCHEMY_DATABASE_URI if _WORKER else url)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("live") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.commits)
    items[:] = _slow_first(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1))


def _slow_first(items: list, workers: int) -> list:
    """The items reordered so that each xdist worker starts with its share of the `slow` ones.

    pytest-xdist's worksteal scheduler hands worker i the i-th contiguous slice of the
    collection (slice sizes: what is left // workers left) and an idle worker later steals the
    tail of another's queue. A 25 s test near the end of a slice kept one worker busy while the
    other had nothing left. So the slow tests (marker `slow(seconds)`) are dealt out longest
    first to the worker with the least so far, each at the head of its slice; the other tests
    keep their order. Every worker computes the same order (xdist checks it)."""
    weight = {}
    for item in items:
        marker = item.get_closest_marker("slow")
        if marker is not None:
            weight[item.nodeid] = float(marker.args[0] if marker.args else 10)
    if not weight or workers < 1:
        return items
    slow = sorted((i for i in items if i.nodeid in weight), key=lambda i: -weight[i.nodeid])
    rest = [i for i in items if i.nodeid not in weight]
    heads: list[list] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in slow:
        n = loads.index(min(loads))
        heads[n].append(item)
        loads[n] += weight[item.nodeid]
    if max(len(head) for head in heads) > len(items) // workers:  # a run of a few tests
        return slow + rest
    ordered, left = [], len(items)
    for n in range(workers):
        size = left // (workers - n)
        take = max(0, size - len(heads[n]))
        ordered += heads[n] + rest[:take]
        rest = rest[take:]
        left -= len(heads[n]) + take
    return ordered + rest


@pytest.fixture(scope="session")
def app():
    return create_app(TestConfig)


# The session class of Flask-SQLAlchemy picks the app's engine itself; while a test runs inside
# the outer transaction, its sessions are bound to that test's connection instead.
_SessionClass = _db.session.session_factory.class_
_engine_bind = _SessionClass.get_bind


def _get_bind(self, *args, **kwargs):
    if self.bind is not None:
        return self.bind
    return _engine_bind(self, *args, **kwargs)


_SessionClass.get_bind = _get_bind

_state = SimpleNamespace(world=None, rows=None)


def _rebuild_world(app) -> None:
    """The world, built once through the factories; rebuilt after a `commits` test by inserting
    the same rows again (same ids), parents first: 20 ms instead of the factories' 200-350 ms,
    for each of the ~150 such tests of a pass."""
    with app.app_context():
        if _state.rows is None:
            _state.world = build_world()
            _state.rows = _world_rows()
        else:
            _insert_world_rows(_state.rows)
        _db.session.remove()


def _world_rows() -> list[tuple]:
    """Every row of every table, as (table, [row mappings]), in the order to insert them."""
    with _db.engine.connect() as conn:
        return [
            (t, [dict(r) for r in conn.execute(t.select()).mappings()])
            for t in _db.metadata.sorted_tables
        ]


def _insert_world_rows(rows: list[tuple]) -> None:
    with _db.engine.begin() as conn:
        for table, values in rows:
            if values:
                conn.execute(table.insert(), values)
        if conn.dialect.name == "postgresql":
            # Ids go on from the world's, as after the first build.
            for table, values in rows:
                if values and "id" in table.c:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"{max(v['id'] for v in values)})"
                    )


@pytest.fixture(scope="session", autouse=True)
def _schema(app):
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    _rebuild_world(app)
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


def _delete_all(conn) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if conn.dialect.name == "postgresql":
        # DELETE: 17 ms for the 47 tables, where TRUNCATE took 125 ms (measured on these machines).
        conn.exec_driver_sql("; ".join(f'DELETE FROM "{t}"' for t in tables))
    else:
        for table in tables:
            conn.exec_driver_sql(f'DELETE FROM "{table}"')


def _empty_database(app) -> None:
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        _db.session.remove()
        # A live server's request that was still running when the test ended (its thread is a
        # daemon) may commit a row, an audit entry, between two of the DELETEs: start again.
        for attempt in range(3):
            try:
                with _db.engine.begin() as conn:
                    _delete_all(conn)
                    if conn.dialect.name == "postgresql":
                        conn.execute(_RESTART_SEQUENCES)
                return
            except IntegrityError:
                if attempt == 2:
                    raise
                time.sleep(0.5)


@contextlib.contextmanager
def _rolled_back(app):
    """One connection in an outer transaction; every session of the test joins it with a
    SAVEPOINT, so the app's commits release savepoints; all is rolled back at the end."""
    with app.app_context():
        engine = _db.engine
    conn = engine.connect()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's legacy transaction control sends no BEGIN before SELECT or SAVEPOINT, so a
        # released savepoint would not belong to the outer transaction. Hand BEGIN to us
        # (SQLAlchemy's SQLite docs, "Enabling Non-Legacy SQLite Transactional Modes").
        conn.connection.dbapi_connection.isolation_level = None
    outer = conn.begin()
    if sqlite:
        conn.exec_driver_sql("BEGIN")
    factory = _db.session.session_factory
    factory.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield conn
    finally:
        factory.kw.pop("bind", None)
        factory.kw.pop("join_transaction_mode", None)
        outer.rollback()
        if sqlite:
            conn.connection.dbapi_connection.isolation_level = ""
        conn.close()


class _LimiterFallback(logging.Handler):
    """Flask-Limiter's word that it took its storage for unreachable: from then on it counts in
    a memory of its own that `limiter.reset()` does not clear, and a later test of the same
    worker finds limits it never used up (CI saw 429s after an oversized sign-in)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "falling back" in record.getMessage():
            self.seen.append(record.getMessage())


_limiter_fallback = _LimiterFallback()
logging.getLogger("flask-limiter").addHandler(_limiter_fallback)


@pytest.fixture(autouse=True)
def _isolation(request, app):
    limiter.reset()
    _limiter_fallback.seen.clear()
    yield from _isolated(request, app)
    # A redis-less limiter falls back only when something raised inside its check (a key
    # function): that is a fault of the app, and it would leak into the tests after this one.
    assert not _limiter_fallback.seen, _limiter_fallback.seen


def _isolated(request, app):
    generations.forget_kept()
    wants_world = "world" in request.fixturenames
    if request.node.get_closest_marker("commits"):
        if not wants_world:
            _empty_database(app)
        try:
            yield
        finally:
            _empty_database(app)
            _rebuild_world(app)
    else:
        with _rolled_back(app) as conn:
            if not wants_world:
                _delete_all(conn)
            yield
            # Sessions the test left open (app contexts it pushed itself) end before the rollback.
            _close_sessions()


def _close_sessions() -> None:
    sessions = _db.session.registry.registry  # app context id -> session
    for session in list(sessions.values()):
        session.close()
    sessions.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    """Two schools of one district (and a school of another), their staff, classes and families:
    ids and usernames (tests/world.py), built once per session."""
    return SimpleNamespace(**vars(_state.world))


@pytest.fixture
def login(app, client):
    """Sign `username` in without the login form: Flask-Login's session keys written directly.

    Tests about signing in post to /login themselves (tests/accounts/test_login.py)."""

    def do(username: str | None, password: str = TEST_PASSWORD):
        if username is None:
            return None
        with app.app_context():
            user = find_by_username(username)
            assert user is not None and user.active, f"login as {username} failed: no such user"
            start_session(user)  # the server-side session a real sign-in starts
            _db.session.commit()
            user_id = user.get_id()
        # The identifier Flask-Login's session protection compares, for this client's requests.
        with app.test_request_context(environ_base=client.environ_base):
            identifier = login_manager._session_identifier_generator()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
            session["_id"] = identifier
            session[SEEN] = int(time.time())
        if has_app_context():
            # Requests made inside the test's own app context share its `g`, where Flask-Login
            # keeps the user it loaded; a real sign-in replaces it, so forget it here.
            g.pop("_login_user", None)
        return None

    return do


@pytest.fixture
def ctx(app):
    """An application context for reading or writing the database inside a test."""
    with app.app_context():
        yield _db.session
