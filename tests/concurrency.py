"""Two requests at the same moment, made reproducible: each runs in its own thread, application
context and database connection, and both are held just before their first write until the
other has got there too, so both have done every check ("is there one already?") before either
writes. A rule held only by such a check lets both through; a rule the database holds does not.
Tests that use it are marked `commits` (the threads must see each other's commits)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from sqlalchemy import event

from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.extensions import db

WRITES = ("INSERT", "UPDATE", "DELETE")


def race(app, *actions: Callable[[], object], timeout: float = 10) -> list:
    """Run each action (a function called inside its own app context, which commits on success
    and rolls back on a RuleViolation or IllegalTransition) in a thread of its own, all of them
    held at their first write until every one has reached it (or `timeout` seconds passed:
    an action that writes nothing does not hold the others for long). Returns, per action, its
    result, or the RuleViolation / IllegalTransition it raised."""
    barrier = threading.Barrier(len(actions), timeout=timeout)
    local = threading.local()
    racing: set[int] = set()

    def hold(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() not in racing or getattr(local, "held", False):
            return
        if statement.lstrip().upper().startswith(WRITES):
            local.held = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    results: list = [None] * len(actions)

    def run(i: int, action) -> None:
        racing.add(threading.get_ident())
        with app.app_context():
            try:
                results[i] = action()
                db.session.commit()
            except (RuleViolation, IllegalTransition) as e:
                db.session.rollback()
                results[i] = e
            except BaseException as e:  # noqa: BLE001 (handed to the test, which fails on it)
                db.session.rollback()
                results[i] = e
            finally:
                # A thread that ends early must not keep the others waiting at the barrier.
                if not getattr(local, "held", False):
                    barrier.abort()
                db.session.remove()

    def hold_at_savepoint(conn, name):
        # SQLite: the app opens a savepoint's transaction with BEGIN IMMEDIATE (gridapp/app.py),
        # which takes the database's write lock before any statement this hook sees: a thread
        # held after that would keep the other waiting for the lock, and both for `timeout`.
        # Hold before it instead; the lock then serialises the two writers, as it does in use.
        if threading.get_ident() not in racing or getattr(local, "held", False):
            return
        local.held = True
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    with app.app_context():
        engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    event.listen(engine, "before_cursor_execute", hold)
    app_listeners = list(engine.dispatch.savepoint) if sqlite else []
    if sqlite:
        # Before the app's own listener (the one that takes the lock): SQLAlchemy's `insert=True`
        # does not order engine-level listeners, so the app's are taken off and put back after.
        for fn in app_listeners:
            event.remove(engine, "savepoint", fn)
        event.listen(engine, "savepoint", hold_at_savepoint)
        for fn in app_listeners:
            event.listen(engine, "savepoint", fn)
    try:
        threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold)
        if sqlite:
            event.remove(engine, "savepoint", hold_at_savepoint)
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, RuleViolation | IllegalTransition):
            raise r
    return results


def refusals(results: list) -> list[str]:
    """The messages of the refused actions."""
    return [str(r) for r in results if isinstance(r, RuleViolation | IllegalTransition)]
