"""Figures kept for the pages that read many schools at once (issue 17): each school's coverage
totals for its current semester, computed by the quota engine and refreshed in the background."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.models import UTCDateTime
from gridapp.extensions import db


class CoverageSnapshot(db.Model):
    """One school's coverage (`rules.class_coverage`, `rules.teacher_coverage` and their total)
    for the semester current on `day`, as computed at `computed_at`. `shares` maps each rule
    column to [met, total, late].
    A cache of the live engine: never edited by hand, replaced whole when recomputed."""

    __tablename__ = "coverage_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), unique=True)
    # No foreign key: a cache must not stand in the way of editing a school's calendar.
    semester_id: Mapped[int]
    day: Mapped[date]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The school's generation (core.generations) the figures were computed at: while it is the
    # school's generation still, and the day is the same, they are exact.
    generation: Mapped[int] = mapped_column(default=0, server_default="0")
    students: Mapped[int]
    home_visits: Mapped[int]
    shares: Mapped[dict] = mapped_column(JSON)
    # The school's coverage page: per class {"<id>": {"students", "home_visits", "shares"}} and
    # per teacher {"<id>": {"students" (families), "contacts", "shares"}}.
    classes: Mapped[dict] = mapped_column(JSON, default=dict)
    teachers: Mapped[dict] = mapped_column(JSON, default=dict)
    # The dashboards' figures beside coverage (reports.dashboards.Extras: door visits this
    # school year, parents' evaluations, academic reviews), the school's total; each class's
    # are under "extras" in `classes`. None in a snapshot kept before they existed.
    extras: Mapped[dict | None] = mapped_column(JSON)
