"""Background tasks (Huey): in the tests they run at once, inside an application context."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from gridapp.core import tasks
from gridapp.core.audit import AuditEntry, record
from gridapp.extensions import db, huey


@tasks.task()
def write_audit_entry(action: str) -> str:
    record(None, action, actor_name="task")
    return current_app.name


def test_huey_runs_immediately_in_tests():
    assert huey.immediate


def test_ping_returns_its_value():
    assert tasks.ping("你好")() == "你好"
    assert tasks.ping()() == "pong"


def test_ping_inside_an_app_context(app):
    with app.app_context():
        assert tasks.ping("inside")() == "inside"


def test_a_task_gets_an_app_context_and_commits_once(app, world):
    """Outside any app context, as in the consumer: the task opens one and commits its work."""
    assert write_audit_entry("task.test")() == app.name
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "task.test")
        )
        assert count == 1
