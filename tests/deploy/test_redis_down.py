"""GridApp keeps serving when Redis does not answer (issue 20 item 1): a Redis of this test's own
(`redis-server --port`, never the shared one) under an app server of its own, on a database of
its own: PostgreSQL, as in production, where Redis is (the embedded default has no Redis: Huey
and the limits keep to SQLite and memory there), once, in the PostgreSQL pass
(`servers.production_pass`). With
Redis stopped, signing in, the mailbox, the tracking page and a class's dossier export answer
as usual (the limits count in memory, the job waits "queued"), and /healthz says "degraded";
with Redis back, the waiting job is queued again and done by a consumer."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gridapp.config import ROOT
from gridapp.demo import DEMO_PASSWORD

from .servers import (
    BIN,
    AppServer,
    Browser,
    app_env,
    local,
    prepare,
    production_pass,
    teachers_class_and_student,
)

REDIS_SERVER = shutil.which("redis-server") or shutil.which(
    "redis-server", path="/usr/bin:/usr/sbin"
)

pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
    production_pass,
]


class OwnRedis:
    """A redis-server on a free port of 127.0.0.1, no persistence; stop() and start() again on
    the same port."""

    def __init__(self) -> None:
        self.port = local.free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        import socket

        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def test_redis_down_degrades_and_nothing_is_left_stuck(topology_database_url):
    redis = OwnRedis()
    redis.start()
    with tempfile.TemporaryDirectory(prefix="gridapp-redis-down-") as tmp:
        tmp = Path(tmp)
        db_url = topology_database_url  # PostgreSQL (SQLite when there is no PostgreSQL pass)
        env = app_env(tmp, db_url, "redis-down", REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
                      GRIDAPP_REDIS_PREFIX="redisdown")  # fmt: skip
        prepare(env)
        server = AppServer(env, tmp / "server.log", "-w", "1", "-k", "gthread", "--threads", "4")
        base, log = server.base, server.log
        consumer = None
        try:
            server.__enter__()
            health = json.loads(Browser().request(f"{base}/healthz").text)
            assert health == {"status": "ok", "database": "ok", "queue": "ok", "limits": "ok"}

            redis.stop()  # ---- Redis does not answer from here on
            health_answer = Browser().request(f"{base}/healthz")
            assert health_answer.status == 200
            assert json.loads(health_answer.text)["status"] == "degraded"

            teacher = Browser()
            token = teacher.csrf_token(f"{base}/login")
            signed_in = teacher.request(
                f"{base}/login",
                {"csrf_token": token, "username": "teacher", "password": DEMO_PASSWORD},
            )
            assert signed_in.status == 303, signed_in.text[:500]
            # The anonymous pages that are rate limited.
            visitor = Browser()
            page = visitor.request(f"{base}/mailbox")
            assert page.status == 200
            vtoken = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            letter = visitor.request(f"{base}/mailbox", {"csrf_token": vtoken, "body": "x"})
            assert letter.status in (303, 422), letter.status
            track = visitor.request(f"{base}/mailbox/track", {"csrf_token": vtoken, "code": "X"})
            assert track.status in (404, 422), track.status
            # Guessing is still limited, in memory: the login limit holds.
            guesses = [
                visitor.request(
                    f"{base}/login",
                    {"csrf_token": vtoken, "username": "teacher", "password": "wrong"},
                ).status  # fmt: skip
                for _ in range(12)
            ]
            assert 429 in guesses and 500 not in guesses, guesses
            # A class's dossiers: the job is made and waits, queued; its page answers.
            class_id, student_id = teachers_class_and_student(db_url)
            started = teacher.request(
                f"{base}/classes/{class_id}/dossiers",
                {"csrf_token": token, "student_ids": str(student_id), "format": "zip"},
            )
            assert started.status == 303, started.text[:500]
            job_path = urlsplit(started.headers["Location"]).path
            assert teacher.request(f"{base}{job_path}").status == 200
            assert "not queued" in log.read_text()  # said in the log

            redis.start()  # ---- Redis answers again
            assert json.loads(Browser().request(f"{base}/healthz").text)["status"] == "ok"
            # The periodic task's work, at once: the waiting job is queued again ...
            requeue = (
                "from gridapp.app import create_app\n"
                "from gridapp.core import tasks\n"
                "from datetime import timedelta\n"
                "from gridapp.extensions import db\n"
                "app = create_app()\n"
                "with app.app_context():\n"
                "    print(tasks.requeue_jobs(older_than=timedelta(0)))\n"
                "    db.session.commit()\n"
            )
            out = subprocess.run([sys.executable, "-c", requeue], cwd=ROOT, env=env,
                                 check=True, capture_output=True, text=True)  # fmt: skip
            assert out.stdout.strip().splitlines()[-1] == "1", out.stdout + out.stderr
            # ... and a consumer does it.
            consumer = subprocess.Popen(
                [str(BIN / "huey_consumer"), "gridapp.worker.huey", "-w", "1", "-k", "thread"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            deadline = time.monotonic() + 60
            while f"{job_path}/file" not in (page := teacher.request(f"{base}{job_path}")).text:
                assert page.status == 200 and time.monotonic() < deadline, page.text[:500]
                time.sleep(0.3)
            assert " 500 " not in log.read_text()
        finally:
            server.__exit__()
            if consumer is not None:
                consumer.terminate()
                consumer.wait(timeout=20)
            redis.stop()
