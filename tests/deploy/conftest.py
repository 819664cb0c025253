"""Fixtures of the deployment tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import make_url


@pytest.fixture
def topology_database_url():
    """A database of this test's own: PostgreSQL `<TEST_DATABASE_URL's db>_topo` (dropped
    after), or on the SQLite pass a file in a temporary folder (two app servers on one SQLite
    file work on one machine, though production is PostgreSQL)."""
    if os.environ.get("GRIDAPP_TEST_DB") != "postgresql":
        with tempfile.TemporaryDirectory(prefix="gridapp-topo-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'topo.db'}"
        return
    import psycopg

    base = make_url(
        os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    )
    url = base.set(database=f"{base.database}_topo")
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
