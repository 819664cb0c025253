"""Loading a row and its neighbours with one Core query instead of the ORM pipeline.

Every page loads the signed-in user and usually one object by id. Through `Session.get` each such
load costs about four times the SQL statement itself (ORM compile state, loader options, cache
keys, row processors). Here the statement is built once per model and relation set, runs on the
session's own connection (same transaction), and the rows become ordinary persistent instances:
attributes count as loaded (nothing is written back), later changes are tracked as usual, and
anything not loaded here (other relationships) loads lazily as usual. An instance already in the
session's identity map is returned as it is.
"""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from gridapp.extensions import db


@functools.cache
def _columns(model) -> tuple[tuple[str, ...], tuple, int]:
    """The attribute keys and the table columns of the model, in table order, and the position
    of its primary key among them."""
    mapper = inspect(model)
    columns = tuple(mapper.local_table.columns)
    (pk,) = mapper.primary_key
    return tuple(mapper.get_property_by_column(c).key for c in columns), columns, columns.index(pk)


def _adopt(session, model, values: tuple):
    """The persistent instance for a row that Core read (values in table column order)."""
    mapper = inspect(model)
    keys, _cols, pk_at = _columns(model)
    obj = session.identity_map.get(mapper.identity_key_from_primary_key([values[pk_at]]))
    if obj is not None:
        return obj
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(obj)
    # A detached instance with nothing loaded but its columns: `add` finds no relationship to
    # cascade along. It costs about 12 µs per object more than the session's private
    # `_update_impl` did, which the class page does not show beyond measurement noise.
    session.add(obj)
    return obj


@functools.cache
def _statement(model, related: tuple[str, ...], collection: str | None, also: tuple = ()):
    """SELECT model.*, each related many-to-one's columns, then the collection's, then the `also`
    scalar expressions, by primary key."""
    mapper = inspect(model)
    table = mapper.local_table
    (pk,) = mapper.primary_key
    cols = list(_columns(model)[1])
    joined = table
    plan = []  # (relationship key, target model, first column, end column, primary key column)
    for i, name in enumerate(related, start=1):
        rel = mapper.relationships[name]
        ((local, remote),) = rel.local_remote_pairs
        alias = rel.mapper.local_table.alias(f"r{i}")
        joined = joined.outerjoin(alias, alias.c[remote.key] == table.c[local.key])
        start = len(cols)
        _keys, target_cols, pk_at = _columns(rel.mapper.class_)
        cols += [alias.c[c.key] for c in target_cols]
        plan.append((name, rel.mapper.class_, start, len(cols), start + pk_at))
    if collection:
        rel = mapper.relationships[collection]
        ((local, remote),) = rel.local_remote_pairs
        child = rel.mapper.local_table
        joined = joined.outerjoin(child, child.c[remote.key] == table.c[local.key])
        start = len(cols)
        _keys, child_cols, pk_at = _columns(rel.mapper.class_)
        cols += list(child_cols)
        plan.append((collection, rel.mapper.class_, start, len(cols), start + pk_at))
    cols += [expression.label(f"also_{name}") for name, expression in also]
    statement = select(*cols).select_from(joined).where(pk == bindparam("pk"))
    if collection:
        statement = statement.order_by(*rel.mapper.primary_key)
    return statement, len(_columns(model)[1]), tuple(plan)


def get(model, pk: int, related: tuple[str, ...] = (), collection: str | None = None):
    """`Session.get(model, pk)`, with the `related` many-to-ones and one one-to-many `collection`
    loaded by the same query; None when there is no such row."""
    return get_with(model, pk, related, collection)[0]


def get_with(
    model,
    pk: int,
    related: tuple[str, ...] = (),
    collection: str | None = None,
    also: tuple = (),
    params: dict | None = None,
):
    """`get`, and the values of `also`: (name, scalar SQL expression) pairs (built once, the same
    objects on every call) computed by the same query, with their own bound `params`."""
    session = db.session()
    statement, width, plan = _statement(model, tuple(related), collection, also)
    rows = session.connection().execute(statement, {**(params or {}), "pk": pk}).all()
    if not rows:
        return None, {}
    first = rows[0]
    identity = inspect(model).identity_key_from_primary_key([pk])
    known = session.identity_map.get(identity)
    obj = known if known is not None else _adopt(session, model, first[:width])
    for name, target, start, end, pk_at in plan:
        # An object the session already had keeps its own relations (its keys may have changed
        # since the row was written); they load lazily as usual.
        if known is not None or name in obj.__dict__:
            continue
        if name == collection:
            children = [
                _adopt(session, target, row[start:end]) for row in rows if row[pk_at] is not None
            ]
            set_committed_value(obj, name, children)
        elif first[pk_at] is None:
            set_committed_value(obj, name, None)
        else:
            set_committed_value(obj, name, _adopt(session, target, first[start:end]))
    values = {name: first[len(first) - len(also) + i] for i, (name, _expr) in enumerate(also)}
    return obj, values


def execute(statement, params: dict | None = None):
    """A Core statement on the session's connection, skipping `Session.execute`'s ORM layer
    (about a third of a small query's cost). Pending changes are flushed first, as the session's
    autoflush would."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params or {})
