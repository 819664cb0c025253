"""The audit log: append-only in the ORM, filtered on its page, scoped to the admin's school."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gridapp.core.audit import AuditEntry, AuditIsAppendOnly
from gridapp.extensions import db


def _entry(**kw) -> AuditEntry:
    entry = AuditEntry(**{"actor_name": "", "object_type": "", "ip": "", "detail": {}, **kw})
    db.session.add(entry)
    return entry


@pytest.fixture
def entries(app, world):
    """Entries of school A and school B, on two days (Shanghai time) around midnight UTC+8."""
    with app.app_context():
        a, b = world.school_a, world.school_b
        # 2026-03-01 17:30 UTC is 2026-03-02 01:30 in Shanghai.
        _entry(
            actor_id=world.head_teacher,
            actor_name="head_teacher",
            action="student.update",
            school_id=a,
            at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
        )
        _entry(
            actor_id=world.principal,
            actor_name="principal",
            action="guardian.phone.view",
            school_id=a,
            at=datetime(2026, 3, 1, 15, 0, tzinfo=UTC),
        )  # 23:00 on 03-01
        _entry(
            actor_id=world.other_school_teacher,
            actor_name="other_school_teacher",
            action="student.update",
            school_id=b,
            at=datetime(2026, 3, 1, 17, 45, tzinfo=UTC),
        )
        # A login of school A's teacher has no school: it is theirs through the actor.
        _entry(
            actor_id=world.subject_teacher,
            actor_name="subject_teacher",
            action="login",
            at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        )
        _entry(
            actor_id=None,
            actor_name="stranger",
            action="login.failed",
            at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
        )
        db.session.commit()


def _rows(client, **params) -> str:
    r = client.get("/admin/audit", query_string=params)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_school_admin_sees_only_their_schools_entries(client, world, login, entries):
    login(world.school_admin_name)
    html = _rows(client)
    assert "head_teacher" in html
    assert "subject_teacher" in html  # their staff's own login
    assert "guardian.phone.view" in html
    assert "other_school_teacher" not in html
    assert "stranger" not in html


def test_district_admin_sees_every_entry(client, world, login, entries):
    login(world.district_admin_name)
    html = _rows(client)
    for name in ("head_teacher", "principal", "other_school_teacher", "stranger"):
        assert name in html


def test_filter_by_actor(client, world, login, entries):
    login(world.district_admin_name)
    html = _rows(client, actor="principal")
    assert "guardian.phone.view" in html
    assert "student.update" not in html


def test_filter_by_action_prefix(client, world, login, entries):
    login(world.district_admin_name)
    html = _rows(client, action="login")
    assert "stranger" in html
    assert "subject_teacher" in html
    assert "student.update" not in html
    html = _rows(client, action="login.failed")
    assert "stranger" in html
    assert "subject_teacher" not in html


def test_filter_by_day_in_shanghai_time(client, world, login, entries):
    login(world.district_admin_name)
    html = _rows(client, day="2026-03-01")
    assert "principal" in html  # 23:00 Shanghai on 1 March
    assert "head_teacher" not in html  # 01:30 Shanghai on 2 March
    html = _rows(client, day="2026-03-02")
    assert "head_teacher" in html
    assert "stranger" in html
    assert "guardian.phone.view" not in html
    # A day with nothing, and a day that is not a date: no error.
    assert "没有符合条件的记录" in _rows(client, day="2026-03-05")
    assert "head_teacher" in _rows(client, day="not-a-day")


def test_filters_combine_and_htmx_gets_the_table_only(client, world, login, entries):
    login(world.district_admin_name)
    r = client.get(
        "/admin/audit",
        query_string={"day": "2026-03-02", "action": "student", "actor": "other"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" not in html
    assert "other_school_teacher" in html
    assert "head_teacher" not in html


def test_teacher_cannot_see_the_audit_log(client, world, login, entries):
    login(world.head_teacher_name)
    assert client.get("/admin/audit").status_code == 404


def test_entries_cannot_be_updated_through_the_orm(ctx, world, entries):
    entry = ctx.scalar(select(AuditEntry).where(AuditEntry.action == "login"))
    entry.action = "nothing.happened"
    with pytest.raises(AuditIsAppendOnly):
        ctx.flush()
    ctx.rollback()
    assert ctx.scalar(select(AuditEntry).where(AuditEntry.action == "nothing.happened")) is None


def test_entries_cannot_be_deleted_through_the_orm(ctx, world, entries):
    before = len(ctx.scalars(select(AuditEntry)).all())
    ctx.delete(ctx.scalar(select(AuditEntry).where(AuditEntry.action == "login")))
    with pytest.raises(AuditIsAppendOnly):
        ctx.commit()
    ctx.rollback()
    assert len(ctx.scalars(select(AuditEntry)).all()) == before


def test_record_fills_school_and_ip_from_the_request(app, client, world, login):
    login(world.head_teacher_name)
    r = client.post(
        f"/students/{world.student}/guardians/{world.guardian}/phone",
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert r.status_code == 200
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "guardian.phone.view")
        )
        assert entry.school_id == world.school_a
        assert entry.ip == "192.0.2.7"
        assert entry.detail == {"student_id": world.student}
