"""Accounts: authentication, passwords, invitations and role grants. Services flush, never commit."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, func, select

from gridapp.accounts.models import Invitation, Role, User, UserRole, UserSession
from gridapp.core import audit, fastload, permissions, text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.core.unique import held
from gridapp.extensions import db

MIN_PASSWORD = 8


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login's loader: "<id>:<version>:<session key>". The account must be active, its
    version the cookie's (a password change ends the account's other sessions), the session's
    row still there (logout deletes it) and the session not idle past SESSION_IDLE_MINUTES
    (issue 20 item 2). One query for all of it, with the user's roles and what the domains
    preload with them (the classes they teach, registered by schools/permissions.py): this runs
    on every request."""
    try:
        user_part, version_part, key = session_id.split(":", 2)
        user_id, version = int(user_part), int(version_part)
    except (ValueError, AttributeError):
        return None
    if not 0 < user_id < 2**31 or not key or len(key) > 64:
        return None
    if _idle():
        return None
    user, values = fastload.get_with(
        User,
        user_id,
        collection="roles",
        also=(*permissions.user_preloads(), ("session_alive", _session_alive())),
        params={"user_id": user_id, "session_key": UserSession.hash_key(key)},
    )
    if user is None or not user.active or user.session_version != version:
        return None
    if not values.get("session_alive"):
        return None
    user.session_key = key
    permissions.prime_user(user, values)
    return user


@functools.cache
def _session_alive():
    """Whether the cookie's session row exists (built once: fastload keeps its statement)."""
    return (
        select(UserSession.key_hash)
        .where(
            UserSession.key_hash == bindparam("session_key"),
            UserSession.user_id == bindparam("user_id"),
        )
        .exists()
    )


SEEN = "_seen"  # the session cookie's last activity, a Unix time (signed with the cookie)
SEEN_EVERY = 300  # seconds between two rewrites of the cookie for its activity time


def _idle() -> bool:
    """Whether the signed cookie's last activity is older than SESSION_IDLE_MINUTES; refreshes
    it (a new cookie) at most every SEEN_EVERY seconds."""
    seen = session.get(SEEN)
    moment = int(now().timestamp())
    if not isinstance(seen, int):
        return True
    if moment - seen > 60 * current_app.config["SESSION_IDLE_MINUTES"]:
        return True
    if moment - seen > SEEN_EVERY:
        session[SEEN] = moment
    return False


def start_session(user: User) -> str:
    """A new server-side session of `user` (a row holding its key's hash); returns the key,
    set on the user for Flask-Login's id. The caller commits."""
    key = secrets.token_urlsafe(24)
    db.session.add(UserSession(key_hash=UserSession.hash_key(key), user_id=user.id))
    db.session.flush()
    user.session_key = key
    return key


def sign_in(user: User) -> None:
    """Sign this browser in as `user`: a new server-side session, Flask-Login's cookie and its
    activity time. The caller commits."""
    start_session(user)
    login_user(user)
    session[SEEN] = int(now().timestamp())


def sign_out(user) -> None:
    """End this browser's session on the server (its row) and in the cookie. The caller
    commits."""
    key = getattr(user, "session_key", None)
    if key:
        db.session.execute(
            delete(UserSession).where(UserSession.key_hash == UserSession.hash_key(key))
        )
    logout_user()


def end_sessions(user: User) -> None:
    """End every session of the account (a password change, an admin's reset or
    deactivation, an activation): its rows go and its version moves on."""
    user.session_version += 1
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


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


# Passwords that pass the length and letters-and-digits rules yet are among the first tried by
# anyone guessing (the most common passwords of Chinese sites' published leaks, and this
# software's own words). Compared without case.
COMMON_PASSWORDS = frozenset(
    [
        "a123456789",
        "a12345678",
        "a1234567",
        "a123456",
        "aa123456",
        "aa123456789",
        "abc123456",
        "abc12345",
        "abcd1234",
        "abcd123456",
        "1qaz2wsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "qaz123456",
        "qazwsx123",
        "1qazxsw2",
        "zaq12wsx",
        "qq123456",
        "qq5201314",
        "woaini1314",
        "woaini520",
        "5201314a",
        "wang1234",
        "zhang123",
        "li123456",
        "123456abc",
        "123456aa",
        "123456qq",
        "123qwe123",
        "qwe123456",
        "asd123456",
        "zxc123456",
        "qwer1234",
        "1234qwer",
        "q1w2e3r4",
        "password1",
        "passw0rd",
        "p@ssw0rd",
        "admin123",
        "admin888",
        "root1234",
        "test1234",
        "iloveyou1",
        "123abc123",
        "abc123abc",
        "gridapp1",
        "gridapp123",
        "jiaxiao123",
        "xuexiao123",
        "laoshi123",
        "jiazhang123",
    ]
)


def check_new_password(password: str, field: str = "new_password", username: str = "") -> None:
    """Refuse a weak new password: shorter than MIN_PASSWORD, letters only or digits only, one
    of COMMON_PASSWORDS, or holding the account's user name (`username`, 4 characters or
    more). Raises RuleViolation beside `field` with the reason in Chinese (issue 20,
    "Passwords and sessions")."""
    if len(password) < MIN_PASSWORD:
        raise RuleViolation(_("密码至少需要 %(n)d 位", n=MIN_PASSWORD), field=field)
    if password.isdigit() or password.isalpha():
        raise RuleViolation(_("密码须同时包含字母和数字"), field=field)
    if password.strip().lower() in COMMON_PASSWORDS:
        raise RuleViolation(_("这个密码太常见，很容易被猜到，请换一个"), field=field)
    name = (username or "").strip().lower()
    if len(name) >= 4 and name in password.lower():
        raise RuleViolation(_("密码不能包含用户名"), field=field)


def change_password(user: User, old: str, new: str) -> None:
    if not user.check_password(old):
        raise RuleViolation(_("原密码不正确"), field="old_password")
    check_new_password(new, username=user.username)
    user.set_password(new)
    end_sessions(user)
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
    check_new_password(password, field="password", username=invitation.user.username)
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
    end_sessions(user)
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
        end_sessions(user)
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
