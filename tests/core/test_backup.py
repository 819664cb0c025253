"""Backups that restore (issue 17 item 5): `flask backup` then changes then `flask restore` finds
the first state again, the database and the uploaded files; a backup of the other backend, of
another migration, or into a folder in use is refused. On a migrated database of the test's own
(PostgreSQL: pg_dump / pg_restore; SQLite: the online backup API) with an instance folder of its
own (migrated once per module, copied for each test); marked `commits` so that the app's
sessions use that database rather than the test's connection."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, select

from gridapp.app import create_app
from gridapp.config import TestConfig
from gridapp.core import backup, generations, storage, tasks
from gridapp.extensions import db
from gridapp.schools.models import District, School, SchoolKind

POSTGRESQL = os.environ.get("GRIDAPP_TEST_DB") == "postgresql"


def _admin(url) -> str:
    return url.set(drivername="postgresql", database="postgres").render_as_string(False)


def _installed_app(url: str, instance: Path):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    installed = create_app(config)
    installed.instance_path = str(instance)
    return installed


@pytest.fixture(scope="module")
def migrated_url(app, tmp_path_factory):
    """A database migrated once by the migrations (`flask db upgrade`) holding one district:
    PostgreSQL `<test db>_backup_tpl` (a template), or a SQLite file; each test copies it."""
    folder = tmp_path_factory.mktemp("backup-template")
    if POSTGRESQL:
        import psycopg

        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        url = url.set(database=f"{url.database}_backup_tpl")
        with psycopg.connect(_admin(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{url.database}"')
        url = url.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{folder / 'template.db'}"
    template = _installed_app(url, folder / "instance")
    tasks.bind_app(app)  # background tasks keep running in the test app
    with template.app_context():
        upgrade()
        db.session.add(District(name="南湖区", code="NH", is_demo=False))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield url
    if POSTGRESQL:
        with psycopg.connect(_admin(make_url(url)), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture
def installation(app, migrated_url, tmp_path):
    """An app on a copy of the migrated database, with an instance folder of its own."""
    if POSTGRESQL:
        import psycopg

        template = make_url(migrated_url)
        url = template.set(database=template.database.replace("_backup_tpl", "_backup"))
        with psycopg.connect(_admin(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{template.database}"')
        url = url.render_as_string(hide_password=False)
    else:
        shutil.copy(make_url(migrated_url).database, tmp_path / "installation.db")
        url = f"sqlite:///{tmp_path / 'installation.db'}"
    installed = _installed_app(url, tmp_path / "instance")
    tasks.bind_app(app)
    try:
        yield installed
    finally:
        with installed.app_context():
            db.session.remove()
            db.engine.dispose()
        if POSTGRESQL:
            with psycopg.connect(_admin(make_url(url)), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _state(installed) -> tuple[list, dict]:
    """The districts, and the uploaded files with their contents."""
    with installed.app_context():
        districts = db.session.execute(
            select(District.code, District.name).order_by(District.code)
        ).all()
        db.session.rollback()
        uploads = backup.uploads_folder()
        files = {
            str(p.relative_to(uploads)): p.read_bytes()
            for p in sorted(uploads.rglob("*"))
            if p.is_file()
        }
    return [tuple(row) for row in districts], files


@pytest.mark.commits
def test_backup_then_changes_then_restore_finds_the_first_state(installation, tmp_path):
    with installation.app_context():
        photo = storage.store_file(b"first photo", "jpg", "contacts")
        school = School(
            district=db.session.execute(select(District)).scalar_one(), name="南湖区实验小学",
            code="NH01", kind=SchoolKind.PRIMARY,
        )  # fmt: skip
        db.session.add(school)
        db.session.commit()
        school_id = school.id
    first = _state(installation)
    assert first[0] == [("NH", "南湖区")] and first[1] == {f"contacts/{photo}": b"first photo"}

    cli = installation.test_cli_runner()
    made = cli.invoke(args=["backup", str(tmp_path / "nightly")])
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "nightly" / "manifest.json").read_text())
    assert manifest["backend"] == ("postgresql" if POSTGRESQL else "sqlite")
    assert manifest["files"] == 1 and manifest["revision"] == backup.code_revision()
    assert (tmp_path / "nightly").stat().st_mode & 0o077 == 0, "family data: the owner's only"

    with installation.app_context():
        db.session.get(School, school_id).name = "南湖区第二实验小学"  # generation +1
        db.session.commit()
        before_restore = generations.generation(school_id)
        db.session.execute(select(District)).scalar_one().name = "北湖区"
        db.session.add(District(name="东湖区", code="DH", is_demo=False))
        storage.store_file(b"later photo", "png", "contacts")
        db.session.commit()
        (backup.uploads_folder() / "contacts" / photo).write_bytes(b"overwritten")
    changed = _state(installation)
    assert changed != first

    answered_no = cli.invoke(args=["restore", str(tmp_path / "nightly")], input="n\n")
    assert answered_no.exit_code == 1 and "Replace the database" in answered_no.output
    assert _state(installation) == changed

    # Restored while another process (an app server between two requests) stays connected.
    with installation.app_context():
        server = create_engine(db.engine.url)
    try:
        with server.connect() as idle:
            idle.execute(select(District.code)).all()
            idle.rollback()
            restored = cli.invoke(args=["restore", str(tmp_path / "nightly"), "--yes"])
            assert restored.exit_code == 0, restored.output
            assert idle.execute(select(District.code)).scalars().all() == ["NH"]
    finally:
        server.dispose()
    assert _state(installation) == first
    with installation.app_context():
        # Figures kept by running servers under the numbers of the changed data are not served
        # for the restored data: each school's generation moved past both.
        assert generations.generation(school_id) > before_restore
        db.session.rollback()
    with installation.app_context():  # the restored database takes writes again
        db.session.add(District(name="西湖区", code="XH", is_demo=False))
        db.session.commit()


@pytest.mark.commits
def test_a_backup_of_the_other_backend_or_another_migration_or_no_backup_is_refused(
    installation, tmp_path
):
    cli = installation.test_cli_runner()
    assert cli.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text())

    other = "sqlite" if POSTGRESQL else "postgresql"
    path.write_text(json.dumps({**manifest, "backend": other,
                                "database": backup.DATABASE_FILES[other]}))  # fmt: skip
    (tmp_path / "b" / backup.DATABASE_FILES[other]).write_bytes(b"")
    refused = cli.invoke(args=["restore", str(tmp_path / "b"), "--yes"])
    assert refused.exit_code == 1
    assert f"backup is of a {backup.BACKEND_NAMES[other]} database" in refused.output

    path.write_text(json.dumps({**manifest, "revision": "0123456789ab"}))
    with installation.app_context():
        with pytest.raises(
            backup.BackupError, match="made at migration 0123456789ab and the database is at"
        ):
            backup.restore(tmp_path / "b")
        assert db.session.scalar(select(District.name)) == "南湖区"

    # A folder in use is no place for a backup, nor a backup to restore; it is left as it was.
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "note.txt").write_text("mine")
    with installation.app_context():
        with pytest.raises(backup.BackupError, match="not an empty folder"):
            backup.backup(tmp_path / "used")
        with pytest.raises(backup.BackupError, match="is not a GridApp backup"):
            backup.restore(tmp_path / "used")
    assert (tmp_path / "used" / "note.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".used.partial")]


@pytest.mark.skipif(not POSTGRESQL, reason="PostgreSQL's locks: SQLite's backup API waits instead")
@pytest.mark.commits
def test_a_restore_that_a_session_blocks_changes_nothing_and_says_what_to_stop(
    installation, tmp_path, monkeypatch
):
    from sqlalchemy import text

    with installation.app_context():
        backup.backup(tmp_path / "b")
        url = db.engine.url
    monkeypatch.setattr(backup, "RESTORE_LOCK_WAIT", 0.5)
    other = create_engine(url)  # an app server in the middle of a request on the districts
    try:
        with other.connect() as conn:
            request = conn.begin()
            conn.execute(text("UPDATE districts SET name = '北湖区'"))
            with (
                installation.app_context(),
                pytest.raises(backup.BackupError, match="Stop the app servers and the consumer"),
            ):
                backup.restore(tmp_path / "b")
            request.rollback()
    finally:
        other.dispose()
    assert _state(installation)[0] == [("NH", "南湖区")]


def test_libpq_url_keeps_the_password_off_the_command_line():
    conninfo, env = backup.libpq_connection("postgresql+psycopg://gridapp:s3cret@db:5433/gridapp")
    assert conninfo == "postgresql://gridapp@db:5433/gridapp" and env == {"PGPASSWORD": "s3cret"}
    assert backup.libpq_connection("postgresql+psycopg://postgres@127.0.0.1/x") == (
        "postgresql://postgres@127.0.0.1/x",
        {},
    )
