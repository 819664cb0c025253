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
