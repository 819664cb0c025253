"""In-app notices (a reminder, a cancelled day): any package leaves one for a user; the home page
shows the unread ones until the user marks them read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.models import UTCDateTime
from gridapp.core.time import now
from gridapp.extensions import db


class Notice(db.Model):
    """An in-app notice shown on the user's home page until read."""

    __tablename__ = "notices"
    # A notice that must be left once (a reminder) carries a key: the database refuses a second
    # one with the same key for the same user, however often or by however many workers the job
    # that leaves it runs. Notices without a key (NULL) are never compared.
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    key: Mapped[str | None] = mapped_column(String(120))


def notify(
    user_id: int,
    text: str,
    url: str = "",
    key: str | None = None,
    *,
    sms: bool = False,
    school_id: int | None = None,
) -> bool:
    """Leave `text` (with an optional link) for the user; the request's (or task's) commit keeps
    it. With a `key` (e.g. "reception.remind:booking:42") the notice is left once per user and
    key: a second call, here or in another worker at the same moment, leaves nothing. With
    `sms`, the same text also goes to the account's mobile number through the outbox
    (core/outbox.py), in the same transaction, once with the notice (`school_id` shows it on
    that school's outbox page). Returns whether a notice was left."""
    notice = Notice(user_id=user_id, text=text[:300], url=url[:200], created_at=now(), key=key)
    if key is None:
        db.session.add(notice)
    else:
        if db.session.scalar(select(Notice.id).where(Notice.user_id == user_id, Notice.key == key)):
            return False
        try:
            with db.session.begin_nested():
                db.session.add(notice)
                db.session.flush()
        except IntegrityError:
            return False
    if sms:
        from gridapp.core import outbox

        kind = (key or "notice").split(":", 1)[0]
        outbox.queue_to_user(outbox.Channel.SMS, user_id, text, school_id=school_id, kind=kind)
    return True


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
