"""Changing one's own password: the checks, and the end of the account's other sessions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db

OLD = "gridapp-test-1"
NEW = "new-secret-42"


def _change(client, old=OLD, new=NEW, confirm=None):
    return client.post(
        "/account",
        data={
            "old_password": old,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def _error_beside(html: str, field: str) -> str:
    """The message shown under a field (the form macro renders <small id="<field>-error">)."""
    m = re.search(rf'<small class="error" id="{field}-error">(.*?)</small>', html, re.S)
    return m.group(1) if m else ""


def test_account_page_shows_the_form(client, world, login):
    login(world.head_teacher_name)
    r = client.get("/account")
    assert r.status_code == 200
    assert 'name="old_password"' in r.get_data(as_text=True)


def test_wrong_old_password_is_shown_beside_the_field(app, client, world, login):
    login(world.head_teacher_name)
    r = _change(client, old="not-my-password-1")
    assert r.status_code == 422
    assert "原密码不正确" in _error_beside(r.get_data(as_text=True), "old_password")
    with app.app_context():
        assert db.session.get(User, world.head_teacher).check_password(OLD)


@pytest.mark.parametrize(
    "new, message",
    [
        ("ab1", "密码至少需要 8 位"),
        ("12345678901", "密码须同时包含字母和数字"),
        ("onlyletters", "密码须同时包含字母和数字"),
        ("QQ123456", "这个密码太常见"),  # common passwords, whatever the case
        ("woaini1314", "这个密码太常见"),
        ("head_teacher-2026", "密码不能包含用户名"),
    ],
)
def test_weak_new_password_is_refused(app, client, world, login, new, message):
    login(world.head_teacher_name)
    r = _change(client, new=new)
    assert r.status_code == 422
    assert message in _error_beside(r.get_data(as_text=True), "new_password")
    with app.app_context():
        user = db.session.get(User, world.head_teacher)
        assert user.check_password(OLD)
        assert user.session_version == 1


def test_confirmation_must_match(client, world, login):
    login(world.head_teacher_name)
    r = _change(client, confirm="something-else-1")
    assert r.status_code == 422
    assert "两次输入的新密码不一致" in _error_beside(r.get_data(as_text=True), "confirm")


def test_change_keeps_this_session_and_ends_the_others(app, world, login, client):
    other = app.test_client()  # the same account, signed in earlier on another device
    r = other.post("/login", data={"username": world.head_teacher_name, "password": OLD})
    assert r.status_code == 303
    assert other.get("/").status_code == 200

    login(world.head_teacher_name)
    r = _change(client)
    assert r.status_code == 303
    assert r.headers["Location"] == "/account"

    # This session goes on; the other one is sent to the login page.
    assert client.get("/").status_code == 200
    r = other.get("/")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")

    with app.app_context():
        user = db.session.get(User, world.head_teacher)
        assert user.session_version == 2
        assert user.check_password(NEW)
        assert not user.check_password(OLD)
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor_id == world.head_teacher)
        ).all()
        assert "password.change" in actions

    # The new password signs in; the old one no longer does.
    fresh = app.test_client()
    assert (
        fresh.post(
            "/login", data={"username": world.head_teacher_name, "password": OLD}
        ).status_code
        == 422
    )
    assert (
        fresh.post(
            "/login", data={"username": world.head_teacher_name, "password": NEW}
        ).status_code
        == 303
    )
