"""1+N pairing (结对帮扶): students in need, their Party-member teachers, the support plan
(一生一案) in versions, and the support log. Seed 004 §10–11 (1 党员教师 + N 困难学生, 应帮尽帮),
seed 003 二 (一对一结对子, 四帮扶, 回访).

Who is in need: every student holding an open focus category (people.StudentFocus), plus those a
head teacher or leader added (`NeedMark` INCLUDE, confirmed), minus those whose removal a school
leader confirmed (`NeedMark` EXCLUDE, confirmed). At most one open mark per student.

A pairing joins one teacher with one student from `starts_on`; it ends (never deleted) with an
`ends_on` and a reason. At most one active pairing per student, held by a partial unique index.
A follow-up home visit (回访) is a contact (contacts.Contact) the paired teacher took part in with
the student's family during the pairing: recorded once, it is in the contact figures and in the
support log alike (`logs.support_log`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from gridapp.extensions import db

DEFAULT_MAX_STUDENTS = 5  # N of 1+N, per school (the default; seed 004 §10 leaves it open)


class HelpKind(LabelledEnum):
    """The four kinds of help of a support plan and a log entry (seed 003 二 四帮扶, as the
    district words them: 思想、学习、心理、生活)."""

    THOUGHT = ("thought", N_("思想帮扶"))
    STUDY = ("study", N_("学习帮扶"))
    PSYCHOLOGY = ("psychology", N_("心理帮扶"))
    LIFE = ("life", N_("生活帮扶"))


class NeedDecision(LabelledEnum):
    INCLUDE = ("include", N_("列入帮扶对象"))
    EXCLUDE = ("exclude", N_("移出帮扶对象"))


class NeedMarkStatus(LabelledEnum):
    PROPOSED = ("proposed", N_("待确认"))
    CONFIRMED = ("confirmed", N_("已确认"))
    REJECTED = ("rejected", N_("未同意"))
    ENDED = ("ended", N_("已结束"))


OPEN_MARK_STATUSES = (NeedMarkStatus.PROPOSED, NeedMarkStatus.CONFIRMED)


class NeedMark(TimestampMixin, db.Model):
    """A decision beyond the default on whether a student is in need: a head teacher adds a
    student (with a reason) or proposes removing a focus student; a school leader confirms. A
    leader's own mark is confirmed at once. Replaced, never deleted (status `ended`)."""

    __tablename__ = "need_marks"
    __table_args__ = (
        Index(
            "ix_need_marks_one_open",
            "student_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'confirmed')"),
            postgresql_where=text("status IN ('proposed', 'confirmed')"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    decision: Mapped[NeedDecision] = enum_column(NeedDecision, name="need_decision")
    status: Mapped[NeedMarkStatus] = enum_column(NeedMarkStatus, name="need_mark_status")
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student = relationship("Student")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class PairingSettings(db.Model):
    """A school's pairing rules: N of 1+N (above it the leader confirms), the support log's
    rhythm and how soon a new pairing needs its plan."""

    __tablename__ = "pairing_settings"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    max_students: Mapped[int] = mapped_column(default=DEFAULT_MAX_STUDENTS)
    log_every_days: Mapped[int] = mapped_column(default=31)  # a support log entry each month
    plan_within_days: Mapped[int] = mapped_column(default=14)  # a new pairing's first plan

    __table_args__ = (
        CheckConstraint("max_students BETWEEN 1 AND 50", name="max_students_range"),
        CheckConstraint("log_every_days BETWEEN 7 AND 120", name="log_every_days_range"),
        CheckConstraint("plan_within_days BETWEEN 1 AND 60", name="plan_within_days_range"),
    )


class Pairing(TimestampMixin, db.Model):
    """One Party-member teacher paired with one student in need, from `starts_on` until
    `ends_on` (the reason kept). Moving a student to another teacher ends this pairing and starts
    a new one: the history stays."""

    __tablename__ = "pairings"
    __table_args__ = (
        # At most one active pairing per student, on both engines (two leaders at once included).
        Index(
            "ix_pairings_one_active",
            "student_id",
            unique=True,
            sqlite_where=text("ends_on IS NULL"),
            postgresql_where=text("ends_on IS NULL"),
        ),
        Index("ix_pairings_teacher_active", "teacher_id", "ends_on"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")  # why paired (the student's difficulty)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The pairing this one continues (a move to another teacher), for the history.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"))

    student = relationship("Student")
    teacher = relationship("User", foreign_keys=[teacher_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])
    plan_versions: Mapped[list[SupportPlanVersion]] = relationship(
        back_populates="pairing", order_by="SupportPlanVersion.version.desc()"
    )

    @property
    def active(self) -> bool:
        return self.ends_on is None


class SupportPlanVersion(db.Model):
    """One version of a pairing's support plan (一生一案): the student's situation, goals under
    each kind of help (`goals`: {HelpKind value: text}), planned actions (`actions`: list of
    {"kind": HelpKind value, "what": text, "due_on": "YYYY-MM-DD"}), and the next review date.
    Revised (a new version) each semester at least; earlier versions are kept."""

    __tablename__ = "support_plan_versions"
    __table_args__ = (UniqueConstraint("pairing_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    version: Mapped[int]
    semester_id: Mapped[int | None] = mapped_column(ForeignKey("semesters.id"))
    situation: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[dict] = mapped_column(JSON, default=dict)
    actions: Mapped[list] = mapped_column(JSON, default=list)
    review_on: Mapped[date]
    note: Mapped[str] = mapped_column(
        String(200), default=""
    )  # what changed, in the author's words
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)

    pairing: Mapped[Pairing] = relationship(back_populates="plan_versions")
    written_by = relationship("User")


class SupportLogEntry(TimestampMixin, db.Model):
    """A dated entry of the help given (帮扶记录): the kind of help, what was done, the outcome,
    the next step. Follow-up home visits are contacts, not entries (see the module's note)."""

    __tablename__ = "support_log_entries"
    __table_args__ = (Index("ix_support_log_pairing_on", "pairing_id", "happened_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"))
    happened_on: Mapped[date]
    kind: Mapped[HelpKind] = enum_column(HelpKind, name="help_kind")
    done: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The form's one-time token: sending the same form twice stores one entry.
    client_token: Mapped[str] = mapped_column(String(64), unique=True)

    pairing: Mapped[Pairing] = relationship()
    written_by = relationship("User")
