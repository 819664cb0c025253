"""500 letters sent at once to a live server on 127.0.0.1: 500 stored, 500 distinct codes."""

from __future__ import annotations

import http.client
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from gridapp.cases import mailbox
from gridapp.cases.models import Case, Letter
from gridapp.config import TestConfig
from gridapp.extensions import db
from tests.live import serve

pytestmark = pytest.mark.live

LETTERS = 500


class FloodConfig(TestConfig):
    MAILBOX_RATE_LIMIT = "100000 per hour"  # this test is about storage, not the limit


@pytest.fixture
def server(app, world):
    with serve(FloodConfig) as port:
        yield port


@pytest.mark.slow(12)
def test_500_concurrent_letters_are_all_stored_with_distinct_codes(app, world, server):
    with app.app_context():
        tokens = [mailbox.new_captcha() for _ in range(LETTERS)]
        answers = {t: mailbox.captcha_answer(t) for t in tokens}

    def send(token: str) -> tuple[int, str]:
        body = urllib.parse.urlencode(
            {
                "school_id": world.school_a,
                "category": "safety",
                "subject": f"来信 {token}",
                "content": "校门口放学时车辆太多。",
                "anonymous": "y",
                "captcha_token": token,
                "captcha": answers[token],
            }  # fmt: skip
        )
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        try:
            conn.request(
                "POST", "/mailbox", body, {"Content-Type": "application/x-www-form-urlencoded"}
            )
            r = conn.getresponse()
            r.read()
            return r.status, r.getheader("Set-Cookie") or ""
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, tokens))
    elapsed = time.monotonic() - started
    statuses = [s for s, _cookie in results]
    assert statuses.count(303) == LETTERS, {s: statuses.count(s) for s in set(statuses)}
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == LETTERS
        assert db.session.scalar(select(func.count(func.distinct(Letter.code_hash)))) == LETTERS
        assert db.session.scalar(select(func.count(Case.id)).where(Case.source == "mailbox")) == (
            LETTERS
        )
    print(f"\n{LETTERS} letters in {elapsed:.1f}s ({LETTERS / elapsed:.0f}/s)")
