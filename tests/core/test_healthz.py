"""The health check: JSON for the load balancer, 503 when the database is down."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from gridapp.extensions import db


def test_healthz_is_ok(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.is_json
    assert r.json == {"status": "ok", "database": "ok"}


def test_healthz_needs_no_login(client, world, login):
    assert client.get("/healthz").status_code == 200
    login(world.parent_name)
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    monkeypatch.setattr(db.session, "execute", unreachable, raising=False)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.is_json
    assert r.json["status"] == "error"
    assert r.json["database"] == "unavailable"
    assert "could not connect" not in r.get_data(as_text=True)  # no internals leak


def test_healthz_recovers(client, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(db.session, "execute", _raise, raising=False)
        assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200


def _raise(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("connection refused"))


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_is_get_only(client, method):
    assert getattr(client, method)("/healthz").status_code == 405
