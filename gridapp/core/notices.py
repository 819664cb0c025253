"""In-app notices (a reminder, a cancelled day): any package leaves one for a user; the home page
shows the unread ones until the user marks them read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.models import UTCDateTime
from gridapp.core.time import now
from gridapp.extensions import db


class Notice(db.Model):
    """An in-app notice shown on the user's home page until read."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def notify(user_id: int, text: str, url: str = "") -> None:
    """Leave `text` (with an optional link) for the user; the request's commit keeps it."""
    db.session.add(Notice(user_id=user_id, text=text[:300], url=url[:200], created_at=now()))


def unread(user_id: int, limit: int = 5) -> list[Notice]:
    """The user's newest unread notices."""
    return db.session.scalars(
        select(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .order_by(Notice.id.desc())
        .limit(limit)
    ).all()


def mark_read(user_id: int) -> None:
    """Every unread notice of the user is read now."""
    db.session.execute(
        update(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .values(read_at=now())
    )
