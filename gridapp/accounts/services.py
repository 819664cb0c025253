"""Accounts: authentication, passwords, invitations and role grants. Services flush, never commit."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from gridapp.accounts.models import Invitation, Role, User, UserRole
from gridapp.core import audit, fastload, permissions, text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.core.unique import held
from gridapp.extensions import db

MIN_PASSWORD = 8


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: "id:version", so a password change ends the account's other sessions."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    if not 0 < user_id < 2**31:
        return None
    # One query for the user, their roles and what the domains preload with them (the classes
    # they teach, registered by schools/permissions.py): this runs on every request.
    user, values = fastload.get_with(
        User,
        user_id,
        collection="roles",
        also=permissions.user_preloads(),
        params={"user_id": user_id},
    )
    if user is None or not user.active or user.session_version != version:
        return None
    permissions.prime_user(user, values)
    return user


def normalise_username(username: str | None) -> str:
    """A user name as typed on a Chinese keyboard (full-width letters, spaces) in its stored
    form: NFKC without whitespace (core.text.nfkc); case is kept, lookups ignore it."""
    return "".join(text.nfkc(username).split())


def find_by_username(username: str) -> User | None:
    username = normalise_username(username)
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(username: str, password: str) -> User | None:
    username = normalise_username(username)
    user = find_by_username(username) if username else None
    if user is None or not user.active or not user.check_password(password or ""):
        # An unknown name is kept only in part: people type passwords into the wrong field.
        typed = user.username if user is not None else (username[:2] + "***" if username else "")
        audit.record(None, "login.failed", user, actor_name=typed)
        return None
    user.last_login_at = now()
    audit.record(user, "login", user)
    return user


def check_new_password(password: str, field: str = "new_password") -> None:
    if len(password) < MIN_PASSWORD:
        raise RuleViolation(_("密码至少需要 %(n)d 位", n=MIN_PASSWORD), field=field)
    if password.isdigit() or password.isalpha():
        raise RuleViolation(_("密码须同时包含字母和数字"), field=field)


def change_password(user: User, old: str, new: str) -> None:
    if not user.check_password(old):
        raise RuleViolation(_("原密码不正确"), field="old_password")
    check_new_password(new)
    user.set_password(new)
    user.session_version += 1
    audit.record(user, "password.change", user)


def issue_invitation(actor: User, user: User) -> str:
    """A one-time link to set the password; the token is shown once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITATION_DAYS"]
    db.session.add(
        Invitation(
            user_id=user.id,
            token_hash=Invitation.hash_token(token),
            created_by_id=actor.id,
            expires_at=now() + timedelta(days=days),
        )
    )
    audit.record(actor, "invitation.issue", user)
    return token


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    inv = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == Invitation.hash_token(token))
    )
    if inv is None or inv.used_at is not None or inv.expires_at < now():
        return None
    return inv


def accept_invitation(invitation: Invitation, password: str) -> User:
    check_new_password(password, field="password")
    # Conditional update: a link used twice at once still sets the password only once.
    used = db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now())
    )
    if used.rowcount != 1:
        raise RuleViolation(_("此链接已经使用过，请联系管理员重新发送"))
    user = invitation.user
    user.set_password(password)
    user.session_version += 1
    audit.record(user, "invitation.accept", user)
    return user


@dataclass
class UserData:
    username: str
    name: str
    phone: str = ""
    title: str = ""
    is_party_member: bool = False
    active: bool = True


def _normalised(data: UserData) -> UserData:
    # Stored in one form whoever calls (forms, the CLI, the roster import): core.text.
    data.username = normalise_username(data.username)
    data.name = text.normalise_name(data.name)
    data.phone = text.normalise_phone(data.phone)
    return data


def create_user(actor: User, data: UserData, district_id: int) -> User:
    """A new account. Usernames are kept in lower case, so the unique index on `username`
    holds "one account per name" as signing in reads it (case-insensitively), also when two
    admins create the same name at once (RuleViolation on `username`). Name, phone and user
    name are stored in their normal form (core.text: a Chinese keyboard's full width)."""
    data = _normalised(data)
    data.username = data.username.lower()
    if find_by_username(data.username):
        raise RuleViolation(_("用户名已被使用"), field="username")
    user = User(district_id=district_id, **data.__dict__)
    with held(_("用户名已被使用"), field="username"):
        db.session.add(user)
    audit.record(actor, "user.create", user)
    return user


def update_user(actor: User, user: User, data: UserData) -> User:
    data = _normalised(data)
    if data.username.lower() != user.username.lower():
        data.username = data.username.lower()
    other = find_by_username(data.username)
    if other is not None and other.id != user.id:
        raise RuleViolation(_("用户名已被使用"), field="username")
    if user.id == actor.id and not data.active:
        raise RuleViolation(_("不能停用自己的账号"), field="active")
    changed = {k: v for k, v in data.__dict__.items() if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if "active" in changed:
        user.session_version += 1
    if "username" in changed:
        with held(_("用户名已被使用"), field="username"):
            pass
    audit.record(actor, "user.update", user, fields=sorted(changed))
    return user


def set_school_roles(actor: User, user: User, school_id: int, roles: set[Role]) -> None:
    """Replace the user's roles at one school by `roles` (school roles only)."""
    wanted = {r for r in roles if r in (Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.TEACHER)}
    if (
        user.id == actor.id
        and Role.SCHOOL_ADMIN not in wanted
        and actor.has_role(Role.SCHOOL_ADMIN, school_id)
    ):
        raise RuleViolation(_("不能取消自己的学校管理员角色"), field="roles")
    current = {r.role: r for r in user.roles if r.school_id == school_id}
    # Two admins saving the roles at once: the unique (user, role, school) index refuses the
    # second grant, and the second is told the roles changed.
    with held(_("这个账号的角色刚刚被其他人修改过，请刷新页面后再试"), conflict=True):
        for role, grant in current.items():
            if role not in wanted:
                user.roles.remove(grant)
        for role in wanted - set(current):
            user.roles.append(UserRole(role=role, school_id=school_id))
    audit.record(
        actor, "user.roles", user, school_id=school_id, roles=sorted(str(r) for r in wanted)
    )
