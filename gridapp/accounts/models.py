"""Users, the roles they hold, and one-time invitation / reset links."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, inspect, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from gridapp.core import generations, text
from gridapp.core.i18n import N_
from gridapp.core.models import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    enum_column,
    keep_normal_form,
    name_key_column,
    utcnow,
)
from gridapp.extensions import db


def password_hash_method() -> str:
    """PASSWORD_HASH_METHOD of the running app, else the production default (scrypt)."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return "scrypt"


class Role(LabelledEnum):
    DISTRICT_ADMIN = ("district_admin", N_("教育局管理员"))
    DISTRICT_SUPERVISOR = ("district_supervisor", N_("教育局督查"))
    SCHOOL_ADMIN = ("school_admin", N_("学校管理员"))
    PRINCIPAL = ("principal", N_("校长 / 书记"))
    TEACHER = ("teacher", N_("教师"))
    GUARDIAN = ("guardian", N_("家长"))


DISTRICT_ROLES = {Role.DISTRICT_ADMIN, Role.DISTRICT_SUPERVISOR}
SCHOOL_ROLES = {Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.TEACHER}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = name_key_column()  # pinyin order (core.text.name_sort_key)
    phone: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(40), default="")  # 职务: 校长, 党支部书记, ...
    is_party_member: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change so that other sessions of the account end (Flask-Login id).
    session_version: Mapped[int] = mapped_column(default=1)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    # The browser's session key (accounts.services.start_session): set on sign-in and on each
    # request's load, never stored (only its hash is, in `user_sessions`).
    session_key = None

    def get_id(self) -> str:
        """Flask-Login's id, kept in the signed session cookie: "<id>:<version>:<session key>"."""
        return f"{self.id}:{self.session_version}:{self.session_key or ''}"

    def set_password(self, password: str) -> None:
        """Hash with the configured method (scrypt; the tests configure a cheap one)."""
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Roles
    def has_role(self, role: Role, school_id: int | None = None) -> bool:
        return any(
            r.role == role and (school_id is None or r.school_id == school_id) for r in self.roles
        )

    def school_ids_with(self, *roles: Role) -> set[int]:
        return {r.school_id for r in self.roles if r.role in roles and r.school_id is not None}

    @property
    def staff_school_ids(self) -> set[int]:
        return self.school_ids_with(*SCHOOL_ROLES)

    @property
    def is_district(self) -> bool:
        return any(r.role in DISTRICT_ROLES for r in self.roles)

    @property
    def is_guardian(self) -> bool:
        return self.has_role(Role.GUARDIAN)

    @property
    def role_labels(self) -> list[str]:
        labels = []
        for r in self.roles:
            if r.role.label not in labels:
                labels.append(r.role.label)
        return labels


class UserRole(db.Model):
    """One role a user holds; school roles name their school, district roles none. A district
    supervisor of a city or province bureau names the region (`region_id`) whose subtree they
    supervise instead of their own district (schools.permissions.district_school_ids)."""

    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "school_id"),
        CheckConstraint(
            "(role IN ('district_admin', 'district_supervisor', 'guardian') AND school_id IS NULL)"
            " OR (role IN ('school_admin', 'principal', 'teacher') AND school_id IS NOT NULL)",
            name="school_matches_role",
        ),
        CheckConstraint(
            "region_id IS NULL OR role = 'district_supervisor'", name="region_for_supervisor"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = enum_column(Role, name="role")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    school = relationship("School")


class Invitation(TimestampMixin, db.Model):
    """A one-time link to set a password: for a new account or a reset. Only its hash is stored."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_token_hash", "token_hash", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class UserSession(db.Model):
    """A signed-in browser, kept on the server (issue 20 item 2: a cookie copied before
    POST /logout still opened /account). The cookie holds the key, the table its SHA-256;
    logout deletes the row, a password change or an admin's reset deletes all of the account's,
    and a session idle past SESSION_IDLE_MINUTES ends (accounts.services)."""

    __tablename__ = "user_sessions"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


keep_normal_form(User.name, text.normalise_name, "name_key", text.name_sort_key)
keep_normal_form(User.phone, text.normalise_phone)


def _renamed_teacher_schools(session, user: User):
    """A teacher's name is shown on the class worklists of their schools; nothing else of a
    user (a login time, a password) changes any figure."""
    if not inspect(user).attrs.name.history.has_changes():
        return set()
    return set(
        session.execute(
            select(UserRole.school_id).where(
                UserRole.user_id == user.id, UserRole.school_id.is_not(None)
            )
        ).scalars()
    )


# What the school figures are computed from (core.generations: kept figures stay exact).
generations.watch(User, _renamed_teacher_schools)
generations.watch(UserRole, generations.column("school_id"))
