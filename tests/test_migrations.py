"""The migrations build exactly the models: `flask db upgrade` on an empty database, then compare."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import make_url

from gridapp.app import create_app
from gridapp.config import TestConfig
from gridapp.core import tasks
from gridapp.extensions import db


def _config(url: str) -> dict:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    return config


@pytest.fixture
def empty_database_url(app):
    if os.environ.get("GRIDAPP_TEST_DB") == "postgresql":
        yield from _postgresql_database(app.config["SQLALCHEMY_DATABASE_URI"])
    else:
        with tempfile.TemporaryDirectory(prefix="gridapp-migrations-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'empty.db'}"


def _postgresql_database(test_url: str):
    import psycopg

    url = make_url(test_url)
    name = f"gridapp_migr_{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow(6)
def test_migrations_match_the_models(app, empty_database_url):
    migrated = create_app(_config(empty_database_url))
    tasks.bind_app(app)  # background tasks keep running in the test app
    try:
        with migrated.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                diff = compare_metadata(context, db.metadata)
                tables = set(db.inspect(conn).get_table_names())
            db.session.remove()
            db.engine.dispose()
    finally:
        tasks.bind_app(app)
    assert diff == [], "the models and the migrations differ:\n" + "\n".join(map(str, diff))
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_name_key_migration_fills_existing_rows(app, empty_database_url):
    """Rows written before names had a pinyin key get it, and their names and phones their
    normal form (issue 22 items 5 and 6)."""
    from sqlalchemy import text

    migrated = create_app(_config(empty_database_url))
    tasks.bind_app(app)
    try:
        with migrated.app_context():
            upgrade(revision="3b7e51c0d2a9")
            with db.engine.begin() as conn:
                now = "2026-11-23 02:00:00+00:00"
                conn.execute(
                    text(
                        "INSERT INTO districts (id, name, code, is_demo, created_at, updated_at)"
                        " VALUES (1, '南湖区', '330402', false, :now, :now)"
                    ),
                    {"now": now},
                )
                for uid, name, phone in (
                    (1, "张伟", "13800000001"), (2, "阿卜杜拉・艾力", "+86 138 0000 0002"),
                    (3, "曾小贤", "１３８００００００03"), (4, "白雪", ""),
                ):  # fmt: skip
                    conn.execute(
                        text(
                            "INSERT INTO users (id, username, name, phone, title, is_party_member,"
                            " active, district_id, session_version, created_at, updated_at)"
                            " VALUES (:id, :u, :name, :phone, '', false, true, 1, 1, :now, :now)"
                        ),
                        {"id": uid, "u": f"u{uid}", "name": name, "phone": phone, "now": now},
                    )
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT name, phone FROM users ORDER BY name_key, id"))
                got = [tuple(r) for r in rows]
            db.session.remove()
            db.engine.dispose()
    finally:
        tasks.bind_app(app)
    assert got == [
        ("阿卜杜拉·艾力", "13800000002"), ("白雪", ""), ("曾小贤", "13800000003"),
        ("张伟", "13800000001"),
    ]  # fmt: skip


def _one_row_per_table(conn) -> dict[str, int]:
    """A row in every table the schema has at this revision, each pointing at row 1 of the
    tables it references (tables in dependency order), so that a later migration meets rows
    that others reference. Enumerated columns take a value of today's model; dates rise in
    column order (start before end). A table whose checks refuse the made-up row is tried
    again with its optional columns empty, then left empty."""
    import datetime as dt

    from sqlalchemy import Boolean, Date, DateTime, Integer, MetaData, Numeric, Time, insert

    meta = MetaData()
    meta.reflect(conn)
    filled = {}
    for table in meta.sorted_tables:
        if table.name == "alembic_version":
            continue
        model = db.metadata.tables.get(table.name)
        row = {}
        for i, col in enumerate(table.columns):
            kind = col.type
            known = model.columns.get(col.name) if model is not None else None
            if col.foreign_keys or isinstance(kind, Integer):
                row[col.name] = 1
            elif isinstance(kind, Boolean):
                row[col.name] = False
            elif isinstance(kind, DateTime):
                row[col.name] = dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC) + dt.timedelta(days=i)
            elif isinstance(kind, Date):
                row[col.name] = dt.date(2026, 9, 1) + dt.timedelta(days=i)
            elif isinstance(kind, Time):
                row[col.name] = dt.time(8 + i % 12)
            elif isinstance(kind, Numeric):
                row[col.name] = 1
            elif known is not None and getattr(known.type, "enums", None):
                row[col.name] = known.type.enums[0]
            else:
                row[col.name] = "1"
        optional = {c.name for c in table.columns if c.nullable and not c.primary_key}
        for values in (row, {k: v for k, v in row.items() if k not in optional}):
            savepoint = conn.begin_nested()
            try:
                conn.execute(insert(table).values(**values))
            except Exception:  # noqa: BLE001 - a check refuses the made-up row
                savepoint.rollback()
            else:
                savepoint.commit()
                filled[table.name] = 1
                break
    return filled


def test_migrations_upgrade_a_database_in_use(app, empty_database_url):
    """`flask db upgrade` of a database that holds rows (what `make run` does after a pull):
    every migration after the first runs over a row in each table, rows that other rows
    reference included, and keeps them. On SQLite a migration that rebuilds a referenced
    table (batch mode) failed with "FOREIGN KEY constraint failed" on `DROP TABLE users`."""
    from sqlalchemy import func, select, table

    migrated = create_app(_config(empty_database_url))
    tasks.bind_app(app)
    try:
        with migrated.app_context():
            upgrade(revision="cf9955548ff6")  # the first migration
            with db.engine.begin() as conn:
                filled = _one_row_per_table(conn)
            upgrade()
            with db.engine.connect() as conn:
                kept = {
                    name: conn.execute(select(func.count()).select_from(table(name))).scalar()
                    for name in filled
                }
                broken = []
                if conn.dialect.name == "sqlite":
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            db.session.remove()
            db.engine.dispose()
    finally:
        tasks.bind_app(app)
    assert {"users", "user_roles", "schools", "students", "guardians"} <= set(filled)
    assert kept == filled
    assert broken == []


def test_a_migration_that_fails_leaves_the_database_as_it_was(app, empty_database_url, monkeypatch):
    """A migration that fails half-way changes nothing (one transaction, DDL included, on
    SQLite too), so the next `flask db upgrade` starts from where the database was."""
    from sqlalchemy import inspect, text

    import gridapp.core.text

    def broken(name):
        raise RuntimeError("the migration fails half-way")

    migrated = create_app(_config(empty_database_url))
    tasks.bind_app(app)
    try:
        with migrated.app_context():
            upgrade(revision="3b7e51c0d2a9")
            with db.engine.begin() as conn:
                _one_row_per_table(conn)
            with monkeypatch.context() as patch:
                # 5b8e2c1d7a40 rebuilds users, students and guardians, then fills name keys
                patch.setattr(gridapp.core.text, "name_sort_key", broken)
                with pytest.raises(SystemExit):  # flask_migrate logs the error and exits
                    upgrade()
            with db.engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                tables = set(inspect(conn).get_table_names())
                user_columns = {c["name"] for c in inspect(conn).get_columns("users")}
            upgrade()  # and it goes through once the fault is gone
            with db.engine.connect() as conn:
                fixed = {c["name"] for c in inspect(conn).get_columns("users")}
            db.session.remove()
            db.engine.dispose()
    finally:
        tasks.bind_app(app)
    assert version == "3b7e51c0d2a9"
    assert not [t for t in tables if t.startswith("_alembic_tmp")]
    assert "name_key" not in user_columns
    assert "name_key" in fixed


def test_the_focus_category_migration_goes_down_and_up(app, empty_database_url):
    """Issue 21 item 5 (7c3e5a9d1f42): the new category 思想和学业重大变化 goes back to the
    nearest old one (近期重大变故) on a downgrade, nothing deleted; where the student holds an open
    major_change as well, the new category's open mark is ended first (one open mark per
    category); the CHECKs take the new value again after the upgrade."""
    from flask_migrate import downgrade
    from sqlalchemy import text

    migrated = create_app(_config(empty_database_url))
    tasks.bind_app(app)
    try:
        with migrated.app_context():
            upgrade()
            with db.engine.begin() as conn:
                filled = _one_row_per_table(conn)
                conn.execute(text("DELETE FROM student_focus"))
                for fid, category in ((11, "major_change"), (12, "thinking_or_study_change")):
                    conn.execute(
                        text(
                            "INSERT INTO student_focus (id, student_id, category, since_on,"
                            " reason, created_at, updated_at) VALUES (:id, 1, :c, :on, '成绩骤降',"
                            " :now, :now)"
                        ),
                        {"id": fid, "c": category, "on": "2026-10-08",
                         "now": "2026-11-23 02:00:00+00:00"},
                    )  # fmt: skip
                conn.execute(
                    text("UPDATE grid_logs SET focus_category = 'thinking_or_study_change'")
                )
            downgrade(revision="d674ad61fdc1")
            with db.engine.connect() as conn:
                down = conn.execute(
                    text("SELECT id, category, ended_on FROM student_focus ORDER BY id")
                ).all()
                logs = conn.execute(text("SELECT DISTINCT focus_category FROM grid_logs")).all()
            upgrade()
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE student_focus SET category = 'thinking_or_study_change' WHERE id = 12"
                    )
                )
                back = conn.execute(
                    text("SELECT category FROM student_focus WHERE id = 12")
                ).scalar()
            db.session.remove()
            db.engine.dispose()
    finally:
        tasks.bind_app(app)
    assert "grid_logs" in filled
    assert [(i, c) for i, c, _e in down] == [(11, "major_change"), (12, "major_change")]
    assert down[0][2] is None and str(down[1][2]) == "2026-10-08"  # ended on its first day
    assert [tuple(r) for r in logs] == [("major_change",)]
    assert back == "thinking_or_study_change"
