"""Opinion cases (意见建议): one model for every channel. The grid relay made the first version;
the closed loop (mailbox, deadlines, supervision) grows it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from gridapp.extensions import db


class CaseSource(LabelledEnum):
    MAILBOX = ("mailbox", N_("校长信箱"))
    CONTACT = ("contact", N_("家访"))
    GRID = ("grid", N_("网格员转达"))
    RECEPTION = ("reception", N_("接待日"))
    HOTLINE = ("hotline", N_("校长热线"))
    LETTER = ("letter", N_("书面来信"))
    WALK_IN = ("walk_in", N_("来访"))
    ONLINE = ("online", N_("网上直通车"))


class CaseCategory(LabelledEnum):
    TEACHING = ("teaching", N_("教学"))
    SAFETY = ("safety", N_("安全"))
    FEES = ("fees", N_("收费"))
    ETHICS = ("ethics", N_("师德"))
    CANTEEN = ("canteen", N_("食堂"))
    CAMPUS = ("campus", N_("校园环境"))
    OTHER = ("other", N_("其他"))


class CaseStatus(LabelledEnum):
    """收集→登记→提交→交办→反馈→存档 (the loop of seed 004)."""

    COLLECTED = ("collected", N_("已收集"))
    REGISTERED = ("registered", N_("已登记"))
    SUBMITTED = ("submitted", N_("已提交"))
    ASSIGNED = ("assigned", N_("已交办"))
    REPLIED = ("replied", N_("已反馈"))
    ARCHIVED = ("archived", N_("已存档"))


class Case(TimestampMixin, db.Model):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    source: Mapped[CaseSource] = enum_column(CaseSource, name="case_source")
    category: Mapped[CaseCategory] = enum_column(CaseCategory, name="case_category")
    status: Mapped[CaseStatus] = enum_column(CaseStatus, name="case_status")
    subject: Mapped[str] = mapped_column(String(100), default="")
    words: Mapped[str] = mapped_column(Text)  # the parent's words, verbatim
    wants_answer: Mapped[bool] = mapped_column(default=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When the opinion reached the school (the letter stored, the call taken, the parent met),
    # not when GridApp handled it: the deadline and the reply times count from here.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # False when staff gave only the day it came in (the time of day is then not known).
    received_time_known: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Who called or wrote, when staff register it (a paper letter, a hotline call, a walk-in).
    caller_name: Mapped[str] = mapped_column(String(40), default="", server_default=text("''"))
    caller_phone: Mapped[str] = mapped_column(String(20), default="", server_default=text("''"))
    reply: Mapped[str] = mapped_column(Text, default="")  # the answer for the parent
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Assignment (交办): to a person, or a department named in words, under a deadline.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    department: Mapped[str] = mapped_column(String(40), default="", server_default=text("''"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(index=True)
    # How due_on was counted: this many working days after this day (that day not counted).
    due_from: Mapped[date | None]
    due_workdays: Mapped[int | None]
    due_estimated: Mapped[bool] = mapped_column(default=False, server_default=false())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 none, 1 overdue: the principal is told, 2 still overdue: the district is told.
    escalation: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A public reply waiting for the principal's approval (when the school requires it).
    reply_draft: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    reply_drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The parent's rating of the answer; a rating of 2 or less may reopen the case once.
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_rating: Mapped[bool] = mapped_column(default=False, server_default=false())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # A reception booking it came from (reception days add the foreign key).
    booking_id: Mapped[int | None] = mapped_column(index=True, unique=True)  # one case per booking
    # A parent's opinion heard at a contact (家访, seed 004 §13): one case per contact.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), unique=True)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    # By name: grids sits above cases (a grid relays opinions as cases), so cases never imports it.
    grid = relationship("Grid")
    contact = relationship("Contact")
    letter: Mapped[Letter | None] = relationship(back_populates="case", uselist=False)

    @property
    def is_open(self) -> bool:
        return self.status not in {CaseStatus.REPLIED, CaseStatus.ARCHIVED}

    @property
    def anonymous(self) -> bool:
        return self.letter is not None and self.letter.anonymous

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CaseEvent(db.Model):
    """The case's append-only history: every move, note and reply."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")

    # public: shown to the parent on the tracking page (the reply); the rest is internal.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("User")


class Letter(TimestampMixin, db.Model):
    """A letter to the principal's mailbox, stored as it was sent, before anything else runs.
    Anonymous letters keep no name, phone, class, IP or cookie of their writer."""

    __tablename__ = "letters"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    category: Mapped[CaseCategory] = enum_column(CaseCategory, name="letter_category")
    subject: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(default=False)
    writer_name: Mapped[str] = mapped_column(String(40), default="")
    writer_phone: Mapped[str] = mapped_column(String(20), default="")
    child_class: Mapped[str] = mapped_column(String(40), default="")
    # sha256 of the tracking code: the code itself is shown once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    guardian_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    case: Mapped[Case | None] = relationship(back_populates="letter")
    attachments: Mapped[list[LetterAttachment]] = relationship(
        back_populates="letter", order_by="LetterAttachment.id"
    )


class LetterAttachment(db.Model):
    __tablename__ = "letter_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # jpeg, png, pdf (checked by content)
    size: Mapped[int]
    path: Mapped[str] = mapped_column(String(200))
    # The file's name as the writer gave it (core.storage.clean_filename); "" for an anonymous
    # letter, whose file names could name its writer.
    name: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))

    @property
    def extension(self) -> str:
        return {"jpeg": "jpg", "png": "png", "pdf": "pdf"}.get(self.kind, "bin")

    letter: Mapped[Letter] = relationship(back_populates="attachments")


class CaseDeadline(db.Model):
    """A school's deadline in working days for one category (default 5)."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        UniqueConstraint("school_id", "category"),
        CheckConstraint("workdays between 1 and 60", name="workdays_1_to_60"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    category: Mapped[CaseCategory] = enum_column(CaseCategory, name="deadline_category")
    workdays: Mapped[int]


class CaseSettings(db.Model):
    """A school's rules for its cases."""

    __tablename__ = "case_settings"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    reply_needs_approval: Mapped[bool] = mapped_column(default=True)


class CannedReply(TimestampMixin, db.Model):
    """A reply text a school keeps ready for a category."""

    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    category: Mapped[CaseCategory] = enum_column(CaseCategory, name="canned_category")
    title: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class Supervision(TimestampMixin, db.Model):
    """A district supervisor's comment on a case (督查), possibly requiring it handled again."""

    __tablename__ = "supervisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text)
    reopened: Mapped[bool] = mapped_column(default=False)

    supervisor = relationship("User")


class CaptchaSpent(db.Model):
    """A mailbox captcha that was answered (right or wrong): its token's SHA-256, so it is
    answered once. Showing a challenge stores nothing (cases.mailbox.new_captcha: the answer is
    drawn from the signed token); rows older than the challenges' hour are dropped."""

    __tablename__ = "captcha_spent"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
