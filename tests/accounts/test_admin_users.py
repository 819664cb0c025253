"""Account administration: new users, one-time invitation links, roles per school, scoping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridapp.accounts.models import Invitation, Role, User
from gridapp.core.audit import AuditEntry
from gridapp.core.time import now
from gridapp.extensions import db

INVITE_RE = re.compile(r'value="http://localhost/invite/([A-Za-z0-9_\-]+)"')


def _new_user(client, **overrides):
    data = {
        "username": "zhang.wei",
        "name": "张伟老师",
        "phone": "13900001111",
        "title": "教师",
        "active": "y",
        "roles": ["teacher"],
    }
    data.update(overrides)
    return client.post("/admin/users/new", data=data)


def _user(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            _ = user.roles
            db.session.expunge_all()
        return user


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_school_admin_creates_a_user_and_gets_a_link_once(app, client, world, login):
    login(world.school_admin_name)
    r = _new_user(client)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    [token] = INVITE_RE.findall(html)
    assert "链接只显示这一次" in html

    user = _user(app, "zhang.wei")
    assert user is not None
    assert user.name == "张伟老师"
    assert user.password_hash is None
    assert {(r.role, r.school_id) for r in user.roles} == {(Role.TEACHER, world.school_a)}

    # Only the token's hash is stored, and no later page shows the link again.
    with app.app_context():
        [inv] = db.session.scalars(select(Invitation).where(Invitation.user_id == user.id)).all()
        assert inv.token_hash == Invitation.hash_token(token)
        assert token not in inv.token_hash
    for page in ("/admin/users", f"/admin/users/{user.id}"):
        assert token not in client.get(page).get_data(as_text=True)

    actions = _actions(app)
    for action in ("user.create", "user.roles", "invitation.issue"):
        assert action in actions
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry.actor_id == world.school_admin
        assert entry.object_id == user.id


def test_invitation_link_sets_the_password_once(app, client, world, login):
    login(world.school_admin_name)
    [token] = INVITE_RE.findall(_new_user(client).get_data(as_text=True))

    newcomer = app.test_client()
    r = newcomer.get(f"/invite/{token}")
    assert r.status_code == 200
    assert "zhang.wei" in r.get_data(as_text=True) or "张伟老师" in r.get_data(as_text=True)

    # A weak password is refused and the link stays usable.
    r = newcomer.post(f"/invite/{token}", data={"password": "short", "confirm": "short"})
    assert r.status_code == 422
    assert "密码至少需要 8 位" in r.get_data(as_text=True)

    r = newcomer.post(
        f"/invite/{token}", data={"password": "chalk-and-42", "confirm": "chalk-and-42"}
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/"
    assert newcomer.get("/").status_code == 200  # signed in as the new user
    assert "invitation.accept" in _actions(app)

    # Second use: the invalid-link page, for GET and POST alike.
    for method in ("get", "post"):
        r = getattr(app.test_client(), method)(
            f"/invite/{token}", data={"password": "other-pass-9", "confirm": "other-pass-9"}
        )
        assert r.status_code == 404
        assert "链接无效或已过期" in r.get_data(as_text=True)

    fresh = app.test_client()
    r = fresh.post("/login", data={"username": "zhang.wei", "password": "chalk-and-42"})
    assert r.status_code == 303


def test_expired_invitation_is_404(app, client, world, login):
    login(world.school_admin_name)
    [token] = INVITE_RE.findall(_new_user(client).get_data(as_text=True))
    with app.app_context():
        inv = db.session.scalar(select(Invitation))
        inv.expires_at = now() - timedelta(minutes=1)
        db.session.commit()
    r = app.test_client().get(f"/invite/{token}")
    assert r.status_code == 404
    assert "链接无效或已过期" in r.get_data(as_text=True)


def test_reset_link_ends_the_users_sessions(app, client, world, login):
    teacher = app.test_client()
    assert (
        teacher.post(
            "/login", data={"username": world.head_teacher_name, "password": "gridapp-test-1"}
        ).status_code
        == 303
    )
    login(world.school_admin_name)
    r = client.post(f"/admin/users/{world.head_teacher}/invitation")
    assert r.status_code == 200
    [token] = INVITE_RE.findall(r.get_data(as_text=True))
    r = app.test_client().post(
        f"/invite/{token}", data={"password": "fresh-pass-7", "confirm": "fresh-pass-7"}
    )
    assert r.status_code == 303
    assert teacher.get("/").status_code == 302


def test_duplicate_username_is_422_with_message_and_input_kept(app, client, world, login):
    login(world.school_admin_name)
    r = _new_user(client, username=world.head_teacher_name.upper(), name="重名的老师")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r'id="username-error">[^<]*用户名已被使用', html)
    assert 'value="重名的老师"' in html
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None
        assert db.session.scalar(select(User).where(User.name == "重名的老师")) is None


def test_invalid_fields_are_422_in_chinese(client, world, login):
    login(world.school_admin_name)
    r = _new_user(client, username="有 空格", phone="12345")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "用户名只能包含字母、数字、下划线、点和连字符" in html
    assert "请输入11位手机号码" in html


def test_roles_are_set_per_school(app, client, world, login):
    # The district admin gives the head teacher of school A a role at school B too.
    login(world.district_admin_name)
    r = client.post(
        f"/admin/users/{world.head_teacher}?school={world.school_b}",
        data={
            "username": world.head_teacher_name,
            "name": "班主任",
            "active": "y",
            "roles": ["teacher"],
        },
    )
    assert r.status_code == 303
    user = _user(app, world.head_teacher_name)
    assert {(r.role, r.school_id) for r in user.roles} == {
        (Role.TEACHER, world.school_a),
        (Role.TEACHER, world.school_b),
    }

    # Now the account reaches beyond school A: A's admin can no longer reset or change it.
    client.post("/logout")
    login(world.school_admin_name)
    assert client.get(f"/admin/users/{world.head_teacher}").status_code == 404
    assert client.post(f"/admin/users/{world.head_teacher}/invitation").status_code == 404

    # The district admin changes the roles at A only; the role at B stays.
    client.post("/logout")
    login(world.district_admin_name)
    r = client.post(
        f"/admin/users/{world.head_teacher}?school={world.school_a}",
        data={
            "username": world.head_teacher_name,
            "name": "班主任",
            "active": "y",
            "roles": ["principal", "teacher"],
        },
    )
    assert r.status_code == 303
    user = _user(app, world.head_teacher_name)
    assert {(r.role, r.school_id) for r in user.roles} == {
        (Role.PRINCIPAL, world.school_a),
        (Role.TEACHER, world.school_a),
        (Role.TEACHER, world.school_b),
    }
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.roles").order_by(AuditEntry.id)
        ).all()
        assert [(e.school_id, e.detail["roles"]) for e in entries] == [
            (world.school_b, ["teacher"]),
            (world.school_a, ["principal", "teacher"]),
        ]


def test_school_admin_cannot_touch_a_user_of_another_school(app, client, world, login):
    login(world.school_admin_name)
    assert client.get(f"/admin/users/{world.other_school_teacher}").status_code == 404
    r = client.post(
        f"/admin/users/{world.other_school_teacher}",
        data={"username": "taken.over", "name": "x", "active": "y", "roles": ["school_admin"]},
    )
    assert r.status_code == 404
    assert client.post(f"/admin/users/{world.other_school_teacher}/invitation").status_code == 404
    # Nor create accounts at the other school by naming it.
    assert client.get(f"/admin/users/new?school={world.school_b}").status_code == 404
    user = _user(app, world.other_school_teacher_name)
    assert user is not None
    assert {(r.role, r.school_id) for r in user.roles} == {(Role.TEACHER, world.school_b)}
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app, client, world, login):
    login(world.school_admin_name)
    r = client.post(
        f"/admin/users/{world.school_admin}",
        data={"username": world.school_admin_name, "name": "管理员", "roles": ["teacher"]},
    )
    assert r.status_code == 422
    assert "不能停用自己的账号" in r.get_data(as_text=True)
    r = client.post(
        f"/admin/users/{world.school_admin}",
        data={
            "username": world.school_admin_name,
            "name": "管理员",
            "active": "y",
            "roles": ["teacher"],
        },
    )
    assert r.status_code == 422
    assert "不能取消自己的学校管理员角色" in r.get_data(as_text=True)
    user = _user(app, world.school_admin_name)
    assert user.active
    assert user.has_role(Role.SCHOOL_ADMIN, world.school_a)


def test_deactivating_a_user_from_admin_ends_their_session(app, client, world, login):
    teacher = app.test_client()
    assert (
        teacher.post(
            "/login", data={"username": world.subject_teacher_name, "password": "gridapp-test-1"}
        ).status_code
        == 303
    )
    login(world.school_admin_name)
    r = client.post(
        f"/admin/users/{world.subject_teacher}",
        data={"username": world.subject_teacher_name, "name": "科任老师", "roles": ["teacher"]},
    )
    assert r.status_code == 303
    assert teacher.get("/").status_code == 302
    assert "user.update" in _actions(app)


@pytest.mark.commits
def test_an_invitation_link_used_from_two_tabs_at_once_sets_one_password(app, world):
    """Every one-time token is spent atomically (issue 20 item 5): two acceptances of one
    invitation at the same moment, both past the "is it used?" check, set one password."""
    from gridapp.accounts import services
    from gridapp.accounts.models import Invitation, User
    from tests.concurrency import race, refusals

    with app.app_context():
        admin = db.session.get(User, world.school_admin)
        target = db.session.get(User, world.subject_teacher)
        token = services.issue_invitation(admin, target)
        db.session.commit()

    def accept(password):
        def run():
            invitation = services.find_invitation(token)
            assert invitation is not None  # both found it unused
            return services.accept_invitation(invitation, password).id

        return run

    results = race(app, accept("first-pass-1"), accept("second-pass-2"))
    assert len(refusals(results)) == 1 and "已经使用过" in refusals(results)[0]
    with app.app_context():
        used = db.session.scalars(
            select(Invitation).where(Invitation.user_id == world.subject_teacher)
        )
        assert [i.used_at is not None for i in used] == [True]
