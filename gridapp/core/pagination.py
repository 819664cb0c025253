"""Pagination and list arguments read safely from the query string (bad values fall back).

Every list page is paginated by Flask-SQLAlchemy's `Pagination` (the object templates read:
`items`, `page`, `pages`, `total`, `has_prev`, ...), through one subclass, `Pages`, that reads a
statement's ORM entities (as `db.paginate` does), a statement's plain rows, or a list already in
memory. A page number past the end shows the last page.
"""

from __future__ import annotations

import collections
import functools

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import lazyload

from gridapp.core import fastload
from gridapp.extensions import db


def int_arg(name: str, default: int | None = None, lo: int = 1, hi: int = 2**31 - 1) -> int | None:
    """An integer query argument; `default` when missing, malformed or out of range."""
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if lo <= value <= hi else default


def str_arg(name: str, max_len: int = 50) -> str:
    """A search text from the query string, without control characters, at most `max_len`."""
    # No search needs control characters, and PostgreSQL refuses a NUL in a query parameter.
    value = "".join(c for c in request.args.get(name, "") if c >= " " and c != "\x7f")
    return value.strip()[:max_len]


class Pages(Pagination):
    """Flask-SQLAlchemy's `Pagination` (its documented subclass hooks `_query_items` and
    `_query_count`) over one of: `select` (ORM entities, as `db.paginate`), `rows` (a statement
    of columns, read as named tuples with the total in the same query), `items` (a list)."""

    def _query_items(self) -> list:
        args = self._query_args
        offset = self._query_offset
        if "items" in args:
            return args["items"][offset : offset + self.per_page]
        if "rows" in args:
            rows = fastload.execute(
                _counted(args["rows"]),
                {**args["params"], "_limit": self.per_page, "_offset": offset},
            ).all()
            self._total = rows[0]._total if rows else (0 if offset == 0 else None)
            # Named tuples without the count: templates read their attributes at a third of
            # the cost of SQLAlchemy's rows (a list page reads a few hundred).
            record = _record_type(tuple(rows[0]._fields[:-1])) if rows else None
            return [record._make(row[:-1]) for row in rows]
        statement = args["select"].limit(self.per_page).offset(offset)
        return list(db.session.execute(statement).unique().scalars())

    def _query_count(self) -> int:
        args = self._query_args
        if "items" in args:
            return len(args["items"])
        if "rows" in args:
            if self._total is not None:
                return self._total
            count = select(func.count()).select_from(args["rows"].order_by(None).subquery())
            return fastload.execute(count, args["params"]).scalar() or 0
        sub = args["select"].options(lazyload("*")).order_by(None).subquery()
        return db.session.execute(select(func.count()).select_from(sub)).scalar() or 0


def _pages(per_page: int | None, **source) -> Pages:
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = int_arg("page", 1, hi=100_000)
    pages = Pages(page=page, per_page=per_page, max_per_page=None, error_out=False, **source)
    if page > 1 and not pages.items and pages.total:
        pages = Pages(
            page=pages.pages, per_page=per_page, max_per_page=None, error_out=False, **source
        )
    return pages


def paginate(q: Select, per_page: int | None = None) -> Pages:
    """A page of a statement's ORM entities (`db.paginate`'s reading), from `?page=`."""
    return _pages(per_page, select=q)


def paginate_rows(q: Select, params: dict | None = None, per_page: int | None = None) -> Pages:
    """A page of a statement's rows (columns, not ORM entities) as named tuples, with the total
    in the same query, from `?page=`. `q` should be built once (with bind parameters in
    `params`), so that its paginated form is cached too."""
    return _pages(per_page, rows=q, params=dict(params or {}))


def paginate_select(q: Select, per_page: int | None = None) -> Pages:
    """A page of rows of a statement built per request (`paginate_rows` without parameters)."""
    return _pages(per_page, rows=q, params={})


def page_of(items: list, per_page: int = 25) -> Pages:
    """A page of a list already in memory (a worklist grouped in Python from SQL rows)."""
    return _pages(per_page, items=items)


@functools.lru_cache(maxsize=64)
def _counted(q: Select) -> Select:
    # The total as an uncorrelated scalar subquery, computed once: a window count (OVER ()) made
    # SQLite join and sort every row of the list before the LIMIT (twice the time, measured).
    total = select(func.count()).select_from(q.order_by(None).subquery()).scalar_subquery()
    return (
        q.add_columns(total.label("_total")).limit(bindparam("_limit")).offset(bindparam("_offset"))
    )


@functools.lru_cache(maxsize=64)
def _record_type(fields: tuple[str, ...]):
    return collections.namedtuple("Record", fields, rename=True)
