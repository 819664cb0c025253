"""Each school's data generation: a counter raised in the same transaction as any change to what
the school's figures are computed from (issue 17, "figures that answer at scale").

A figure computed from a school's data stays exact for as long as the school's generation is the
one it was computed at, so it can be kept and served again without being recomputed: the
teacher's worklist (`contacts.worklists`) and the coverage snapshots (`reports.snapshots`) are
kept under the generation and the day (the rules' windows and due dates move with the day).

Each package says which of its models feed the figures and how to find the schools a row
belongs to (`watch`, next to the models). A flush remembers the schools of the rows it wrote;
the commit raises their counters in one statement, before the transaction ends, so a reader
sees the new rows and the new generation together or neither. A bulk UPDATE or DELETE on a
watched table (no rows in the session to tell the schools) raises every school's counter.
Nothing is raised on rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable

from cachetools import LRUCache
from sqlalchemy import ForeignKey, bindparam, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from gridapp.core import fastload
from gridapp.extensions import db


class SchoolGeneration(db.Model):
    """How many committed transactions have changed the school's figures' inputs (no row: 0)."""

    __tablename__ = "school_generations"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)


EVERY_SCHOOL = "*"
_PENDING = "gridapp_generation_schools"
# model -> function(session, row) giving the school ids the row belongs to (EVERY_SCHOOL: all)
_WATCHED: dict[type, Callable[[Session, object], Iterable]] = {}
_WATCHED_TABLES: set[str] = set()


def watch(model: type, schools: Callable[[Session, object], Iterable]) -> None:
    """Declare that rows of `model` feed the school figures; `schools(session, row)` gives the
    ids of the schools the row belongs to (before and after a change), or EVERY_SCHOOL."""
    _WATCHED[model] = schools
    _WATCHED_TABLES.add(model.__tablename__)


def _values(row, attr: str) -> set | None:
    """The attribute's value now and, when it changed in this flush, before; None when it is
    not loaded (an expired row: loading it inside a flush would disturb the identity map)."""
    state = inspect(row)
    if attr in state.unloaded:
        return None
    history = state.attrs[attr].history
    values = {*history.added, *history.unchanged, *history.deleted}
    return {v for v in values if v is not None}


def _by_key(session: Session, row, attr: str):
    """The attribute's value read from the database by the row's primary key (a column, not
    the row: nothing enters the identity map); EVERY_SCHOOL when the row is gone."""
    state = inspect(row)
    if state.identity is None:
        return EVERY_SCHOOL
    mapper = state.mapper
    found = (
        session.execute(
            select(getattr(mapper.class_, attr)).where(mapper.primary_key[0] == state.identity[0])
        )
        .scalars()
        .all()
    )
    return set(found) if found else EVERY_SCHOOL


def column(attr: str) -> Callable[[Session, object], set]:
    """The row names its school in `attr` (school_id; `id` for a school itself)."""

    def schools(session: Session, row):
        found = _values(row, attr)
        return _by_key(session, row, attr) if found is None else found

    return schools


def via(parent: type, attr: str, parent_attr: str = "school_id") -> Callable:
    """The row's school is its parent's: `attr` holds the parent's id (contact_id, class_id,
    student_id), the parent names its school in `parent_attr`."""

    def schools(session: Session, row):
        ids = _values(row, attr)
        if ids is None:
            ids = _by_key(session, row, attr)
            if ids == EVERY_SCHOOL:
                return EVERY_SCHOOL
        out = set()
        mapper = inspect(parent)
        for parent_id in list(ids):
            held = session.identity_map.get(mapper.identity_key_from_primary_key((parent_id,)))
            found = _values(held, parent_attr) if held is not None else None
            if found is not None:
                out |= found
                ids.discard(parent_id)
        if ids:
            col = getattr(parent, parent_attr)
            out |= set(
                session.execute(select(col).where(mapper.primary_key[0].in_(ids))).scalars().all()
            )
        return out

    return schools


def every_school(session: Session, row) -> str:
    """The row may change any school's figures (a district's official days)."""
    return EVERY_SCHOOL


@event.listens_for(Session, "after_flush")
def _remember(session: Session, flush_context) -> None:
    pending = None
    for row in (*session.new, *session.dirty, *session.deleted):
        schools = _WATCHED.get(type(row))
        if schools is None:
            continue
        if row in session.dirty and not session.is_modified(row):
            continue
        found = schools(session, row)
        if pending is None:
            pending = session.info.setdefault(_PENDING, set())
        if found == EVERY_SCHOOL:
            pending.add(EVERY_SCHOOL)
        else:
            pending.update(found)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in _WATCHED_TABLES:
        state.session.info.setdefault(_PENDING, set()).add(EVERY_SCHOOL)


@event.listens_for(Session, "before_commit")
def _raise(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this hook: flush first, then count
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if EVERY_SCHOOL in pending:
        pending = _every_school_id(session)
    raise_generations(session, sorted(pending))


def _every_school_id(session: Session) -> list[int]:
    schools = SchoolGeneration.__table__.metadata.tables["schools"]  # core imports no schools
    return session.execute(select(schools.c.id).order_by(schools.c.id)).scalars().all()


def _upsert(session: Session, values: dict[int, int], add_one: bool) -> None:
    """One statement: each school's row inserted at its value, or, where it exists, raised by
    one (`add_one`) or set to the value. In the order of the ids, so two transactions never wait
    on each other's rows crosswise."""
    if not values:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SchoolGeneration.__table__
    statement = insert(table).values(
        [{"school_id": i, "generation": g} for i, g in sorted(values.items())]
    )
    new = table.c.generation + 1 if add_one else statement.excluded.generation
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.school_id], set_={"generation": new}
        )
    )


def raise_generations(session: Session, school_ids: list[int]) -> None:
    """Add one to each school's generation (a row created at 1 where there was none)."""
    _upsert(session, dict.fromkeys(school_ids, 1), add_one=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_READ, None)


_READ = "gridapp_generations_read"  # what this transaction has read: {school id: generation}
_READ_STATEMENT = select(SchoolGeneration.school_id, SchoolGeneration.generation).where(
    SchoolGeneration.school_id.in_(bindparam("ids", expanding=True))
)


@event.listens_for(Session, "after_commit")
def _read_again(session: Session) -> None:
    session.info.pop(_READ, None)


def generations(school_ids: Iterable[int]) -> dict[int, int]:
    """{school id: generation} for the given schools (0 for a school never changed). Read once
    per transaction (a page that keeps two results reads it once): a later commit of another
    transaction only makes results computed after it newer than the number they are kept
    under, never older."""
    ids = sorted(set(school_ids))
    read = db.session().info.setdefault(_READ, {})
    missing = [i for i in ids if i not in read]
    if missing:
        found = dict(fastload.execute(_READ_STATEMENT, {"ids": missing}).all())
        read.update({i: found.get(i, 0) for i in missing})
    return {i: read[i] for i in ids}


def all_generations() -> dict[int, int]:
    """{school id: generation} of every school that has one ({} where the table is missing: a
    new empty database)."""
    try:
        rows = db.session.execute(
            select(SchoolGeneration.school_id, SchoolGeneration.generation)
        ).all()
    except DBAPIError:  # no table yet
        db.session.rollback()
        return {}
    return dict(rows)


def move_past(before: dict[int, int]) -> None:
    """After the database was replaced by a backup (core.backup.restore): every school's
    generation is set past both what it was before and what was restored, so that no app
    process serves a figure it kept under a number the restored data now reuses. Commits."""
    restored = all_generations()
    session = db.session()
    values = {i: max(before.get(i, 0), restored.get(i, 0)) + 1 for i in _every_school_id(session)}
    _upsert(session, values, add_one=False)
    session.commit()


def generation(school_id: int) -> int:
    """The school's generation (0 for a school never changed)."""
    return generations([school_id])[school_id]


# Figures kept in this process under their school's generation: a key never names two different
# results, so nothing needs to be shared between processes or invalidated (an entry whose
# generation has passed is simply never asked for again, and falls out of the bounded cache).
# Kept as they are, not pickled (13,000 rows of a school's families took 100 ms to unpickle):
# what is kept is never changed by its readers. Bounded by size, not count: a school's families
# behind a figure are thousands of rows, a worklist's HTML some kilobytes.
KEPT_UNITS = 200_000  # about a row or 200 bytes of text each: some tens of MB per process


def _units(value) -> int:
    """The rough size of a kept value: its rows (a list, or the lists of a tuple), or its text
    in 200-byte units."""
    if isinstance(value, str):
        return 1 + len(value) // 200
    if isinstance(value, list | dict | set):
        return 1 + len(value)
    if isinstance(value, tuple):
        return 1 + sum(_units(v) for v in value)
    return 1


_kept: LRUCache = LRUCache(maxsize=KEPT_UNITS, getsizeof=_units)
_lock = threading.Lock()


def _get(key: str):
    with _lock:
        return _kept.get(key)


def _set(key: str, value) -> None:
    if _units(value) > KEPT_UNITS // 4:  # too big to keep: computed each time
        return
    with _lock:
        _kept[key] = value


def kept(
    key: Hashable,
    school_id: int,
    compute: Callable[[], object],
    keep_if: Callable[[object], bool] | None = None,
):
    """`compute()` for `key` at the school's current generation, computed once per process.
    `key` must name everything else the result depends on (the user, the day, the language if
    it holds text). The generation is read before computing, so a result is never older than
    the generation it is kept under. Inside a transaction that has written watched rows (not
    yet committed: the generation has not moved), it computes and keeps nothing; nor when
    `keep_if(result)` is false (a result that holds figures older than the generation)."""
    session = db.session()
    if uncommitted_changes(session):
        return compute()
    full = repr((key, school_id, generation(school_id)))
    value = _get(full)
    if value is None:
        value = compute()
        if not session.info.get(_PENDING) and (keep_if is None or keep_if(value)):
            _set(full, value)
    return value


def cached(key: Hashable, compute: Callable[[], object]):
    """`compute()` once per process for a `key` that names a result which never changes (a
    kept snapshot by its school and the moment it was computed)."""
    full = repr(("cached", key))
    value = _get(full)
    if value is None:
        value = compute()
        _set(full, value)
    return value


def uncommitted_changes(session: Session | None = None) -> bool:
    """Whether the session's transaction has written (or holds unflushed) rows that feed the
    figures: until it commits, the generations do not say so, and nothing computed in it may be
    taken for, or kept as, what its generation names."""
    session = session or db.session()
    if session.info.get(_PENDING):
        return True
    return any(type(row) in _WATCHED for row in (*session.new, *session.dirty, *session.deleted))


def forget_kept() -> None:
    """Drop every kept figure of this process (tests: a rolled-back test leaves generations
    that the next test reaches again with other data)."""
    with _lock:
        _kept.clear()
