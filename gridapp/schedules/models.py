"""The contact schedule (教师联系学生家长安排表, seed 004 §2): which teacher contacts which family,
in which form and in which week of a semester, and every move of an item to another week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.contacts.models import ContactForm
from gridapp.core import generations
from gridapp.core.models import TimestampMixin, UTCDateTime, enum_column, utcnow
from gridapp.extensions import db


class ScheduleItem(TimestampMixin, db.Model):
    """One planned contact: `teacher_id` contacts the family `family_id` (through the student
    `student_id` of class `class_id`) in the form `form` during week `week` of the semester
    (week 1: the Monday-to-Sunday week holding its first day). `rule` names the quota it serves
    (`contacts.worklists.rule_labels`). Done is not stored: it is read from the contacts
    (`schedules.services.done_item_ids`). One item per teacher, family and form a semester."""

    __tablename__ = "schedule_items"
    __table_args__ = (
        UniqueConstraint(
            "semester_id", "teacher_id", "family_id", "form", name="uq_schedule_items_one"
        ),
        Index("ix_schedule_items_teacher", "teacher_id", "semester_id"),
        CheckConstraint("week >= 1", name="week_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    semester_id: Mapped[int] = mapped_column(ForeignKey("semesters.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    form: Mapped[ContactForm] = enum_column(ContactForm, name="schedule_contact_form")
    rule: Mapped[str] = mapped_column(String(20))
    week: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    teacher = relationship("User", foreign_keys=[teacher_id])
    student = relationship("Student")
    moves = relationship(
        "ScheduleMove", back_populates="item", order_by="ScheduleMove.id", lazy="selectin"
    )


class ScheduleMove(db.Model):
    """An item moved from one week to another: who, when, from which week to which."""

    __tablename__ = "schedule_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("schedule_items.id"), index=True)
    from_week: Mapped[int]
    to_week: Mapped[int]
    moved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item = relationship("ScheduleItem", back_populates="moves")
    moved_by = relationship("User")


# The worklist shows each family's scheduled week, kept under the school's generation.
generations.watch(ScheduleItem, generations.column("school_id"))
