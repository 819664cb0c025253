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
