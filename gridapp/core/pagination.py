"""Pagination and list arguments read safely from the query string (bad values fall back)."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import Select

from gridapp.extensions import db


def int_arg(name: str, default: int | None = None, lo: int = 1, hi: int = 2**31 - 1) -> int | None:
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if lo <= value <= hi else default


def str_arg(name: str, max_len: int = 50) -> str:
    return request.args.get(name, "").strip()[:max_len]


def paginate(q: Select, per_page: int | None = None):
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = int_arg("page", 1, hi=100_000)
    pagination = db.paginate(q, page=page, per_page=per_page, error_out=False, count=True)
    if page > 1 and not pagination.items and pagination.total:
        pagination = db.paginate(q, page=pagination.pages, per_page=per_page, error_out=False)
    return pagination
