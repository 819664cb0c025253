"""An app server of a deployment test's own: its environment, its database prepared with flask's
own commands, gunicorn started and waited for, and the demo teacher's class to export."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select

from gridapp.accounts.models import User
from gridapp.config import ROOT
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import SchoolClass

from .test_topology import Browser, local

BIN = Path(sys.executable).parent
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
