"""GridApp under a PostgreSQL that drops its connections and restarts (issue 20 item 1): a
PostgreSQL of this test's own (`initdb` on its own port, never the shared server) under an app
server of its own, a bounded load of reads and writes, every connection terminated a third of the
way through and the server restarted at two thirds. No answer is a 500 (a lost connection is a
Chinese 503, a GET tried once more), and nothing is half-written: each sign-in wrote its session
and its audit entry together or neither."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from gridapp.accounts.models import UserSession
from gridapp.core.audit import AuditEntry
from gridapp.demo import DEMO_PASSWORD

from .servers import AppServer, Browser, app_env, local, prepare, production_pass

PG_BIN = next(
    (Path(p).parent for p in (shutil.which("initdb"), *sorted(Path("/usr/lib/postgresql").glob(
        "*/bin/initdb"), reverse=True)) if p and Path(p).exists()),
    None,
)  # fmt: skip

pytestmark = [
    pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL's initdb is not installed"),
    # Its database is its own whatever the pass: run once (servers.production_pass).
    production_pass,
]


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder on a free port of 127.0.0.1 (run as the
    `postgres` user when this process is root: initdb refuses root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = local.free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True, cwd=self.folder)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off")  # fmt: skip
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-l", str(self.folder / "pg.log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


def test_connections_dropped_and_a_restart_answer_no_500_and_write_nothing_half():
    with tempfile.TemporaryDirectory(prefix="gridapp-pg-down-") as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o755)
        pg_folder = tmp / "pg"
        pg_folder.mkdir()
        pg = OwnPostgres(pg_folder)
        pg.start()
        server = None
        try:
            env = app_env(tmp, pg.url, "pg-down")
            prepare(env)
            server = AppServer(env, tmp / "server.log", "-w", "2").__enter__()
            base, log = server.base, server.log

            # ---- the bounded load: 4 clients, each signs in, then reads and signs in again.
            statuses: list[int] = []
            lock = threading.Lock()

            def client(n: int) -> None:
                browser = Browser()
                for i in range(30):
                    try:
                        if i % 5 == 0:
                            token = browser.csrf_token(f"{base}/login")
                            status = browser.request(
                                f"{base}/login",
                                {"csrf_token": token, "username": "teacher",
                                 "password": DEMO_PASSWORD},
                            ).status  # fmt: skip
                        else:
                            path = ("/", "/worklist", "/my/classes", "/healthz")[i % 4]
                            status = browser.request(base + path).status
                    except AssertionError:  # the login page itself answered 503
                        status = 503
                    with lock:
                        statuses.append(status)
                    time.sleep(0.02)

            admin = create_engine(
                pg.url.replace("/postgres", "/postgres"), isolation_level="AUTOCOMMIT"
            )
            with ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(client, n) for n in range(4)]
                while len(statuses) < 40:
                    time.sleep(0.05)
                with admin.connect() as conn:  # every connection of the app, cut
                    conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE pid <> pg_backend_pid() AND datname = 'postgres'"
                    ))  # fmt: skip
                admin.dispose()
                while len(statuses) < 80:
                    time.sleep(0.05)
                pg.stop()  # ---- the server restarts
                time.sleep(0.5)
                pg.start()
                for f in futures:
                    f.result(timeout=120)
            assert 500 not in statuses, (statuses, log.read_text()[-3000:])
            assert set(statuses) <= {200, 303, 503}, statuses
            assert statuses.count(200) + statuses.count(303) > len(statuses) // 2, statuses
            assert " 500 " not in log.read_text()
            # Nothing half-written: each sign-in's session and audit entry, together.
            engine = create_engine(pg.url)
            with engine.connect() as conn:
                sessions = conn.scalar(select(func.count()).select_from(UserSession))
                logins = conn.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login")
                )
            engine.dispose()
            assert sessions == logins, (sessions, logins)
        finally:
            if server is not None:
                server.__exit__()
            with contextlib.suppress(subprocess.CalledProcessError):
                pg.stop()
