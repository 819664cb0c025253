"""The embedded default as `make run` starts it (deploy/embedded.conf.py): one gunicorn process
with threads on SQLite, no Redis. Its rate limits are the ones configured, not one per worker
process (issue 20 item 9), and its access log keeps no client address, user agent or query
string, so an anonymous letter cannot be traced through it (issue 20 item 10)."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from gridapp.config import ROOT

from .servers import AppServer, Browser, app_env, prepare

# The embedded default is SQLite by definition: run in the SQLite pass only.
pytestmark = pytest.mark.skipif(
    os.environ.get("GRIDAPP_TEST_DB") == "postgresql", reason="the embedded default is SQLite"
)


@pytest.fixture
def embedded_server():
    """`make run`'s server on a fresh SQLite database of its own: (base URL, its log)."""
    with tempfile.TemporaryDirectory(prefix="gridapp-embedded-") as tmp:
        tmp = Path(tmp)
        env = app_env(tmp, f"sqlite:///{tmp / 'gridapp.db'}", "embedded-test")
        prepare(env, demo=False)
        with AppServer(env, tmp / "server.log", "-c", "deploy/embedded.conf.py") as server:
            yield server.base, server.log


def test_make_run_counts_each_limit_once_and_logs_no_address(embedded_server):
    base, log = embedded_server
    assert "workers = 1" in (ROOT / "deploy/embedded.conf.py").read_text()
    assert "deploy/embedded.conf.py" in (ROOT / "Makefile").read_text()
    # The login limit (10 per minute per address): the 11th attempt is refused, whichever
    # thread of the one process answers (two processes would have let 20 through).
    browser = Browser()
    token = browser.csrf_token(f"{base}/login")
    statuses = [
        browser.request(
            f"{base}/login", {"csrf_token": token, "username": f"nobody{i}", "password": "x"}
        ).status
        for i in range(12)
    ]
    assert 429 not in statuses[:10], statuses
    assert statuses[10:] == [429, 429], statuses
    # An anonymous letter's requests: the form, its captcha, the POST (refused or not).
    writer = Browser()
    page = writer.request(f"{base}/mailbox?from=marker-query")
    assert page.status == 200
    captcha = re.search(r'src="(/mailbox/captcha/[^"]+)"', page.text)
    if captcha:
        writer.request(base + captcha.group(1))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    writer.request(f"{base}/mailbox", {"csrf_token": token, "body": "匿名来信"})
    time.sleep(0.5)  # gunicorn writes a request's line once the answer is sent
    lines = [line for line in log.read_text().splitlines() if '"POST /mailbox' in line
             or '"GET /mailbox' in line]  # fmt: skip
    assert any('"POST /mailbox HTTP/1.1"' in line for line in lines), lines
    for line in log.read_text().splitlines():
        assert "127.0.0.1" not in line or "Listening at" in line, line
        assert "gridapp-topology-test" not in line, line  # the user agent
        assert "marker-query" not in line, line  # the query string
