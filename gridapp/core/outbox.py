"""The outbox: messages to people by email or SMS, written in the transaction of what caused them,
sent by a background task after the commit, retried with backoff, never lost.

Adapters are configured by URL, each optional (README, "Configuration"):

- ``MAIL_URL``: ``smtp://user:pass@host:587?starttls=1&from=noreply@school.cn`` (smtplib;
  ``smtps://`` for TLS from the start; ``from`` defaults to ``MAIL_FROM``).
- ``SMS_URL``: ``https://gateway.example/send`` (or ``http://``): the message is POSTed as JSON
  ``{"to": "13812345678", "text": "..."}``; any 2xx answer is "sent", anything else a failure
  that is retried. ``user:pass@`` in the URL is sent as HTTP basic authentication.
- ``sink://`` (either channel): the message is appended as one JSON line to
  ``<instance>/outbox-sink.jsonl`` (``sink:///abs/path.jsonl`` for another file), for development
  and for the tests, which read it with ``sink_messages()``.

Unset (None) means ``sink://`` when testing or on the embedded SQLite database (``make run``),
and "not configured" otherwise (production): a message of that channel fails at once with a
message saying which variable to set, shown on the outbox page; it is never a crash. An empty
value or ``off`` is "not configured" everywhere.

States: queued → sending → sent; a failed try goes back to queued with ``next_attempt_at`` after
the backoff (1, 5, 15, 60, 240 minutes), and to failed after ``OUTBOX_MAX_ATTEMPTS`` tries; the
school admin's "重试" puts a failed message back in the queue. A try is claimed by a conditional
UPDATE (``status = 'queued'``), so two consumers never send one message twice.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, has_app_context
from huey import crontab
from sqlalchemy import ForeignKey, Index, String, Text, event, select, update
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, Session, mapped_column

from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.models import LabelledEnum, UTCDateTime, enum_column, utcnow
from gridapp.core.tasks import periodic, task
from gridapp.core.time import now
from gridapp.extensions import db

log = logging.getLogger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
STALE = timedelta(minutes=10)  # a try still "sending" after this was cut off (a consumer died)
TIMEOUT = 15  # seconds for one SMTP or HTTP conversation
# Where a message's secret (an activation code) goes in its body: the code is kept apart, only
# until the message is sent, and never shown on the outbox page.
SECRET = "[[secret]]"


class Channel(LabelledEnum):
    EMAIL = ("email", N_("邮件"))
    SMS = ("sms", N_("短信"))


class OutboxStatus(LabelledEnum):
    QUEUED = ("queued", N_("待发送"))
    SENDING = ("sending", N_("发送中"))
    SENT = ("sent", N_("已发送"))
    FAILED = ("failed", N_("发送失败"))


class OutboxMessage(db.Model):
    """One message to one person by one channel, with its sending history in short."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = enum_column(Channel, name="outbox_channel")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(200))  # email address or mobile number
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60), default="")  # what made it: "activation_code"
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    status: Mapped[OutboxStatus] = enum_column(
        OutboxStatus, name="outbox_status", default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    secret: Mapped[str | None] = mapped_column(String(40))  # put into SECRET, cleared once sent

    @property
    def text_to_send(self) -> str:
        """The body with its secret in place: what the adapter sends."""
        return self.body.replace(SECRET, self.secret or "")

    @property
    def shown_body(self) -> str:
        """The body as the outbox page shows it: the secret masked."""
        return self.body.replace(SECRET, "••••••••")


# ---- writing ---------------------------------------------------------------------------------------


def queue(
    channel: Channel,
    address: str,
    body: str,
    *,
    subject: str = "",
    user_id: int | None = None,
    school_id: int | None = None,
    created_by_id: int | None = None,
    kind: str = "",
    secret: str | None = None,
) -> OutboxMessage:
    """Add a message to the current transaction (it is kept, or not, with what caused it) and
    have it sent by a background task once that transaction commits. `address` is an email
    address (EMAIL) or an 11-digit mobile number (SMS). A `secret` (an activation code) goes
    where the body says SECRET; it is kept only until the message is sent and never shown.
    Returns the flushed message."""
    message = OutboxMessage(
        channel=channel,
        address=address[:200],
        subject=subject[:200],
        body=body,
        user_id=user_id,
        school_id=school_id,
        created_by_id=created_by_id,
        kind=kind[:60],
        secret=secret,
        status=OutboxStatus.QUEUED,
        next_attempt_at=now(),
    )
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(_TO_SEND, []).append(message.id)
    return message


def queue_to_user(channel: Channel, user_id: int, body: str, **kw) -> OutboxMessage | None:
    """`queue` to an account's own phone (SMS); None when the account has no mobile number.
    Reads users.phone by name: core sits below accounts."""
    if channel is not Channel.SMS:
        raise ValueError(channel)
    phone = db.session.execute(
        sql("SELECT phone FROM users WHERE id = :id"), {"id": user_id}
    ).scalar()
    if not phone:
        return None
    return queue(channel, phone, body, user_id=user_id, **kw)


def retry(message: OutboxMessage) -> bool:
    """Put a failed message back in the queue for a try now ("重试"); False when it is not
    failed any more (sent, or retried from another tab)."""
    moved = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.QUEUED, next_attempt_at=now(), attempts=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved == 1:
        db.session.info.setdefault(_TO_SEND, []).append(message.id)
        db.session.expire(message)
    return moved == 1


_TO_SEND = "gridapp_outbox_to_send"


@event.listens_for(Session, "after_commit")
def _send_after_commit(session) -> None:
    ids = session.info.pop(_TO_SEND, [])
    if ids:
        try:
            send(ids)  # queued for the worker (run inline when Huey is immediate: tests)
        except Exception:  # the periodic task sends it: the message is safe in the database
            log.exception("outbox: messages %s not handed to the worker", ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_TO_SEND, None)


# ---- sending ---------------------------------------------------------------------------------------


@task()
def send(ids: list[int]) -> int:
    """Try each queued message now (after the commit that wrote them). Returns how many were
    sent. Runs in an app context of its own: it may be called from a commit hook."""
    return sum(1 for i in ids if _in_own_context(deliver, i))


@periodic(crontab(minute="*"), every=timedelta(minutes=1))
def send_due() -> int:
    """Every minute: put back tries that were cut off, then try every message whose time has
    come (a first try the worker missed, a retry after its backoff). Returns how many were sent.
    Its commits also keep the period's claim (core.tasks.periodic): a run cut off half-way is
    made good by the next minute's, which finds the same messages due."""
    return deliver_due()


def _in_own_context(fn, *args):
    with current_app.app_context():  # a session of its own, whatever the caller's state
        try:
            return fn(*args)
        finally:
            db.session.remove()


def deliver_due(limit: int = 200) -> int:
    """Requeue cut-off tries, then `deliver` each due message, oldest first (at most `limit`).
    Returns how many were sent. Commits."""
    at = now()
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < at - STALE,
        )
        .values(status=OutboxStatus.QUEUED, last_error=_("发送中断，将重试"), next_attempt_at=at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= at)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    return sum(1 for i in ids if deliver(i))


def deliver(message_id: int) -> bool:
    """One try of one message: claim it (queued and due → sending, by a conditional UPDATE: a
    second consumer finds nothing to claim), commit, hand it to its channel's adapter, record
    the outcome and commit. Returns True when this call sent it."""
    at = now()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= at,
        )
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=at,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    message = db.session.get(OutboxMessage, message_id)
    adapter = adapter_for(message.channel)
    error, permanent = "", False
    if adapter is None:
        error, permanent = not_configured_text(message.channel), True
    else:
        try:
            adapter.send(message)
        except Exception as e:  # noqa: BLE001 (any failure of the gateway is a failed try)
            error = f"{type(e).__name__}: {e}"[:500]
    done = now()
    if not error:
        values = {"status": OutboxStatus.SENT, "sent_at": done, "last_error": "", "secret": None}
    elif permanent or message.attempts >= max_attempts():
        values = {"status": OutboxStatus.FAILED, "last_error": error}
    else:
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        values = {
            "status": OutboxStatus.QUEUED,
            "last_error": error,
            "next_attempt_at": done + wait,
        }
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if error:
        log.warning("outbox: message %s not sent: %s", message_id, error)
    return not error


def max_attempts() -> int:
    return int(current_app.config.get("OUTBOX_MAX_ATTEMPTS") or len(BACKOFF) + 1)


# ---- adapters --------------------------------------------------------------------------------------

_SETTING = {Channel.EMAIL: "MAIL_URL", Channel.SMS: "SMS_URL"}


def channel_url(channel: Channel) -> str | None:
    """The URL configured for the channel (see the module's docstring), or None for "not
    configured"."""
    value = current_app.config.get(_SETTING[channel])
    if value is None:
        uri = current_app.config.get("SQLALCHEMY_DATABASE_URI") or ""
        return "sink://" if current_app.testing or uri.startswith("sqlite") else None
    value = value.strip()
    return None if value in ("", "off") else value


def not_configured_text(channel: Channel) -> str:
    """What the outbox page says about a channel without an adapter."""
    if channel is Channel.SMS:
        return _("未配置短信网关（SMS_URL），短信无法发出")
    return _("未配置邮件服务器（MAIL_URL），邮件无法发出")


def adapter_for(channel: Channel):
    """The adapter of the channel's URL, or None when it is not configured. An unknown scheme
    is a configuration error, raised (the first try of a message shows it)."""
    url = channel_url(channel)
    if url is None:
        return None
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sink":
        return SinkAdapter(url)
    if channel is Channel.EMAIL and scheme in ("smtp", "smtps"):
        return SmtpAdapter(url)
    if channel is Channel.SMS and scheme in ("http", "https"):
        return HttpSmsAdapter(url)
    return _Misconfigured(f"{_SETTING[channel]}: unsupported scheme {scheme!r}")


@dataclass
class _Misconfigured:
    problem: str

    def send(self, message) -> None:
        raise ValueError(self.problem)


class SinkAdapter:
    """Appends each message as a JSON line to a file: development and tests."""

    def __init__(self, url: str):
        self.path = sink_path(url)

    def send(self, message: OutboxMessage) -> None:
        record = {
            "id": message.id,
            "channel": message.channel.value,
            "to": message.address,
            "subject": message.subject,
            "text": message.text_to_send,
            "at": now().isoformat(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def sink_path(url: str = "sink://") -> Path:
    """The file of a `sink://` URL: `<instance>/outbox-sink.jsonl`, or the URL's own path."""
    path = unquote(urlsplit(url).path)
    return (
        Path(path)
        if path not in ("", "/")
        else Path(current_app.instance_path) / "outbox-sink.jsonl"
    )


def sink_messages(channel: Channel | None = None) -> list[dict]:
    """What the sink of `channel`'s URL (or the default sink) has received, oldest first: dicts
    with id, channel, to, subject, text, at."""
    url = (channel_url(channel) if channel else None) or "sink://"
    path = sink_path(url)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class SmtpAdapter:
    """Email through an SMTP server (smtplib): `smtp://user:pass@host:port?starttls=1&from=…`."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.ssl = parts.scheme.lower() == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
        default_from = (
            current_app.config.get("MAIL_FROM") if has_app_context() else None
        ) or f"gridapp@{self.host}"
        self.sender = query.get("from", [default_from])[0]

    def send(self, message: OutboxMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.address
        email["Subject"] = message.subject or _("家校协同通知")
        email.set_content(message.text_to_send)
        if self.ssl:
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        with smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(email)


class HttpSmsAdapter:
    """SMS through an HTTP gateway: POST `{"to": mobile, "text": body}` as JSON to the URL; a
    2xx answer means accepted. `user:pass@` in the URL goes as HTTP basic authentication."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        self.url = parts._replace(netloc=netloc).geturl()
        self.auth = None
        if parts.username:
            import base64

            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self.auth = "Basic " + base64.b64encode(pair.encode()).decode()

    def send(self, message: OutboxMessage) -> None:
        data = json.dumps({"to": message.address, "text": message.text_to_send}, ensure_ascii=False)
        request = urllib.request.Request(
            self.url,
            data=data.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        if self.auth:
            request.add_header("Authorization", self.auth)
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 (configured URL)
            if not 200 <= answer.status < 300:
                raise RuntimeError(f"HTTP {answer.status}")
