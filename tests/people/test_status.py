"""A student's status (issue 15 item 6): transferred, left or graduated from a date, the history,
undo, and what an inactive student means for the roster, the figures and the archive."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import services
from gridapp.people.models import Student, StudentStatus, StudentStatusChange


def _student(world):
    db.session.expire_all()
    return db.session.get(Student, world.student)


def test_admin_marks_a_student_transferred_and_it_is_kept(ctx, client, world, login):
    login(world.school_admin_name)
    r = client.get(f"/students/{world.student}/status")
    assert r.status_code == 200
    assert "标记转学、离校或毕业" in r.text
    on = today() - timedelta(days=3)
    r = client.post(
        f"/students/{world.student}/status",
        data={"to_status": "transferred", "on": on.isoformat(), "reason": "随父母迁往杭州"},
    )
    assert r.status_code == 303
    student = _student(world)
    assert student.status == StudentStatus.TRANSFERRED
    [change] = db.session.scalars(select(StudentStatusChange)).all()
    assert (change.from_status, change.to_status, change.on) == (
        StudentStatus.ACTIVE, StudentStatus.TRANSFERRED, on,
    )  # fmt: skip
    assert change.reason == "随父母迁往杭州"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.status")
    ).one()
    assert entry.detail["to_status"] == "transferred"
    assert "杭州" not in str(entry.detail)
    page = client.get(f"/students/{world.student}/status").text
    assert "已转学" in page and "随父母迁往杭州" in page
    # Off the class roster; the student's page stays readable.
    assert "王小明" not in client.get(f"/classes/{world.class_a1}").text
    assert client.get(f"/students/{world.student}").status_code == 200
    # Read-only now: nobody edits a student who has left.
    assert client.get(f"/students/{world.student}/edit").status_code == 404


def test_full_width_date_and_a_future_date(ctx, client, world, login):
    login(world.principal_name)
    future = today() + timedelta(days=1)
    r = client.post(
        f"/students/{world.student}/status",
        data={"to_status": "left", "on": future.isoformat(), "reason": "原因甲"},
    )
    assert r.status_code == 422
    assert "日期不能晚于今天" in r.text
    assert "原因甲" in r.text  # nothing typed is lost
    assert _student(world).status == StudentStatus.ACTIVE
    d = today()
    wide = f"{d.year}年{d.month}月{d.day}日".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    r = client.post(f"/students/{world.student}/status", data={"to_status": "left", "on": wide})
    assert r.status_code == 303
    assert _student(world).status == StudentStatus.LEFT


def test_undo_restores_exactly_and_keeps_the_history(ctx, client, world, login):
    login(world.school_admin_name)
    client.post(
        f"/students/{world.student}/status",
        data={"to_status": "graduated", "on": today().isoformat()},
    )
    change = db.session.scalars(select(StudentStatusChange)).one()
    r = client.post(f"/students/{world.student}/status/{change.id}/undo")
    assert r.status_code == 303
    db.session.expire_all()
    assert _student(world).status == StudentStatus.ACTIVE
    assert db.session.get(StudentStatusChange, change.id).undone_at is not None
    # Undone twice: refused with a message, nothing changes.
    r = client.post(f"/students/{world.student}/status/{change.id}/undo")
    assert r.status_code == 422
    assert "已撤销" in r.text
    # A GET of the undo address goes back to the page.
    assert client.get(f"/students/{world.student}/status/{change.id}/undo").status_code == 303


def test_back_to_school_from_a_date(ctx, world):
    actor = db.session.get(User, world.school_admin)
    student = _student(world)
    d = today()
    services.set_student_status(actor, student, StudentStatus.LEFT, d - timedelta(days=10))
    with pytest.raises(RuleViolation) as e:
        services.set_student_status(actor, student, StudentStatus.TRANSFERRED, d)
    assert e.value.field == "to_status"
    with pytest.raises(RuleViolation) as e:
        services.set_student_status(actor, student, StudentStatus.ACTIVE, d - timedelta(days=11))
    assert e.value.field == "on"
    services.set_student_status(actor, student, StudentStatus.ACTIVE, d)
    assert student.status == StudentStatus.ACTIVE
    assert [c.to_status for c in services.status_history(student)] == [
        StudentStatus.ACTIVE, StudentStatus.LEFT,
    ]  # fmt: skip


def test_bulk_marks_many_all_or_nothing(ctx, world):
    actor = db.session.get(User, world.school_admin)
    a, b = _student(world), db.session.get(Student, world.other_student)
    services.set_students_status(actor, [a, b], StudentStatus.LEFT, today())
    db.session.expire_all()
    assert {
        s.status for s in db.session.scalars(select(Student).where(Student.id.in_([a.id, b.id])))
    } == {StudentStatus.LEFT}
    c = db.session.get(Student, world.student_a2)
    with pytest.raises(RuleViolation) as e:
        services.set_students_status(actor, [a, c], StudentStatus.LEFT, today())
    assert "王小明" in e.value.message
    assert c.status == StudentStatus.ACTIVE


def test_a_change_made_meanwhile_is_a_conflict(ctx, world):
    actor = db.session.get(User, world.school_admin)
    student = _student(world)
    # Another request changed it after this one read the student.
    db.session.execute(
        Student.__table__.update().where(Student.id == student.id).values(status="left")
    )
    with pytest.raises(IllegalTransition):
        services.set_student_status(actor, student, StudentStatus.TRANSFERRED, today())


def test_bad_status_value_is_refused_beside_the_field(ctx, client, world, login):
    login(world.school_admin_name)
    r = client.post(
        f"/students/{world.student}/status",
        data={"to_status": "active", "on": date.today().isoformat()},
    )
    assert r.status_code == 422
