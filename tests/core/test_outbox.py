"""The outbox (issue 15 item 7): a message is kept with what caused it, sent after the commit,
retried with backoff, failed visibly, claimed once however many consumers try it; the sink, the
SMTP adapter and the HTTP SMS adapter."""

from __future__ import annotations

import json
import socketserver
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from gridapp.core import outbox
from gridapp.core.notices import Notice, notify
from gridapp.core.outbox import Channel, OutboxMessage, OutboxStatus
from gridapp.core.time import now
from gridapp.extensions import db
from tests.concurrency import race


def _sent_to(address: str) -> list[dict]:
    return [m for m in outbox.sink_messages() if m["to"] == address]


@pytest.fixture
def sms_url(app):
    """Set SMS_URL for one test (None: the default, the sink when testing)."""
    old = app.config.get("SMS_URL")

    def set_(value):
        app.config["SMS_URL"] = value

    yield set_
    app.config["SMS_URL"] = old


@pytest.fixture
def mail_url(app):
    old = app.config.get("MAIL_URL")

    def set_(value):
        app.config["MAIL_URL"] = value

    yield set_
    app.config["MAIL_URL"] = old


def test_a_message_is_sent_to_the_sink_after_the_commit(ctx):
    message = outbox.queue(Channel.SMS, "13900000001", "明天上午九点家长会")
    assert _sent_to("13900000001") == []  # nothing leaves before the commit
    ctx.commit()
    [sent] = _sent_to("13900000001")
    assert sent["text"] == "明天上午九点家长会"
    assert sent["id"] == message.id
    ctx.expire_all()
    row = ctx.get(OutboxMessage, message.id)
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_a_message_of_a_transaction_rolled_back_is_neither_kept_nor_sent(ctx):
    outbox.queue(Channel.SMS, "13900000002", "不会发出")
    ctx.rollback()
    assert ctx.scalar(select(OutboxMessage).where(OutboxMessage.address == "13900000002")) is None
    assert _sent_to("13900000002") == []


def test_a_failed_send_is_retried_with_backoff_then_failed_and_retried_by_hand(
    ctx, sms_url, time_machine
):
    sms_url("http://127.0.0.1:9/nothing-listens-here")
    message = outbox.queue(Channel.SMS, "13900000003", "重试")
    ctx.commit()
    ctx.expire_all()
    row = ctx.get(OutboxMessage, message.id)
    assert row.status is OutboxStatus.QUEUED
    assert row.attempts == 1
    assert row.last_error
    first_wait = row.next_attempt_at - now()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)
    # Not due yet: the periodic run leaves it alone.
    assert outbox.deliver_due() == 0
    ctx.expire_all()
    assert ctx.get(OutboxMessage, message.id).attempts == 1
    waits = []
    for _ in range(5):
        time_machine.move_to(
            ctx.get(OutboxMessage, message.id).next_attempt_at + timedelta(seconds=1)
        )
        before = now()
        outbox.deliver_due()
        ctx.expire_all()
        row = ctx.get(OutboxMessage, message.id)
        if row.status is OutboxStatus.QUEUED:
            waits.append(round((row.next_attempt_at - before).total_seconds() / 60))
    assert waits == [5, 15, 60, 240]  # then the sixth try fails for good
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 6
    # The admin's "重试" after the gateway is back (the sink here).
    sms_url(None)
    assert outbox.retry(row)
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    assert [m["text"] for m in _sent_to("13900000003")] == ["重试"]
    assert not outbox.retry(ctx.get(OutboxMessage, message.id))  # sent: nothing to retry


def test_not_configured_in_production_fails_at_once_with_a_clear_message(app, ctx, sms_url):
    sms_url("")
    message = outbox.queue(Channel.SMS, "13900000004", "没有网关")
    ctx.commit()
    ctx.expire_all()
    row = ctx.get(OutboxMessage, message.id)
    assert row.status is OutboxStatus.FAILED
    assert "SMS_URL" in row.last_error
    assert "未配置短信网关" in row.last_error


def test_the_default_is_the_sink_on_sqlite_and_not_configured_on_postgresql(app, sms_url):
    sms_url(None)
    with app.app_context():
        assert outbox.channel_url(Channel.SMS) == "sink://"  # testing
        app.testing = False
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        try:
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://db/gridapp"
            assert outbox.channel_url(Channel.SMS) is None
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///instance/gridapp.db"
            assert outbox.channel_url(Channel.SMS) == "sink://"
        finally:
            app.testing = True
            app.config["SQLALCHEMY_DATABASE_URI"] = uri


def test_a_cut_off_try_is_put_back_and_sent(ctx, time_machine):
    message = OutboxMessage(
        channel=Channel.SMS, address="13900000005", body="中断", status=OutboxStatus.SENDING,
        attempts=1, claimed_at=now(), next_attempt_at=now(),
    )  # fmt: skip
    ctx.add(message)
    ctx.commit()
    assert outbox.deliver_due() == 0  # still being sent, as far as anyone knows
    time_machine.move_to(now() + outbox.STALE + timedelta(minutes=1))
    assert outbox.deliver_due() == 1
    ctx.expire_all()
    assert ctx.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    assert len(_sent_to("13900000005")) == 1


@pytest.mark.commits
def test_two_consumers_send_a_message_once(app):
    with app.app_context():
        message = OutboxMessage(
            channel=Channel.SMS, address="13900000006", body="只发一次", next_attempt_at=now()
        )
        db.session.add(message)  # added directly: no send after this commit
        db.session.commit()
        message_id = message.id
    results = race(app, lambda: outbox.deliver(message_id), lambda: outbox.deliver(message_id))
    assert sorted(results) == [False, True]
    with app.app_context():
        assert len(_sent_to("13900000006")) == 1
        assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.SENT


def test_a_notice_routed_by_sms_is_queued_once_with_the_notice(ctx, world):
    from gridapp.accounts.models import User

    ctx.get(User, world.parent).phone = "13900000007"
    ctx.flush()
    assert notify(world.parent, "明天接待日", "/reception", key="reception.remind:booking:1", sms=True,
                  school_id=world.school_a)  # fmt: skip
    assert not notify(world.parent, "明天接待日", "/reception", key="reception.remind:booking:1",
                      sms=True)  # fmt: skip
    ctx.commit()
    [row] = ctx.scalars(select(OutboxMessage).where(OutboxMessage.address == "13900000007")).all()
    assert (row.kind, row.school_id, row.user_id) == (
        "reception.remind",
        world.school_a,
        world.parent,
    )
    assert len(ctx.scalars(select(Notice).where(Notice.user_id == world.parent)).all()) == 1
    assert [m["text"] for m in _sent_to("13900000007")] == ["明天接待日"]


# ---- adapters against local fakes ------------------------------------------------------------------


class _SmtpFake(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    received: list[dict] = []

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 fake ESMTP")
        mail = {"rcpt": [], "auth": None}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-fake\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                mail["auth"] = command.split(" ", 2)[2] if command.count(" ") >= 2 else ""
                self.reply("235 ok")
            elif verb == "MAIL":
                mail["from"] = command
                self.reply("250 ok")
            elif verb == "RCPT":
                mail["rcpt"].append(command)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk)
                mail["data"] = b"".join(data)
                _SmtpFake.received.append(mail)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    _SmtpFake.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpFake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_email_through_smtp(ctx, mail_url, smtp_server):
    mail_url(f"smtp://gridapp:s%40cret@127.0.0.1:{smtp_server}?from=noreply@school.cn")
    message = outbox.queue(
        Channel.EMAIL, "parent@example.cn", "您的激活码是 ABCD2345", subject="激活码"
    )
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    [mail] = _SmtpFake.received
    assert "parent@example.cn" in mail["rcpt"][0]
    assert "noreply@school.cn" in mail["from"]
    import base64
    import email

    assert base64.b64decode(mail["auth"]) == b"\0gridapp\0s@cret"
    parsed = email.message_from_bytes(mail["data"], policy=email.policy.default)
    assert parsed["Subject"] == "激活码"
    assert "ABCD2345" in parsed.get_content()


class _GatewayFake(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _GatewayFake.received.append(
            {"json": json.loads(body), "auth": self.headers.get("Authorization")}
        )
        self.send_response(_GatewayFake.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _GatewayFake.received, _GatewayFake.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _GatewayFake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_sms_through_the_http_gateway(ctx, sms_url, gateway):
    sms_url(f"http://key:token@127.0.0.1:{gateway}/send")
    message = outbox.queue(Channel.SMS, "13900000008", "激活码 ABCD2345")
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(OutboxMessage, message.id).status is OutboxStatus.SENT
    [got] = _GatewayFake.received
    assert got["json"] == {"to": "13900000008", "text": "激活码 ABCD2345"}
    assert got["auth"].startswith("Basic ")


def test_a_gateway_error_is_a_failed_try(ctx, sms_url, gateway):
    _GatewayFake.status = 500
    sms_url(f"http://127.0.0.1:{gateway}/send")
    message = outbox.queue(Channel.SMS, "13900000009", "网关出错")
    ctx.commit()
    ctx.expire_all()
    row = ctx.get(OutboxMessage, message.id)
    assert row.status is OutboxStatus.QUEUED
    assert "500" in row.last_error


def test_a_cancelled_reception_day_reaches_the_parent_by_sms(ctx, world):
    from gridapp.accounts.models import User
    from gridapp.reception import services as reception
    from gridapp.reception.models import ReceptionDay

    ctx.get(User, world.parent).phone = "13900000010"
    ctx.flush()
    day = ctx.get(ReceptionDay, world.reception_day)
    assert reception.cancel_day(ctx.get(User, world.principal), day, "校长外出开会") >= 1
    ctx.commit()
    [row] = ctx.scalars(select(OutboxMessage).where(OutboxMessage.address == "13900000010")).all()
    assert row.school_id == world.school_a and row.status is OutboxStatus.SENT
    assert "校长外出开会" in _sent_to("13900000010")[0]["text"]
