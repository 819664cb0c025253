"""Parent grids (网格连心): each class's families in grids kept by grid teachers, and the grid
family log (一格一人档案)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, enum_column
from gridapp.extensions import db
from gridapp.people.models import FocusCategory


class Grid(TimestampMixin, db.Model):
    """A grid of one class: a few families kept by a grid teacher (网格员)."""

    __tablename__ = "grids"
    __table_args__ = (
        UniqueConstraint("class_id", "number"),
        # The target of the members' (grid, class) key: a family can only be in a grid of its class.
        UniqueConstraint("id", "class_id", name="uq_grids_id_class"),
        CheckConstraint("number between 1 and 30", name="number_1_to_30"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    grid_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    school_class = relationship("SchoolClass")
    grid_teacher = relationship("User", foreign_keys=[grid_teacher_id])
    deputy = relationship("User", foreign_keys=[deputy_id])
    members: Mapped[list[GridMember]] = relationship(
        back_populates="grid", order_by="GridMember.id"
    )


class GridMember(db.Model):
    """A family in a grid. One grid per family per class, and only a grid of that class: both
    enforced by the database (the unique key and the composite foreign key)."""

    __tablename__ = "grid_members"
    __table_args__ = (
        UniqueConstraint("class_id", "family_id"),
        ForeignKeyConstraint(
            ["grid_id", "class_id"],
            ["grids.id", "grids.class_id"],
            name="fk_grid_members_grid_class",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)

    grid: Mapped[Grid] = relationship(back_populates="members")


class GridLogKind(LabelledEnum):
    GUIDANCE = ("guidance", N_("家庭教育指导"))
    SITUATION = ("situation", N_("情况变化"))
    HELP = ("help", N_("帮扶"))
    NOTE = ("note", N_("备注"))


class GridLog(TimestampMixin, db.Model):
    """A dated entry about one family in the grid family log (一格一人档案)."""

    __tablename__ = "grid_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    happened_on: Mapped[date]
    kind: Mapped[GridLogKind] = enum_column(GridLogKind, name="grid_log_kind")
    text: Mapped[str] = mapped_column(Text)
    # A situation change may mark (True) or end (False) a focus category of one student.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id"))
    focus_category: Mapped[FocusCategory | None] = enum_column(
        FocusCategory, name="focus_category", nullable=True
    )
    focus_marked: Mapped[bool | None]

    author = relationship("User")
    student = relationship("Student")

    @property
    def focus_change(self) -> bool:
        return self.focus_category is not None


class GuidanceActivity(TimestampMixin, db.Model):
    """A family-education guidance activity of a class, or of one of its grids, with the
    families who attended."""

    __tablename__ = "guidance_activities"
    __table_args__ = (
        # A grid activity belongs to a grid of the same class (the database checks it).
        ForeignKeyConstraint(
            ["grid_id", "class_id"],
            ["grids.id", "grids.class_id"],
            name="fk_guidance_activities_grid_class",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date]
    place: Mapped[str] = mapped_column(String(100))
    speaker: Mapped[str] = mapped_column(String(60))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    school_class = relationship("SchoolClass")
    grid = relationship(
        "Grid", foreign_keys=[grid_id], primaryjoin="Grid.id == GuidanceActivity.grid_id"
    )
    created_by = relationship("User")
    attendance: Mapped[list[GuidanceAttendance]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )


class GuidanceAttendance(db.Model):
    """A family that attended a guidance activity (one row per family and activity)."""

    __tablename__ = "guidance_attendance"
    __table_args__ = (UniqueConstraint("activity_id", "family_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("guidance_activities.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)

    activity: Mapped[GuidanceActivity] = relationship(back_populates="attendance")
