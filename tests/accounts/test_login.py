"""Signing in and out: audit, rate limits, inactive accounts, safe redirects, cookie flags."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db

PASSWORD = "gridapp-test-1"


def _entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        q = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        entries = db.session.scalars(q).all()
        db.session.expunge_all()
        return entries


def test_login_succeeds_and_is_audited(app, client, world):
    r = client.post("/login", data={"username": world.head_teacher_name, "password": PASSWORD})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    [entry] = _entries(app, "login")
    assert entry.actor_id == world.head_teacher
    assert entry.actor_name == world.head_teacher_name
    assert entry.object_id == world.head_teacher
    with app.app_context():
        assert db.session.get(User, world.head_teacher).last_login_at is not None


def test_login_is_case_insensitive_on_username(client, world):
    r = client.post("/login", data={"username": "Head_Teacher", "password": PASSWORD})
    assert r.status_code == 303


def test_wrong_password_is_refused_in_chinese_and_audited(app, client, world):
    r = client.post("/login", data={"username": world.head_teacher_name, "password": "wrong-1"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "用户名或密码不正确" in html
    assert client.get("/").status_code == 302  # still anonymous
    [entry] = _entries(app, "login.failed")
    assert entry.actor_id is None
    assert entry.actor_name == world.head_teacher_name
    assert entry.object_id == world.head_teacher


def test_unknown_username_is_audited_with_the_name_typed(app, client, world):
    r = client.post("/login", data={"username": "nobody.here", "password": "whatever1"})
    assert r.status_code == 422
    assert "用户名或密码不正确" in r.get_data(as_text=True)
    [entry] = _entries(app, "login.failed")
    assert entry.actor_name == "no***"  # an unknown name is kept only in part
    assert entry.object_id is None


def test_empty_form_is_422_with_field_messages(client, world):
    r = client.post("/login", data={})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "请输入用户名" in html
    assert "请输入密码" in html


def test_inactive_user_cannot_log_in(app, client, world):
    with app.app_context():
        db.session.get(User, world.head_teacher).active = False
        db.session.commit()
    r = client.post("/login", data={"username": world.head_teacher_name, "password": PASSWORD})
    assert r.status_code == 422
    assert "用户名或密码不正确" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _entries(app, "login") == []
    assert len(_entries(app, "login.failed")) == 1


def test_deactivating_a_user_ends_their_session(app, client, world, login):
    login(world.head_teacher_name)
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, world.head_teacher).active = False
        db.session.commit()
    r = client.get("/")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def test_ip_rate_limit_answers_429_in_chinese(client, world):
    # Ten different usernames from one address: the address is limited.
    for n in range(10):
        r = client.post("/login", data={"username": f"guess{n}", "password": "bad-pass-1"})
        assert r.status_code == 422
    r = client.post("/login", data={"username": world.head_teacher_name, "password": PASSWORD})
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert "操作过于频繁" in html
    assert "<html" in html
    # Another address is not affected.
    r = client.post(
        "/login",
        data={"username": world.head_teacher_name, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert r.status_code == 303


def test_username_rate_limit_holds_across_addresses(client, world):
    # Ten bad passwords for one account, each from a different address: the account is limited.
    for n in range(10):
        r = client.post(
            "/login",
            data={"username": world.head_teacher_name, "password": "bad-pass-1"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        assert r.status_code == 422
    r = client.post(
        "/login",
        data={"username": world.head_teacher_name, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.1"},
    )
    assert r.status_code == 429
    assert "操作过于频繁" in r.get_data(as_text=True)
    # The same name in other letter case is the same account and the same limit.
    r = client.post(
        "/login",
        data={"username": world.head_teacher_name.upper(), "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.2"},
    )
    assert r.status_code == 429
    # Another account from a fresh address can still sign in.
    r = client.post(
        "/login",
        data={"username": world.principal_name, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.1.3"},
    )
    assert r.status_code == 303


def test_get_login_page_is_not_rate_limited(client, world):
    for _ in range(15):
        assert client.get("/login").status_code == 200


def test_next_local_path_is_followed(client, world):
    r = client.post(
        f"/login?next=/classes/{world.class_a1}",
        data={"username": world.head_teacher_name, "password": PASSWORD},
    )
    assert r.status_code == 303
    assert r.headers["Location"] == f"/classes/{world.class_a1}"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "http://evil.example/login",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        " //evil.example",
    ],
)
def test_next_never_redirects_off_site(client, world, target):
    r = client.post(
        "/login",
        query_string={"next": target},
        data={"username": world.head_teacher_name, "password": PASSWORD},
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_logout_is_post_only(client, world, login):
    login(world.head_teacher_name)
    r = client.get("/logout")
    assert r.status_code == 405
    assert "请求方式不允许" in r.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the GET did not sign out


def test_logout_ends_the_session_and_is_audited(app, client, world, login):
    login(world.head_teacher_name)
    r = client.post("/logout")
    assert r.status_code == 303
    assert r.headers["Location"] == "/login"
    r = client.get("/")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")
    [entry] = _entries(app, "logout")
    assert entry.actor_id == world.head_teacher


def test_logged_in_user_visiting_login_goes_home(client, world, login):
    login(world.head_teacher_name)
    r = client.get("/login")
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    r = client.post("/login", data={"username": world.head_teacher_name, "password": PASSWORD})
    assert r.status_code == 303
    cookies = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, r.headers.getlist("Set-Cookie")
    flags = [part.strip().lower() for part in cookies[-1].split(";")]
    assert "httponly" in flags
    assert "samesite=lax" in flags
