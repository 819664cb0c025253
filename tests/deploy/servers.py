"""What the deployment tests share: deploy/local.py loaded, a plain HTTP client keeping cookies
(`Browser`), and an app server of a test's own: its environment, its database prepared with flask's
own commands, gunicorn started and waited for, and the demo teacher's class to export."""

from __future__ import annotations

import http.client
import importlib.util
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import create_engine, func, select

from gridapp.accounts.models import User
from gridapp.config import ROOT
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import SchoolClass


def _load_deploy_local():
    spec = importlib.util.spec_from_file_location("gridapp_deploy_local", ROOT / "deploy/local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


local = _load_deploy_local()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Browser:
    """One user agent for every port of 127.0.0.1 (cookies do not depend on the port, so a
    session started on one instance is sent to the other), following no redirect."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, url: str, form: dict | None = None, headers: dict | None = None) -> Answer:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        sent = {"User-Agent": "gridapp-topology-test", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request("POST" if form is not None else "GET",
                         parts.path + (f"?{parts.query}" if parts.query else ""), body, sent)  # fmt: skip
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return answer

    def csrf_token(self, url: str) -> str:
        page = self.request(url)
        assert page.status == 200, page.text[:500]
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


BIN = Path(sys.executable).parent

# The production setup's tests (PostgreSQL, Redis, nginx, several gunicorn servers) run once: in
# the PostgreSQL pass when there is one (TEST_DATABASE_URL set), else in the SQLite pass. Redis
# and several app servers are production's, on PostgreSQL; the embedded default (`make run`:
# SQLite, Huey on SQLite, one process) has neither, and is tested by test_embedded.py.
production_pass = pytest.mark.skipif(
    os.environ.get("GRIDAPP_TEST_DB") != "postgresql" and bool(os.environ.get("TEST_DATABASE_URL")),
    reason="runs in the PostgreSQL pass (the production setup)",
)
FLASK = [str(BIN / "flask"), "--app", "wsgi"]


def app_env(tmp: Path, database_url: str, secret: str, **more: str) -> dict[str, str]:
    """The environment of a server of the test's own: none of the test process's GridApp or
    Redis settings (Huey inline, its instance folder), the database and instance folder given,
    plain-HTTP cookies, then `more`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDAPP_", "REDIS"))}
    env.pop("FLASK_APP", None)
    env.update(DATABASE_URL=database_url, GRIDAPP_INSTANCE=str(tmp / "instance"),
               SECRET_KEY=secret, SESSION_COOKIE_SECURE="false", PYTHONUNBUFFERED="1")  # fmt: skip
    env.update(more)
    return env


def prepare(env: dict[str, str], demo: bool = True) -> None:
    """`flask db upgrade`, then the small demo district of one school of 40 students."""
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    if demo:
        subprocess.run([*FLASK, "demo-data", "--schools", "1", "--students-per-school", "40"],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip


class AppServer:
    """gunicorn with `args` (workers, config) on a free port of 127.0.0.1, its output in
    `log`; a context manager that waits until /healthz answers and stops it after."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.env, self.log, self.args = env, log, args
        self.port = local.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> AppServer:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), *self.args, "-b", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 40
        while True:
            try:
                if Browser().request(f"{self.base}/healthz").status in (200, 503):
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def teachers_class_and_student(database_url: str) -> tuple[int, int]:
    """The demo teacher's class and its first active student (a dossier to export)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            class_id = conn.scalar(
                select(SchoolClass.id).join(User, User.id == SchoolClass.head_teacher_id)
                .where(User.username == "teacher")
            )  # fmt: skip
            student_id = conn.scalar(
                select(func.min(Student.id))
                .where(Student.class_id == class_id, Student.status == StudentStatus.ACTIVE)
            )  # fmt: skip
    finally:
        engine.dispose()
    return class_id, student_id
