"""Production wiring: with REDIS_URL set, Huey and the rate limits live in Redis (CI sets it)."""

from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL not set")


def test_huey_uses_redis_when_redis_url_is_set(monkeypatch):
    from huey import RedisHuey

    from gridapp import extensions

    monkeypatch.delenv("GRIDAPP_HUEY_IMMEDIATE", raising=False)
    huey = extensions._make_huey()
    assert isinstance(huey, RedisHuey)
    # A queue of its own, so that nothing else's tasks are touched.
    huey = RedisHuey(f"gridapp-test-{uuid.uuid4().hex}", url=REDIS_URL)

    @huey.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    task = huey.dequeue()
    huey.execute(task)
    assert result.get() == 5
    huey.storage.flush_all()


def test_rate_limits_are_kept_in_redis_when_redis_url_is_set():
    from gridapp import config

    settings = {"REDIS_URL": REDIS_URL, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    config.finish(settings)
    assert settings["RATELIMIT_STORAGE_URI"] == REDIS_URL
    embedded = {"REDIS_URL": None, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    config.finish(embedded)
    assert embedded["RATELIMIT_STORAGE_URI"] == "memory://"


def test_redis_answers_the_limiter_storage():
    from limits.storage import storage_from_string

    storage = storage_from_string(REDIS_URL)
    assert storage.check()
