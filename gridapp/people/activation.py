"""Reaching parents (issue 15 item 7): one-time activation codes per guardian, a class's printable
letters that carry them, codes sent by SMS through the outbox, and a guardian activating their
own account with a code and the last four digits of their mobile number."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit, outbox, text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.models import UTCDateTime
from gridapp.core.time import format_date, local, now
from gridapp.core.unique import lock_row
from gridapp.extensions import db
from gridapp.people.letters import LetterJob
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.models import School, SchoolClass

# No 0/O, 1/I: a code is read off paper and typed on a phone.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class ActivationCode(db.Model):
    """A guardian's open activation code: one row per guardian (the unique index holds "one open
    code"), so issuing a new code replaces the old one, which stops working. Only the code's
    hash is kept; the code itself is on the letter (or in the SMS) alone."""

    __tablename__ = "activation_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The letters job whose PDF carries the code; None when it went by SMS or alone.
    letter_job_id: Mapped[int | None] = mapped_column(ForeignKey("activation_letter_jobs.id"))

    guardian: Mapped[Guardian] = relationship()
    letter_job: Mapped[LetterJob | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.expires_at > now()


def normalise_activation_code(value: str | None) -> str:
    """A code as typed (full width, lower case, spaces and hyphens: "abcd-2345") in its stored
    form before hashing: "ABCD2345" (core.text.normalise_code)."""
    return text.normalise_code(value)


def hash_code(code: str) -> str:
    """The stored form of a code: SHA-256 of its normal form, hex."""
    return hashlib.sha256(normalise_activation_code(code).encode()).hexdigest()


def new_code() -> str:
    """Eight characters from ALPHABET (40 bits), from the system's random source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_days() -> int:
    return int(current_app.config.get("ACTIVATION_CODE_DAYS") or 30)


def issue_code(
    actor: User | None, guardian: Guardian, school_id: int, letter_job_id: int | None = None
) -> str:
    """A new activation code for `guardian`, valid ACTIVATION_CODE_DAYS (default 30) days;
    returns it (shown once: only its hash is kept). Any earlier code of the guardian stops
    working: the guardian's one row is overwritten. Two issues at once leave one code, the
    later one (the row is locked by its conditional UPDATE or refused by the unique index).
    `letter_job_id`: the letters job that prints it (None: by SMS or shown alone)."""
    code = new_code()
    at = now()
    values = {
        "code_hash": hash_code(code),
        "school_id": school_id,
        "issued_by_id": actor.id if actor is not None else None,
        "issued_at": at,
        "expires_at": at + timedelta(days=code_days()),
        "used_at": None,
        "letter_job_id": letter_job_id,
    }
    replaced = db.session.execute(
        update(ActivationCode)
        .where(ActivationCode.guardian_id == guardian.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced != 1:
        try:
            with db.session.begin_nested():
                db.session.add(ActivationCode(guardian_id=guardian.id, **values))
                db.session.flush()
        except IntegrityError:  # issued at the same moment elsewhere: this one replaces it
            db.session.execute(
                update(ActivationCode)
                .where(ActivationCode.guardian_id == guardian.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    audit.record(actor, "guardian.activation_code", guardian, school_id=school_id)
    return code


# ---- a class's guardians and their letters --------------------------------------------------------


def may_issue_letters(user: User, school_class: SchoolClass) -> bool:
    """Who hands out a class's activation letters and codes: the school's admin and principal
    (they load the rosters and lead the school) and the class's head teacher (who meets its
    parents); no query (the class page asks it for every visitor)."""
    from gridapp.schools.permissions import is_school_leader

    sid = school_class.school_id
    return is_school_leader(user, sid) or (
        school_class.head_teacher_id == user.id and user.has_role(Role.TEACHER, sid)
    )


@dataclass
class Recipient:
    """A guardian of a class's students, with the children (in the class and elsewhere) the
    letter names, and why they get no letter (empty when they do). `held`: the open code is on
    another class's letter ("已在其他班级的激活通知中（三年级（2）班，2026-11-30）"); such
    guardians get a new letter only when the user asks to reissue (issue 15 item 7, siblings)."""

    guardian: Guardian
    children: list[Student] = field(default_factory=list)
    skipped: str = ""
    code: ActivationCode | None = None
    username: str = ""
    held: str = ""


def class_recipients(school_class: SchoolClass) -> list[Recipient]:
    """Every guardian of the class's active students, in the order of their first child's
    student number, each with their active children at the school and whether they get a
    letter: not when they have no mobile number (the last four digits are the second factor),
    already activated their account, or hold a staff account; and whether their open code is on
    another class's letter (a sibling's class: `held`). Three queries."""
    links = db.session.scalars(
        select(StudentGuardian)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(Student.class_id == school_class.id, Student.status == StudentStatus.ACTIVE)
        .options(
            joinedload(StudentGuardian.guardian).joinedload(Guardian.user).selectinload(User.roles),
            joinedload(StudentGuardian.student),
        )
        .order_by(Student.student_number, StudentGuardian.is_primary.desc(), StudentGuardian.id)
    ).all()
    by_guardian: dict[int, Recipient] = {}
    for link in links:
        recipient = by_guardian.setdefault(link.guardian_id, Recipient(link.guardian))
        recipient.children.append(link.student)
    codes = {
        c.guardian_id: c
        for c in db.session.scalars(
            select(ActivationCode)
            .where(ActivationCode.guardian_id.in_(list(by_guardian)))
            .options(joinedload(ActivationCode.letter_job).joinedload(LetterJob.school_class))
        )
    }
    for recipient in by_guardian.values():
        g = recipient.guardian
        recipient.code = codes.get(g.id)
        recipient.username = g.user.username if g.user is not None else f"jz{g.id:06d}"
        if g.user is not None and any(r.role != Role.GUARDIAN for r in g.user.roles):
            recipient.skipped = _("教职工账号")
        elif g.user is not None and g.user.password_hash:
            recipient.skipped = _("已激活")
        elif not text.is_mobile(g.mobile):
            recipient.skipped = _("没有手机号，无法激活")
        job = recipient.code.letter_job if recipient.code is not None else None
        if (
            job is not None
            and recipient.code.is_open
            and job.class_id != school_class.id
            and job.status != "failed"
        ):
            recipient.held = _(
                "已在其他班级的激活通知中（%(c)s，%(d)s）",
                c=job.school_class.name, d=format_date(local(recipient.code.issued_at).date()),
            )  # fmt: skip
    return list(by_guardian.values())


@dataclass
class Letter:
    guardian: Guardian
    children: list[Student]
    code: str
    username: str
    expires_at: datetime


def issue_letters(
    actor: User, school_class: SchoolClass, job_id: int, reissue: bool = False
) -> list[tuple[int, str]]:
    """New codes, printed by letters job `job_id`, for every guardian of the class who can
    activate (class_recipients), as (guardian id, code); their earlier codes stop working. A
    guardian whose open code is on another class's letter (`held`: a sibling's class) keeps it
    and gets no letter here, unless `reissue` (that letter stops working). Audited once for the
    class, with how many were left out."""
    issued = []
    held = 0
    for r in class_recipients(school_class):
        if r.skipped:
            continue
        if r.held and not reissue:
            held += 1
            continue
        code = issue_code(actor, r.guardian, school_class.school_id, letter_job_id=job_id)
        issued.append((r.guardian.id, code))
    audit.record(
        actor, "guardian.activation_letters", school_class, school_id=school_class.school_id,
        letters=len(issued), held=held, reissue=reissue, job=job_id,
    )  # fmt: skip
    return issued


def letters_for(school_class: SchoolClass, codes: dict[int, str]) -> list[Letter]:
    """The letters of the guardians in `codes` (guardian id → plain code), in the class's order
    (class_recipients), each naming all the guardian's active children (the letters job)."""
    expires = {
        c.guardian_id: c.expires_at
        for c in db.session.scalars(
            select(ActivationCode).where(ActivationCode.guardian_id.in_(list(codes)))
        )
    }
    return [
        Letter(r.guardian, r.children, codes[r.guardian.id], r.username, expires[r.guardian.id])
        for r in class_recipients(school_class)
        if r.guardian.id in codes and r.guardian.id in expires
    ]


def send_codes(actor: User, school_class: SchoolClass, activate_url: str) -> int:
    """A new code by SMS (through the outbox, in this transaction) to every guardian of the
    class who can activate; earlier codes stop working, those on a letter of another class too
    (the SMS replaces the code, as the letters page says). Returns how many were queued."""
    school = school_class.school
    count = 0
    for r in class_recipients(school_class):
        if r.skipped:
            continue
        code = issue_code(actor, r.guardian, school_class.school_id)
        names = "、".join(s.name for s in r.children)
        body = _(
            "【%(school)s】%(names)s的家长您好：您的家长账号激活码是 %(code)s，%(days)d 天内有效。"
            "请打开 %(url)s ，输入激活码和本手机号后四位，设置密码即可使用。",
            school=school.name, names=names, code=outbox.SECRET, days=code_days(),
            url=activate_url,
        )  # fmt: skip
        outbox.queue(
            outbox.Channel.SMS, r.guardian.mobile, body, user_id=r.guardian.user_id,
            school_id=school_class.school_id, created_by_id=actor.id, kind="activation_code",
            secret=code,
        )  # fmt: skip
        count += 1
    audit.record(
        actor, "guardian.activation_sms", school_class, school_id=school_class.school_id,
        messages=count,
    )  # fmt: skip
    return count


def code_messages(
    school_class: SchoolClass, recipients: list[Recipient]
) -> dict[str, outbox.OutboxMessage]:
    """The newest activation-code SMS to each mobile number of the class's guardians (by
    number), for the letters page to show what became of them."""
    mobiles = [r.guardian.mobile for r in recipients if r.guardian.mobile]
    if not mobiles:
        return {}
    rows = db.session.scalars(
        select(outbox.OutboxMessage)
        .where(
            outbox.OutboxMessage.kind == "activation_code",
            outbox.OutboxMessage.school_id == school_class.school_id,
            outbox.OutboxMessage.address.in_(mobiles),
        )
        .order_by(outbox.OutboxMessage.id)
    )
    return {m.address: m for m in rows}


# ---- activating -----------------------------------------------------------------------------------


def _wrong() -> RuleViolation:
    # One message for a wrong code and wrong digits alike: which one was wrong is not told.
    return RuleViolation(_("激活码或手机号后四位不正确，请核对后重新输入"), field="code")


def activate(code: str, last_four: str, password: str) -> User:
    """The guardian's account, activated: the code (any case, spaces or hyphens) must be open
    and the four digits the end of the guardian's mobile number. Creates the account (user name
    "jz" + the guardian's id, role guardian, linked by Guardian.user_id) or sets the password of
    the one made without a password (people.services.guardian_account); the code is used once
    (conditional UPDATE). Raises RuleViolation: the same message for a wrong code or wrong
    digits; its own for an expired or used code, a staff or stopped account, a weak password."""
    from gridapp.accounts import services as accounts

    normal = normalise_activation_code(code)
    digits = text.normalise_number(last_four)
    row = None
    if len(normal) == CODE_LENGTH and normal.isalnum() and normal.isascii():
        row = db.session.scalar(
            select(ActivationCode)
            .where(ActivationCode.code_hash == hash_code(normal))
            .options(joinedload(ActivationCode.guardian))
        )
    mobile = row.guardian.mobile if row is not None else ""
    if row is None or len(mobile) < 4 or not hmac.compare_digest(mobile[-4:], digits):
        raise _wrong()
    if row.used_at is not None:
        raise RuleViolation(
            _("这个激活码已经使用过。如已激活，请直接登录；忘记密码请联系班主任或学校。"), field="code"
        )  # fmt: skip
    if row.expires_at <= now():
        raise RuleViolation(
            _("这个激活码已过期，请联系班主任或学校重新发放激活码。"), field="code"
        )  # fmt: skip
    accounts.check_new_password(password, field="password")
    guardian = row.guardian
    lock_row(Guardian, guardian.id)
    db.session.refresh(guardian)
    user = guardian.user
    if user is not None and any(r.role != Role.GUARDIAN for r in user.roles):
        raise RuleViolation(_("您在学校有教职工账号，请用教职工账号登录。"), field="code")
    if user is not None and not user.active:
        raise RuleViolation(_("这个家长账号已停用，请联系学校。"), field="code")
    used = db.session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id, ActivationCode.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:  # used from another tab at the same moment
        raise RuleViolation(
            _("这个激活码已经使用过。如已激活，请直接登录；忘记密码请联系班主任或学校。"), field="code"
        )  # fmt: skip
    if user is None:
        district_id = db.session.scalar(
            select(School.district_id).where(School.id == row.school_id)
        )
        user = accounts.create_user(
            None,
            accounts.UserData(username=f"jz{guardian.id:06d}", name=guardian.name,
                              phone=guardian.mobile),
            district_id,
        )  # fmt: skip
        user.roles.append(UserRole(role=Role.GUARDIAN))
        db.session.flush()
        guardian.user_id = user.id
    user.set_password(password)
    accounts.end_sessions(user)
    user.last_login_at = now()
    db.session.flush()
    audit.record(user, "guardian.activate", guardian, school_id=row.school_id, user_id=user.id)
    return user
