"""Opinion cases (意见建议): one model for every channel. The grid relay made the first version;
the closed loop (mailbox, deadlines, supervision) grows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from gridapp.extensions import db


class CaseSource(LabelledEnum):
    MAILBOX = ("mailbox", N_("校长信箱"))
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
    reply: Mapped[str] = mapped_column(Text, default="")  # the answer for the parent
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    family_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by = relationship("User")
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

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("User")
