"""The embedded default as `make run` starts it (deploy/embedded.conf.py): one gunicorn process
with threads on SQLite, no Redis. Its rate limits are the ones configured, not one per worker
process (issue 20 item 9), and its access log keeps no client address, user agent or query
string, so an anonymous letter cannot be traced through it (issue 20 item 10)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gridapp.config import ROOT

from .test_topology import Browser, local

BIN = Path(sys.executable).parent


@pytest.fixture
def embedded_server():
    """`make run`'s server on a fresh SQLite database of its own: (base URL, access log path)."""
    with tempfile.TemporaryDirectory(prefix="gridapp-embedded-") as tmp:
        tmp = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDAPP_", "REDIS"))}
        env.pop("FLASK_APP", None)
        env.update(
            DATABASE_URL=f"sqlite:///{tmp / 'gridapp.db'}",
            GRIDAPP_INSTANCE=str(tmp / "instance"),
            SECRET_KEY="embedded-test",
            SESSION_COOKIE_SECURE="false",
            PYTHONUNBUFFERED="1",
        )
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                       env=env, check=True, capture_output=True)  # fmt: skip
        port = local.free_port()
        log = tmp / "server.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "deploy/embedded.conf.py",
                 "-b", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if Browser().request(f"{base}/healthz").status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
            yield base, log
        finally:
            server.terminate()
            server.wait(timeout=20)


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
