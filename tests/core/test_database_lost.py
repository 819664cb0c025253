"""A database connection lost under a request (issue 20 item 1): a GET is run once more on a
fresh connection, a POST answers a Chinese 503 saying nothing was saved, never a 500."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from gridapp.core.audit import AuditEntry
from gridapp.core.errors import RETRY_HEADER
from gridapp.extensions import db


def _lost():
    return OperationalError(
        "SELECT 1", {}, Exception("terminating connection due to administrator command")
    )


def test_a_get_whose_connection_was_lost_is_run_once_more(app, client, monkeypatch):
    calls = []
    original = app.view_functions["core.healthz"]

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise _lost()
        return original()

    monkeypatch.setitem(app.view_functions, "core.healthz", flaky)
    r = client.get("/healthz")
    assert r.status_code == 200 and len(calls) == 2
    assert RETRY_HEADER not in r.headers


def test_a_get_lost_twice_answers_503_in_chinese(app, client, monkeypatch):
    def lost():
        raise _lost()

    monkeypatch.setitem(app.view_functions, "core.healthz", lost)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert "数据库暂时无法连接" in r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "5" and RETRY_HEADER not in r.headers


def test_a_post_is_never_run_again_and_nothing_is_saved(app, client, world, ctx, monkeypatch):
    from gridapp.accounts.models import User

    calls = []

    def half_written():
        calls.append(1)
        user = db.session.get(User, world.principal)
        from gridapp.core import audit

        audit.record(user, "login", user)  # written, then the connection is lost
        db.session.flush()
        raise _lost()

    before = ctx.scalar(select(func.count()).select_from(AuditEntry))
    monkeypatch.setitem(app.view_functions, "accounts.login", half_written)
    r = client.post("/login", data={"username": "x", "password": "y"})
    assert r.status_code == 503 and len(calls) == 1
    assert "没有保存" in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_another_database_error_stays_a_500(app, client, monkeypatch):
    def broken():
        raise ProgrammingError("SELECT nope", {}, Exception("syntax error"))

    monkeypatch.setitem(app.view_functions, "core.healthz", broken)
    r = client.get("/healthz")
    assert r.status_code == 500 and "服务器出错" in r.get_data(as_text=True)
