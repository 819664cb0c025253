"""Parent satisfaction surveys (家长满意度测评, seed 004 §22): a school's survey with its questions,
the anonymous responses, and who has answered (kept apart, so no answer names its parent)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
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


class SurveyStatus(LabelledEnum):
    DRAFT = ("draft", N_("草稿"))
    PUBLISHED = ("published", N_("已发布"))
    CLOSED = ("closed", N_("已结束"))


RATINGS = (1, 2, 3, 4, 5)


class Survey(TimestampMixin, db.Model):
    """One school's survey for a school year (`semester_id` None) or one of its semesters.
    Parents answer it from `opens_on` to `closes_on` (dates in Asia/Shanghai, both included)
    while it is published."""

    __tablename__ = "surveys"
    __table_args__ = (
        # One survey open to parents per school at a time (the one their page shows), held by
        # the database: two leaders publishing two drafts at once publish one.
        Index(
            "ix_surveys_one_published",
            "school_id",
            unique=True,
            sqlite_where=text("status = 'published'"),
            postgresql_where=text("status = 'published'"),
        ),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    semester_id: Mapped[int | None] = mapped_column(ForeignKey("semesters.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    intro: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    status: Mapped[SurveyStatus] = enum_column(SurveyStatus, name="survey_status")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school = relationship("School")
    school_year = relationship("SchoolYear")
    semester = relationship("Semester")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="survey", order_by="SurveyQuestion.position"
    )

    @property
    def period(self) -> str:
        """The school year or semester it is for, as shown ("2026—2027学年第一学期")."""
        return self.semester.name if self.semester is not None else self.school_year.name


class SurveyQuestion(db.Model):
    """A question of a survey, answered with a rating from 1 (很不满意) to 5 (很满意)."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(200))

    survey: Mapped[Survey] = relationship(back_populates="questions")


def _response_id() -> str:
    return secrets.token_hex(16)


class SurveyResponse(db.Model):
    """One parent's answers, anonymous: no account, family, time or sequence is kept. The id is
    random, so neither its value nor its order can be matched with who answered when (the
    `SurveyParticipation` rows, which hold no time either)."""

    __tablename__ = "survey_responses"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_response_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    ratings: Mapped[list[SurveyRating]] = relationship(back_populates="response")


class SurveyRating(db.Model):
    """A response's rating of one question (1–5, held by a check constraint)."""

    __tablename__ = "survey_ratings"
    __table_args__ = (CheckConstraint("rating between 1 and 5", name="rating_1_to_5"),)
    response_id: Mapped[str] = mapped_column(ForeignKey("survey_responses.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id"), primary_key=True, index=True
    )
    rating: Mapped[int]

    response: Mapped[SurveyResponse] = relationship(back_populates="ratings")


class SurveyParticipation(db.Model):
    """That a parent (a guardian's account) has answered a survey: the key is the rule "once
    each", held by the database. Nothing else: no time, no link to the response."""

    __tablename__ = "survey_participations"
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), primary_key=True)
    guardian_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id"), primary_key=True, index=True
    )
