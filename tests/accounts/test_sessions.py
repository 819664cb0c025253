"""Sessions end on the server (issue 20 item 2): a cookie copied before POST /logout opened
/account until its 31-day expiry. Logout, a password change and deactivation end the session
server-side; an idle browser is signed out; a cookie of the old form signs nobody in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridapp.accounts.models import User, UserSession
from gridapp.config import TestConfig
from gridapp.core.time import now
from gridapp.extensions import db

from ..factories import TEST_PASSWORD


def _signed_in(app, username: str):
    browser = app.test_client()
    r = browser.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert r.status_code == 303
    return browser


def _copy(app, browser):
    """Another client holding the same session cookie (what an attacker copied)."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    return thief


def _sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )


def test_a_cookie_copied_before_logout_opens_nothing_after(app, world):
    browser = _signed_in(app, world.head_teacher_name)
    thief = _copy(app, browser)
    assert thief.get("/account").status_code == 200
    assert _sessions(app, world.head_teacher) == 1
    assert browser.post("/logout").status_code == 303
    assert thief.get("/account").status_code == 302  # to the sign-in page
    assert browser.get("/account").status_code == 302
    assert _sessions(app, world.head_teacher) == 0


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, world):
    browser = _signed_in(app, world.head_teacher_name)
    other = _signed_in(app, world.head_teacher_name)
    r = browser.post("/account", data={"old_password": TEST_PASSWORD, "new_password": "new-pass-42",
                                       "confirm": "new-pass-42"})  # fmt: skip
    assert r.status_code == 303
    assert browser.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert _sessions(app, world.head_teacher) == 1


def test_ending_an_accounts_sessions_signs_every_browser_out(app, world):
    browser = _signed_in(app, world.head_teacher_name)
    with app.app_context():
        from gridapp.accounts import services

        user = db.session.get(User, world.head_teacher)
        services.end_sessions(user)
        db.session.commit()
    assert browser.get("/account").status_code == 302
    assert _sessions(app, world.head_teacher) == 0


def test_an_idle_browser_is_signed_out_and_an_active_one_stays(app, world, time_machine):
    app.config["SESSION_IDLE_MINUTES"] = 30
    try:
        browser = _signed_in(app, world.head_teacher_name)
        start = now()
        for minutes in (10, 20, 40, 60):  # each step under 30 minutes from the last
            time_machine.move_to(start + timedelta(minutes=minutes))
            assert browser.get("/account").status_code == 200, minutes
        time_machine.move_to(start + timedelta(minutes=95))
        assert browser.get("/account").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = TestConfig.SESSION_IDLE_MINUTES


def test_a_cookie_without_a_session_key_signs_nobody_in(app, world):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = f"{world.head_teacher}:1"  # the form before server-side sessions
        session["_fresh"] = True
        session["_seen"] = int(now().timestamp())
    assert browser.get("/account").status_code == 302
    with browser.session_transaction() as session:
        session["_user_id"] = f"{world.head_teacher}:1:made-up-key"
    assert browser.get("/account").status_code == 302
