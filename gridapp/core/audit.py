"""Append-only audit log: who did what to which object, when and from where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import has_request_context
from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from gridapp.core.models import UTCDateTime, utcnow
from gridapp.extensions import client_ip, db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")  # kept if the user changes
    action: Mapped[str] = mapped_column(String(64), index=True)  # "login.failed", "student.view"
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor = relationship("User")


class AuditIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly("audit entries are never changed or deleted")


def record(
    actor,
    action: str,
    obj: Any = None,
    *,
    school_id: int | None = None,
    actor_name: str | None = None,
    keep_ip: bool = True,
    **detail: Any,
) -> AuditEntry:
    """Add one entry to the current transaction (the request commits it with the change itself).
    `keep_ip=False` for what an anonymous writer sends: nothing may point back at them."""
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    if school_id is None and obj is not None:
        # An entry about a school is that school's (its admin reads it in the log); about
        # anything else, the school the object belongs to.
        if getattr(obj, "__tablename__", None) == "schools":
            school_id = obj.id
        else:
            school_id = getattr(obj, "school_id", None)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor_name if actor_name is not None else (actor.username if actor else ""),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None) if obj is not None else None,
        school_id=school_id,
        ip=client_ip() if keep_ip and has_request_context() else "",
        detail={k: v for k, v in detail.items() if v is not None},
    )
    db.session.add(entry)
    return entry
