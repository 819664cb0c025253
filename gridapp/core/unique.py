"""Rules of "at most one", held by the database: an index refuses the second row (or a row lock
makes the second writer wait), and the service answers with the rule's own Chinese message.

A check before the insert is only a courtesy (a clear message in the common case): two requests
at the same moment both pass it. What holds the rule is the unique (or partial unique) index of
the model, or, for a rule no index can say (dates that must not overlap), `lock_row` taken
before the check. Services never commit, so the insert runs at a SAVEPOINT: the index's refusal
rolls back only that step and the request can answer with the form again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.extensions import db

T = TypeVar("T")


@contextmanager
def held(message: str, field: str | None = None, *, conflict: bool = False) -> Iterator[None]:
    """Run the block's writes at a SAVEPOINT and flush them. A unique index that refuses one
    rolls the block back and raises `RuleViolation(message, field)` (or, with `conflict`,
    `IllegalTransition(message)`, answered 409). Keep the block to the rows the index guards:
    any integrity error inside it is read as the rule's refusal."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        if conflict:
            raise IllegalTransition(message) from None
        raise RuleViolation(message, field=field) from None


def one_row(model: type[T], keys: dict, make: Callable[[], T]) -> tuple[T, bool]:
    """The row of `model` with the column values `keys` (a unique key of the model), or a new
    one from `make()` added at a SAVEPOINT. Two requests creating it at once get the same row:
    the loser's insert is refused by the index and it reads the winner's. Returns (row, created)."""
    query = select(model).filter_by(**keys)
    row = db.session.scalar(query)
    if row is not None:
        return row, False
    row = make()
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(query.execution_options(populate_existing=True))
        if existing is None:
            raise
        return existing, False
    return row, True


def lock_row(model, row_id: int) -> None:
    """Make every other writer that takes the same lock wait until this transaction ends: a
    no-op UPDATE of the row (a row lock on PostgreSQL, the database's write lock on SQLite).
    Take it before checking a rule no index can hold; the check then sees their commits."""
    table = model.__table__
    # Every column with an update default is set to itself, so the lock changes nothing.
    same = {c.name: c for c in table.c if c.primary_key or c.onupdate is not None}
    db.session.execute(update(table).where(table.c.id == row_id).values(same))
