"""Rows written in bulk for the large demo district (demo/bulk.py): ids assigned here, defaults
filled from the models' own column defaults, PostgreSQL COPY or SQLite executemany, parents
before children, sequences set afterwards. Everything runs on the session's connection, inside
its transaction: the caller commits once.

Rows are tuples in the order of `Writer.columns(table)`: every column of the table except those
the database fills itself (a server default and no Python default). `Writer.row` builds one from
keyword values and the column defaults; hot paths build the tuple themselves.
"""

from __future__ import annotations

import enum
import json
import queue
import threading
from datetime import datetime

from sqlalchemy import JSON, and_, exists, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gridapp.core.models import UTCDateTime
from gridapp.extensions import db

FLUSH_ROWS = 50_000  # rows buffered (all tables) before they are written


class Writer:
    """Buffers rows per table and writes them in dependency order; `stamp` is the instant used
    for created_at/updated_at (and other instant defaults) not given by the caller."""

    def __init__(self, stamp: datetime):
        self.stamp = stamp
        self.connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]
        self._next: dict[str, int] = {}
        self._buffers: dict[str, list[tuple]] = {}
        self._columns: dict[str, list[str]] = {}
        self._templates: dict[str, dict] = {}
        self._json: dict[str, list[int]] = {}
        self.buffered = 0
        self.counts: dict[str, int] = {}
        for name, table in self.tables.items():  # ids go on from the largest there is
            if "id" in table.c and table.c.id.primary_key:
                current = self.connection.execute(select(func.max(table.c.id))).scalar()
                self._next[name] = (current or 0) + 1
        # On PostgreSQL one thread writes (COPY) while the caller makes the next rows: the
        # server's work (indexes, foreign keys) overlaps the generation. At most one batch waits.
        self._first_id = dict(self._next)
        self.checks_deferred = self.postgresql and _foreign_key_triggers_off(self.connection)
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if self.postgresql:
            self._queue = queue.Queue(maxsize=1)
            self._thread = threading.Thread(target=self._work, name="bulk-copy", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                if self._error is None:
                    for name, rows in batch:
                        self._write(name, rows)
            except BaseException as e:  # handed to the caller at its next flush
                self._error = e
            finally:
                self._queue.task_done()

    # ---- shape of a table's rows ----
    def columns(self, name: str) -> list[str]:
        if name not in self._columns:
            table = self.tables[name]
            cols, template = [], {}
            for c in table.columns:
                if c.server_default is not None and c.default is None:
                    continue  # the database fills it
                cols.append(c.key)
                template[c.key] = self._default(c)
            self._columns[name] = cols
            self._templates[name] = template
            self._json[name] = [i for i, k in enumerate(cols) if isinstance(table.c[k].type, JSON)]
        return self._columns[name]

    def _default(self, column):
        d = column.default
        if d is None:
            return None
        if not d.is_callable:
            value = d.arg
            return value.value if isinstance(value, enum.Enum) else value
        if isinstance(column.type, UTCDateTime):
            return self.stamp
        return d.arg(None)  # dict, list: SQLAlchemy wraps a no-argument callable

    def next_id(self, name: str) -> int:
        """A new primary key for the table: one above the largest in the database or given."""
        value = self._next[name]
        self._next[name] = value + 1
        return value

    def row(self, name: str, /, **values) -> tuple:
        """Add a row from keyword values (columns not given take their defaults); an `id` is
        assigned when the table has one and none is given. Returns the row's tuple."""
        cols = self.columns(name)
        template = self._templates[name]
        if "id" in template and values.get("id") is None:
            values["id"] = self.next_id(name)
        unknown = set(values) - set(template)
        if unknown:
            raise KeyError(f"{name}: no column {sorted(unknown)}")
        out = []
        for k in cols:
            v = values[k] if k in values else template[k]
            if isinstance(v, enum.Enum):
                v = v.value
            out.append(v)
        t = tuple(out)
        self.add(name, t)
        return t

    def add(self, name: str, row: tuple) -> None:
        """Add a row already in `columns(name)` order (enums as their values)."""
        buf = self._buffers.get(name)
        if buf is None:
            self.columns(name)
            buf = self._buffers[name] = []
        buf.append(row)
        self.buffered += 1

    def maybe_flush(self) -> None:
        """Hand the buffered rows over to be written once there are enough of them."""
        if self.buffered >= FLUSH_ROWS:
            self.flush(wait=False)

    # ---- writing ----
    def flush(self, wait: bool = True) -> None:
        """Write every buffered row, parents first (the metadata's dependency order). With
        `wait` (the default) the rows are in the database when it returns, and the connection
        may be used again; without, on PostgreSQL, the writing thread may still be at it."""
        batch = []
        for name in self.order:
            rows = self._buffers.get(name)
            if rows:
                batch.append((name, rows))
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                self._buffers[name] = []
        self.buffered = 0
        if self._queue is None:
            for name, rows in batch:
                self._write(name, rows)
        else:
            if batch:
                self._queue.put(batch)
            if wait:
                self._queue.join()
        if self._error is not None:
            raise self._error

    def _write(self, name: str, rows: list[tuple]) -> None:
        cols = self._columns[name]
        json_at = self._json[name]
        if self.postgresql:
            if json_at:
                rows = [_dump_json(r, json_at) for r in rows]
            raw = self.connection.connection.driver_connection
            names = ", ".join(f'"{c}"' for c in cols)
            with raw.cursor() as cur, cur.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            table = self.tables[name]
            self.connection.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in rows])

    def _check_foreign_keys(self) -> None:
        """Every foreign key of the rows this writer wrote, checked at once per constraint (an
        anti-join) while the per-row triggers were off. Raises IntegrityError naming the first
        constraint a row breaks."""
        for name in self.order:
            if not self.counts.get(name):
                continue
            table = self.tables[name]
            for fk in table.foreign_key_constraints:
                child = table.alias("c")
                parent = fk.referred_table.alias("p")
                pairs = [(child.c[e.parent.key], parent.c[e.column.key]) for e in fk.elements]
                missing = ~exists().where(and_(*(p == c for c, p in pairs)))
                query = (
                    select(func.count())
                    .select_from(child)
                    .where(*(c.is_not(None) for c, _p in pairs), missing)
                )
                if name in self._first_id:
                    query = query.where(child.c.id >= self._first_id[name])
                broken = self.connection.execute(query).scalar()
                if broken:
                    raise IntegrityError(
                        f"{broken} rows of {name} break {fk.name}", None, Exception(fk.name)
                    )

    def finish(self) -> None:
        """Write what is left; on PostgreSQL check the foreign keys (when their triggers were
        off), analyze each written table and set its id sequence to its max."""
        self.flush()
        if self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if not self.postgresql:
            return
        if self.checks_deferred:
            self._check_foreign_keys()
            self.connection.execute(text("SET LOCAL session_replication_role = origin"))
            self.checks_deferred = False
        # Fresh statistics, or the first queries on millions of new rows plan as if on none.
        for name in self.order:
            if name in self.counts:
                self.connection.execute(text(f'ANALYZE "{name}"'))
        for name in self.order:
            if name not in self.counts or "id" not in self._templates.get(name, {}):
                continue
            table = self.tables[name]
            if not table.c.id.autoincrement or table.c.id.type.python_type is not int:
                continue
            self.connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                    f'(SELECT max(id) FROM "{name}"))'
                ),
                {"t": name},
            )


def _foreign_key_triggers_off(connection) -> bool:
    """Foreign keys are checked by a trigger per row, which costs PostgreSQL more than the rest of
    a COPY together. Turn those triggers off for this transaction (SET LOCAL: back at its end)
    when the role may (a superuser, or one granted SET on the parameter); `Writer.finish` then
    checks every foreign key of the rows written at once. False when not allowed: the triggers
    check each row as usual."""
    try:
        with connection.begin_nested():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        return False
    return True


def _dump_json(row: tuple, positions: list[int]) -> tuple:
    out = list(row)
    for i in positions:
        if out[i] is not None:
            out[i] = json.dumps(out[i])
    return tuple(out)
