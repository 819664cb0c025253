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
    """The table's rows as the page shows them (the filter form left out)."""
    r = client.get("/admin/audit", query_string=params)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    return html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else html


@pytest.fixture
def names(app, world) -> dict[str, str]:
    """Each world user's name (what the log shows) by username."""
    from gridapp.accounts.models import User

    with app.app_context():
        return {u.username: u.name for u in db.session.scalars(select(User))}


def test_school_admin_sees_only_their_schools_entries(client, world, login, entries, names):
    login(world.school_admin_name)
    html = _rows(client)
    assert names["head_teacher"] in html
    assert names["subject_teacher"] in html  # their staff's own login
    assert f"{names['principal']}查看了" in html  # guardian.phone.view in words
    assert names["other_school_teacher"] not in html
    assert "stranger" not in html


def test_district_admin_sees_every_entry(client, world, login, entries, names):
    login(world.district_admin_name)
    html = _rows(client)
    for name in ("head_teacher", "principal", "other_school_teacher"):
        assert names[name] in html
    assert "“stranger”登录失败" in html  # an unknown sign-in name, as typed


def test_filter_by_actor_name_or_username(client, world, login, entries, names):
    login(world.district_admin_name)
    for q in ("principal", names["principal"]):
        html = _rows(client, actor=q)
        assert 'data-action="guardian.phone.view"' in html
        assert 'data-action="student.update"' not in html


def test_filter_by_action(client, world, login, entries):
    login(world.district_admin_name)
    html = _rows(client, action="login.failed")
    assert "stranger" in html
    assert 'data-action="login"' not in html
    html = _rows(client, action="login")  # exactly the key
    assert 'data-action="login"' in html
    assert "stranger" not in html
    html = _rows(client, action="student")  # a group, as older links had it
    assert 'data-action="student.update"' in html
    assert 'data-action="login"' not in html


def test_filter_by_day_in_shanghai_time(client, world, login, entries, names):
    login(world.district_admin_name)
    html = _rows(client, day="2026-03-01")
    assert names["principal"] in html  # 23:00 Shanghai on 1 March
    assert names["head_teacher"] not in html  # 01:30 Shanghai on 2 March
    html = _rows(client, day="2026-03-02")
    assert names["head_teacher"] in html
    assert "stranger" in html
    assert 'data-action="guardian.phone.view"' not in html
    # A day with nothing, and a day that is not a date: no error.
    assert "没有符合条件的记录" in _rows(client, day="2026-03-05")
    assert names["head_teacher"] in _rows(client, day="not-a-day")


def test_filters_combine_and_htmx_gets_the_table_only(client, world, login, entries, names):
    login(world.district_admin_name)
    r = client.get(
        "/admin/audit",
        query_string={"day": "2026-03-02", "action": "student", "actor": "other"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" not in html
    assert names["other_school_teacher"] in html
    assert names["head_teacher"] not in html


def test_teacher_cannot_see_the_audit_log(client, world, login, entries):
    login(world.head_teacher_name)
    assert client.get("/admin/audit").status_code == 404
    assert client.get("/admin/audit?format=xlsx").status_code == 404


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
