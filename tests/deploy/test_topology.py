"""Several app servers behind one address (issue 17 item 4): deploy/local.py starts nginx in front
of two gunicorn instances and one Huey consumer on 127.0.0.1, on a database of this test's own
(migrated with `flask db upgrade`, the small demo loaded with `flask demo-data`) and the shared
Redis under a key prefix of its own. Through it: requests reach both instances, the login limit
counts across them, a background job started on one is followed and downloaded on the other, and
a periodic task run by two processes at once does its work once. This is production's setup, on
PostgreSQL: it runs once, in the PostgreSQL pass (`servers.production_pass`), and in the SQLite
pass only when there is no PostgreSQL pass.

One test, not four: under pytest-xdist each test could land on another worker and start a
topology of its own (about 10 s each)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, delete, select, update

from gridapp.config import ROOT, Config
from gridapp.demo import DEMO_PASSWORD

from .servers import Answer, Browser, local, production_pass, teachers_class_and_student  # noqa: E402

pytestmark = [
    pytest.mark.skipif(
        local.nginx_binary() is None,
        reason="nginx is not installed (it is in the Makefile's APT_PACKAGES: `make install` as root)",
    ),
    production_pass,
]

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
PERIODIC_TASK = "gridapp.dossiers.tasks.remove_expired_dossiers"


def _requests_in(log: Path, marker: str) -> int:
    return sum(marker in line for line in log.read_text().splitlines()) if log.exists() else 0


# The runner is the consumer's entry point (gridapp.worker) imported by a process of its own,
# which waits for "go" on stdin and then forks: two processes, each with its own database
# connections (none is open before the fork; each disposes the pool it inherited anyway), claim
# the period at the same moment. One import of the app instead of two (seconds each).
_RUNNER = """
import os, sys, time
import gridapp.worker  # noqa: F401  (binds the app as a consumer does)
from gridapp.dossiers.tasks import remove_expired_dossiers
from gridapp.extensions import db
print("ready", flush=True)
sys.stdin.readline()
left = 900 - time.time() % 900
if left < 3:
    time.sleep(left + 0.5)  # both processes in one quarter of an hour
child = os.fork()
with gridapp.worker.app.app_context():
    db.engine.dispose(close=False)
result = repr(remove_expired_dossiers.call_local())
if child == 0:
    print(result, flush=True)
    os._exit(0)
os.waitpid(child, 0)
print(result, flush=True)
"""


@pytest.mark.slow(30)
def test_two_app_servers_behind_nginx(topology_database_url):
    from gridapp.core.tasks import PeriodicRun
    from gridapp.dossiers.exports import DossierJob

    topo = local.Topology(topology_database_url, REDIS_URL, workers=1)
    engine = create_engine(topology_database_url.replace("postgresql://", "postgresql+psycopg://"))
    runners = []
    try:
        # The processes import the app (seconds each) while the database is migrated and
        # filled; the app servers only answer /healthz meanwhile. The runner of (d) is needed
        # last: it gives way (nice) to the rest.
        topo.spawn()
        runners.append(
            subprocess.Popen(
                ["nice", "-n", "10", sys.executable, "-c", _RUNNER],
                cwd=ROOT,
                env=topo.env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )
        topo.flask(
            ["db", "upgrade"], ["demo-data", "--schools", "1", "--students-per-school", "40"]
        )
        topo.wait()
        a, b = (topo.backend_url(0), topo.backend_url(1))
        a, b = a.rstrip("/"), b.rstrip("/")

        # (a) nginx spreads requests over both instances, and serves static files itself.
        # (The access logs keep no query string: the marker is in the path of a page that is
        # not there.)
        marker = uuid.uuid4().hex
        for n in range(10):
            assert local_get(topo.url(f"/no-such-page/{marker}/{n}")).status == 404
        # gunicorn writes a request's line once the answer is sent: the last may come late.
        deadline = time.monotonic() + 20  # generous: other tests share the cores
        while sum(counts := [_requests_in(topo.access_log(i), marker) for i in (0, 1)]) < 10:
            assert time.monotonic() < deadline, counts
            time.sleep(0.05)
        assert sum(counts) == 10 and min(counts) > 0, counts
        # No client address, user agent or query string in any access log, nginx's included:
        # anonymous letters cannot be traced through them (issue 20 item 10).
        lines = topo.access_log(0).read_text().splitlines()
        assert any(line.startswith("app0 [") and marker in line for line in lines), lines[-3:]
        nginx_log = topo.workdir / "nginx" / "access.log"
        for path in (topo.access_log(0), topo.access_log(1), nginx_log):
            for line in path.read_text().splitlines():
                assert "127.0.0.1" not in line and "gridapp-topology-test" not in line, line
        css = local_get(topo.url("/static/css/app.css"))
        assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
        assert not any(_requests_in(topo.access_log(i), "/static/") for i in (0, 1))

        # (c) a class's dossiers started on instance A, followed and downloaded on B: the job
        # runs in the consumer, its file in the instance folder both share.
        class_id, student_id = teachers_class_and_student(
            topology_database_url.replace("postgresql://", "postgresql+psycopg://")
        )
        teacher = Browser()
        token = teacher.csrf_token(f"{a}/login")
        signed_in = teacher.request(f"{a}/login", {"csrf_token": token, "username": "teacher",
                                                   "password": DEMO_PASSWORD})  # fmt: skip
        assert signed_in.status == 303, signed_in.text[:500]
        started = teacher.request(
            f"{a}/classes/{class_id}/dossiers",
            {"csrf_token": token, "student_ids": str(student_id), "format": "zip"},
        )
        assert started.status == 303, started.text[:500]
        job_path = urlsplit(started.headers["Location"]).path
        job_id = int(job_path.rsplit("/", 1)[1])
        deadline = time.monotonic() + 30
        while f"{job_path}/file" not in (page := teacher.request(f"{b}{job_path}")).text:
            assert page.status == 200 and time.monotonic() < deadline, page.text[:500]
            time.sleep(0.2)
        download = teacher.request(f"{b}{job_path}/file")
        assert download.status == 200
        with zipfile.ZipFile(io.BytesIO(download.body)) as archive:
            (entry,) = archive.namelist()
            assert entry.endswith(".pdf") and archive.read(entry).startswith(b"%PDF")
        assert "gridapp.dossiers.exports.make" in topo.log_tail("consumer0", 200)

        # (b) the login limit counts the attempts on both instances together (Redis): after
        # LOGIN_RATE_LIMIT refused sign-ins spread over A and B, both answer 429, and so does
        # nginx (its client address is another, the user name the same). After (c), whose
        # sign-in this would refuse.
        limit = int(Config.LOGIN_RATE_LIMIT.split()[0])
        guesser = Browser()
        token = guesser.csrf_token(f"{a}/login")
        name = f"guess-{marker[:8]}"
        via = {"X-Forwarded-For": "203.0.113.7"}  # as nginx would say it
        for n in range(limit):
            tried = guesser.request(f"{(a, b)[n % 2]}/login",
                                    {"csrf_token": token, "username": name, "password": "x"}, via)  # fmt: skip
            assert tried.status == 422, (n, tried.status)
        for target in (a, b, topo.url("").rstrip("/")):
            refused = guesser.request(f"{target}/login",
                                      {"csrf_token": token, "username": name, "password": "x"}, via)  # fmt: skip
            assert refused.status == 429, (target, refused.status)

        # (d) periodic work once, however many consumers run it: the job's file is made expired,
        # the topology's consumer stopped, and two consumer processes (forked from the runner
        # started with the topology, waiting since) run the clean-up at once.
        topo.stop_process("consumer0")
        with engine.begin() as conn:
            # The stopped consumer may have run this quarter hour's clean-up already (its
            # crontab fired while the test ran): the period is made free again.
            conn.execute(delete(PeriodicRun).where(PeriodicRun.task == PERIODIC_TASK))
            conn.execute(
                update(DossierJob).where(DossierJob.id == job_id)
                .values(expires_at=datetime.now(UTC) - timedelta(days=2))
            )  # fmt: skip
        (runner,) = runners
        assert runner.stdout.readline().strip() == "ready", runner.stderr.read()
        out, err = runner.communicate("go\n", timeout=30)
        assert runner.returncode == 0, err
        results = sorted(out.split())
        assert results == ["1", "None"], results  # one removed the file, the other found it taken
        with engine.connect() as conn:
            runs = conn.execute(
                select(PeriodicRun.period).where(PeriodicRun.task == PERIODIC_TASK)
            ).all()
            assert len(runs) == 1, runs
            assert conn.scalar(select(DossierJob.file).where(DossierJob.id == job_id)) == ""
        assert not list((topo.workdir / "instance" / "exports").glob("*.zip"))
    finally:
        for runner in runners:
            if runner.poll() is None:
                os.killpg(runner.pid, signal.SIGKILL)
                runner.wait()
        try:
            topo.stop()
        finally:
            topo.forget_redis()
            engine.dispose()


def local_get(url: str) -> Answer:
    return Browser().request(url)
