"""Academic reviews (学业述评): each teacher writes one per student taught per semester."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations
from gridapp.core.i18n import N_
from gridapp.core.models import TimestampMixin, UTCDateTime
from gridapp.extensions import db

ASPECTS = {"attitude": N_("学习态度"), "habits": N_("学习习惯"), "attainment": N_("学业水平")}
LEVELS = {"A": N_("优秀"), "B": N_("良好"), "C": N_("合格"), "D": N_("待提高")}


class AcademicReview(TimestampMixin, db.Model):
    __tablename__ = "academic_reviews"
    __table_args__ = (UniqueConstraint("student_id", "teacher_id", "semester_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), index=True)
    subject: Mapped[str] = mapped_column(default="")
    text: Mapped[str] = mapped_column(Text)
    levels: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    teacher = relationship("User")
    semester = relationship("Semester")


# The dashboards' review completion is kept with the school's figures (reports.extras).
generations.watch(AcademicReview, generations.column("school_id"))
