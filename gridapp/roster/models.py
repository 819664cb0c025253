"""What the roster package keeps: automatic family links (siblings joined by a guardian's mobile,
to be reviewed and split when wrong), background import jobs with their progress, and the
school-year rollovers (what each did, so undo is exact)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core.models import UTCDateTime, utcnow
from gridapp.extensions import db


class FamilyLink(db.Model):
    """A student joined to a family by an import because a guardian's mobile in the file was
    already a guardian's of that family (a sibling in another class or school of the district):
    listed on the school's review page until split. `mobile` is the number that matched (shown
    masked), `matched_guardian_id` the guardian it matched. A split moves the student and its
    guardians to a new family and sets `split_at`; the row stays (history)."""

    __tablename__ = "roster_family_links"
    __table_args__ = (Index("ix_roster_family_links_school", "school_id", "split_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    matched_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardians.id"))
    mobile: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    split_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    split_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    student = relationship("Student")
    matched_guardian = relationship("Guardian")


class ImportJob(db.Model):
    """A big file's import run in the background (services.BACKGROUND_ROWS): the file kept under
    the instance's uploads/roster until the job ends, its progress (`done` of `total` rows
    checked; then the write), the result's counts or the reason it failed. Seen by its requester
    only."""

    __tablename__ = "roster_import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(120), default="")
    stored: Mapped[str] = mapped_column(String(80), default="")
    skip_errors: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(
        String(10), default="queued"
    )  # running, writing, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        """0–100: checking the rows is 90 %, writing them the rest."""
        if self.status == "done":
            return 100
        if self.status == "writing":
            return 95
        return int(90 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")


class Rollover(db.Model):
    """A school's move from one school year to the next (roster.rollover): classes promoted,
    the last grade graduated, the new year begun. `done` lists every row it changed and how, so
    that undo puts each back exactly. At most one rollover of a year that is not undone (a
    partial unique index): running it twice does not promote twice."""

    __tablename__ = "rollovers"
    __table_args__ = (
        Index(
            "ix_rollovers_one_per_year",
            "school_id",
            "from_year_id",
            unique=True,
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    from_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    to_year_id: Mapped[int | None] = mapped_column(ForeignKey("school_years.id"))
    done: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    from_year = relationship("SchoolYear", foreign_keys=[from_year_id])
    to_year = relationship("SchoolYear", foreign_keys=[to_year_id])
