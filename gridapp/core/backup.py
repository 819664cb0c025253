"""Backups of an installation and their restore: the database (SQLite through its online backup
API, PostgreSQL through `pg_dump -Fc` / `pg_restore`) and the uploaded files beside it, with a
manifest saying what the backup holds (`flask backup DEST`, `flask restore SRC`; how often and
where to keep them: docs/development.md, "Backups and restores").

A backup folder holds:

    manifest.json       {"format": 1, "created_at": ISO UTC, "backend": "sqlite"|"postgresql",
                         "revision": the alembic revision, "database": file name,
                         "files": how many uploaded files, "bytes": their total size}
    database.sqlite3    (SQLite) or database.dump (PostgreSQL, pg_dump's custom format)
    files/              a copy of the instance folder's uploads/ (core/storage.py)

Exported dossiers and letters (instance/exports/) are not kept: they are remade on demand and
deleted after 24 hours anyway.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import URL, inspect, make_url, text

from gridapp.config import ROOT
from gridapp.core import generations
from gridapp.core.time import now
from gridapp.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# How long pg_restore may wait for a table another session holds before it is cancelled (then
# nothing is changed: it runs in one transaction). Seconds. pg_restore's own SETs put
# lock_timeout back to 0 (pg_dump writes them into the archive), so the wait is watched here.
RESTORE_LOCK_WAIT = 30.0
RESTORE_APPLICATION = "gridapp-restore"


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why and what to do."""


@dataclass
class Manifest:
    """What a backup holds (manifest.json)."""

    format: int
    created_at: str
    backend: str
    revision: str | None
    database: str
    files: int
    bytes: int


# ---- where things are ----------------------------------------------------------------------------


def uploads_folder() -> Path:
    """The uploaded files of the app (storage.upload_dir's parent), whether or not it exists."""
    return Path(current_app.instance_path) / "uploads"


def backend() -> str:
    """ "sqlite" or "postgresql": the database of the current app."""
    name = db.engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"No backup for a {name} database (SQLite and PostgreSQL only).")
    return name


def database_revision() -> str | None:
    """The alembic revision the database is at, None when it has no alembic_version table
    (a new, empty database)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.scalar(text("SELECT version_num FROM alembic_version"))


def code_revision() -> str | None:
    """The head revision of the migrations this release carries."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(database)


def libpq_connection(url) -> tuple[str, dict[str, str]]:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (`postgresql+psycopg://u:p@h:5432/db` →
    `postgresql://u@h:5432/db`) and the environment that carries its password (PGPASSWORD:
    never on a command line, where `ps` shows it)."""
    url = make_url(url)
    env = {"PGPASSWORD": url.password} if url.password else {}
    conninfo = URL.create("postgresql", url.username, None, url.host, url.port, url.database,
                          url.query)  # fmt: skip
    return conninfo.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client).")
    return path


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")


# ---- backup --------------------------------------------------------------------------------------


def backup(dest: Path) -> Manifest:
    """Write a backup of the app's database and uploaded files into the folder `dest` (new, or
    empty). Runs while the app is in use: SQLite's backup API and pg_dump both copy one
    consistent moment. Written beside `dest` first and renamed at the end, so a folder named
    `dest` is always a whole backup. Raises BackupError (dest not empty, tool missing, dump
    failed)."""
    dest = Path(dest)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty folder: choose a new one.")
    kind = backend()
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.partial-{secrets.token_hex(4)}"
    work.mkdir(mode=0o700)  # family data: for the owner only
    try:
        database = work / DATABASE_FILES[kind]
        if kind == "sqlite":
            revision = _backup_sqlite(database)
        else:
            revision = database_revision()
            conninfo, env = libpq_connection(db.engine.url)
            _run([_pg_tool("pg_dump"), "-Fc", "-f", str(database), "-d", conninfo], env,
                 "pg_dump")  # fmt: skip
        files = work / FILES
        if uploads_folder().is_dir():
            shutil.copytree(uploads_folder(), files)
        else:
            files.mkdir()
        stored = [p for p in files.rglob("*") if p.is_file()]
        manifest = Manifest(
            format=FORMAT, created_at=now().isoformat(), backend=kind, revision=revision,
            database=database.name, files=len(stored), bytes=sum(p.stat().st_size for p in stored),
        )  # fmt: skip
        (work / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _backup_sqlite(target: Path) -> str | None:
    """Copy the live database page by page (other connections keep working) and return the
    copy's alembic revision; the copy is left in rollback-journal mode, one self-contained file."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)  # only read: the backup API's source
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        has_version = copy.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        row = (
            copy.execute("SELECT version_num FROM alembic_version").fetchone()
            if has_version
            else None
        )
        return row[0] if row else None
    finally:
        copy.close()
        source.close()


# ---- restore -------------------------------------------------------------------------------------


def read_manifest(src: Path) -> Manifest:
    """The manifest of the backup folder `src`; BackupError when it is not one."""
    path = Path(src) / MANIFEST
    try:
        data = json.loads(path.read_text())
        manifest = Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BackupError(f"{src} is not a GridApp backup (no readable {MANIFEST}).") from e
    if manifest.format != FORMAT:
        raise BackupError(f"Backup format {manifest.format} is not this release's ({FORMAT}).")
    if not (Path(src) / manifest.database).is_file() or not (Path(src) / FILES).is_dir():
        raise BackupError(f"{src} is incomplete: {manifest.database} or {FILES}/ is missing.")
    return manifest


def check(src: Path) -> Manifest:
    """The manifest of `src` if it may be restored into the app's database, else BackupError:
    a backup of the other backend, or of another migration revision than the database's (a
    new, empty database: than this release's head). Changes nothing."""
    manifest = read_manifest(src)
    kind = backend()
    if manifest.backend != kind:
        raise BackupError(
            f"This backup is of a {BACKEND_NAMES.get(manifest.backend, manifest.backend)} "
            f"database and the app uses {BACKEND_NAMES[kind]}: restore it into a "
            f"{BACKEND_NAMES.get(manifest.backend, manifest.backend)} database (DATABASE_URL)."
        )
    current = database_revision()
    target = current or code_revision()
    if manifest.revision != target:
        where = "the database is at" if current else "this release's migrations are at"
        raise BackupError(
            f"The backup was made at migration {manifest.revision} and {where} {target}: "
            "restore it with the release that made it (same migrations), then upgrade with "
            "`flask db upgrade`."
        )
    return manifest


def restore(src: Path) -> Manifest:
    """Replace the app's database and uploaded files by the backup in `src` (after `check`).

    SQLite: the backup API copies the backup into the live file; connections of other
    processes see the restored database at their next transaction. PostgreSQL: `pg_restore
    --clean --if-exists` in one transaction, so it is all or nothing; a session that holds a
    table (an open transaction of an app server or the consumer) makes it wait up to
    RESTORE_LOCK_TIMEOUT, then fail with nothing changed and a message saying what to stop.
    The uploads folder is replaced once the database is restored, and every school's
    generation moved past what it was (core.generations.move_past)."""
    src = Path(src)
    manifest = check(src)
    before = generations.all_generations()
    db.session.remove()
    db.engine.dispose()
    database = src / manifest.database
    if manifest.backend == "sqlite":
        source = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            source.backup(live)
        except sqlite3.Error as e:
            raise BackupError(
                f"SQLite refused the restore ({e}): stop the app servers and the consumer, "
                "then try again."
            ) from e
        finally:
            live.close()
            source.close()
    else:
        _pg_restore(database)
    generations.move_past(before)  # figures kept by running servers are not served again
    _replace_uploads(src / FILES)
    return manifest


_BLOCKERS = text(
    """SELECT r.pid, b.pid, b.application_name, b.client_addr, b.state, left(b.query, 80)
    FROM pg_stat_activity r
    CROSS JOIN LATERAL unnest(pg_blocking_pids(r.pid)) AS blocking(pid)
    JOIN pg_stat_activity b ON b.pid = blocking.pid
    WHERE r.application_name = :app AND r.datname = current_database()"""
)


def _pg_restore(dump: Path) -> None:
    """pg_restore --clean in one transaction, watched: while another session's locks hold it up
    for more than RESTORE_LOCK_WAIT seconds, its statement is cancelled (the transaction rolls
    back, nothing changes) and BackupError names the sessions to stop."""
    import time

    conninfo, env = libpq_connection(db.engine.url)
    env["PGAPPNAME"] = RESTORE_APPLICATION
    cmd = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", "--exit-on-error", "-d", conninfo, str(dump)]  # fmt: skip
    process = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    blocked_since, blockers = None, []
    while True:
        try:
            out, err = process.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        with db.engine.connect() as conn:
            blockers = conn.execute(_BLOCKERS, {"app": RESTORE_APPLICATION}).all()
            if not blockers:
                blocked_since = None
            elif blocked_since is None:
                blocked_since = time.monotonic()
            elif time.monotonic() - blocked_since > RESTORE_LOCK_WAIT:
                conn.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": blockers[0][0]})
                process.communicate()
                sessions = "; ".join(
                    f"pid {pid} {app or '?'} from {addr or 'local'} ({state}: {query})"
                    for _r, pid, app, addr, state, query in blockers
                )
                raise BackupError(
                    f"The restore waited {RESTORE_LOCK_WAIT:g} s for tables other sessions "
                    f"hold ({sessions}): nothing was changed. Stop the app servers and the "
                    "consumer (or end those sessions), then restore again."
                )
            conn.rollback()
    if process.returncode != 0:
        raise BackupError(f"pg_restore failed: {err.strip() or out.strip()}")


def _replace_uploads(files: Path) -> None:
    """Put the backup's files in place of the uploads folder: copied beside it first, then
    swapped by two renames, so the folder is never half restored."""
    uploads = uploads_folder()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(4)
    incoming = uploads.parent / f".uploads.restoring-{tag}"
    shutil.copytree(files, incoming)
    old = uploads.parent / f".uploads.replaced-{tag}"
    if uploads.exists():
        uploads.rename(old)
    incoming.rename(uploads)
    shutil.rmtree(old, ignore_errors=True)
