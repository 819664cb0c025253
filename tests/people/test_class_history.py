"""Class history (issue 15 item 6): moving a student to another class with a date, and the
quota figures counting each student in the class they were in on the period's reckoning day;
transfers leave the figures from their date; the archive shows the move."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules
from gridapp.contacts.models import ContactForm
from gridapp.core.errors import RuleViolation
from gridapp.people import placements, services
from gridapp.people.models import ClassPlacement, Student, StudentStatus
from gridapp.schools.models import SchoolClass

from .. import factories as f

TODAY = date(2026, 11, 23)  # inside the world's semester (2026-09-01 … 2027-01-23)
MOVED_ON = date(2026, 11, 1)


def _st(ctx, period, **kw):
    st = rules.student_status(period, **kw).subquery()
    return {r.student_id: r for r in ctx.execute(select(st))}


def _tf(ctx, period, teacher_id):
    tf = rules.teacher_family_status(period, teacher_id=teacher_id).subquery()
    return {r.family_id: r for r in ctx.execute(select(tf))}


def _move(ctx, world, on=MOVED_ON):
    admin = ctx.get(User, world.school_admin)
    student = ctx.get(Student, world.student)
    placements.move_student(admin, student, ctx.get(SchoolClass, world.class_a2), on, today=TODAY)
    ctx.commit()
    return student


def _visit(ctx, world, teacher, on):
    student = ctx.get(Student, world.student)
    f.ContactFactory(
        recorded_by=ctx.get(User, teacher), school_id=world.school_a,
        family_id=student.family_id, teachers=[ctx.get(User, teacher)], contact_on=on,
        form=ContactForm.HOME_VISIT,
    )  # fmt: skip
    ctx.commit()


def test_a_mid_semester_move_counts_the_student_in_the_new_class(ctx, world):
    _visit(ctx, world, world.head_teacher, date(2026, 10, 10))  # in A1, before the move
    student = _move(ctx, world)
    assert student.class_id == world.class_a2
    family = student.family_id
    now = rules.period_for(world.school_a, TODAY)
    assert _st(ctx, now)[world.student].class_id == world.class_a2
    # A1's teachers no longer owe the family; A2's head teacher does.
    assert family not in _tf(ctx, now, world.head_teacher)
    assert family not in _tf(ctx, now, world.subject_teacher)
    assert _tf(ctx, now, world.other_class_teacher)[family].count == 0
    # The student's own rules count every visit to the family, wherever it was.
    assert _st(ctx, now)[world.student].two_years_count == 1
    # The door visit stays credited to the class it was made in.
    coverage = rules.class_coverage(now)
    assert coverage[world.class_a1].home_visits == 1
    assert coverage[world.class_a2].home_visits == 0
    assert coverage[world.class_a1].students == 1  # 张伟 only
    assert coverage[world.class_a2].students == 2
    # Seen on 20 October (before the move) the same semester had the student in A1.
    before = rules.period_for(world.school_a, date(2026, 10, 20))
    assert _st(ctx, before)[world.student].class_id == world.class_a1
    assert family in _tf(ctx, before, world.head_teacher)
    # One open placement, the old one ended on the move's date.
    rows = ctx.scalars(
        select(ClassPlacement)
        .where(ClassPlacement.student_id == world.student)
        .order_by(ClassPlacement.from_on)
    ).all()
    assert [(p.class_id, p.to_on) for p in rows] == [
        (world.class_a1, MOVED_ON), (world.class_a2, None),
    ]  # fmt: skip


def test_a_transfer_leaves_the_figures_from_its_date(ctx, world):
    admin = ctx.get(User, world.school_admin)
    student = ctx.get(Student, world.student)
    services.set_student_status(
        admin, student, StudentStatus.TRANSFERRED, date(2026, 11, 10), today=TODAY
    )
    ctx.commit()
    assert world.student not in _st(ctx, rules.period_for(world.school_a, TODAY))
    assert world.student not in _st(
        ctx, rules.period_for(world.school_a, TODAY), class_ids=[world.class_a1]
    )
    # Before the transfer the semester still had the student in A1.
    earlier = rules.period_for(world.school_a, date(2026, 11, 5))
    assert _st(ctx, earlier)[world.student].class_id == world.class_a1
    # Undone: back in the figures, in the same class.
    [change] = services.status_history(student)
    services.undo_status_change(admin, change)
    ctx.commit()
    assert (
        _st(ctx, rules.period_for(world.school_a, TODAY))[world.student].class_id == world.class_a1
    )


def test_move_rules(ctx, world):
    admin = ctx.get(User, world.school_admin)
    student = ctx.get(Student, world.student)
    a1, a2 = ctx.get(SchoolClass, world.class_a1), ctx.get(SchoolClass, world.class_a2)
    with pytest.raises(RuleViolation) as e:
        placements.move_student(admin, student, a1, MOVED_ON, today=TODAY)
    assert e.value.field == "class_id"
    with pytest.raises(RuleViolation) as e:
        placements.move_student(admin, student, a2, date(2026, 11, 24), today=TODAY)
    assert e.value.field == "on"
    with pytest.raises(RuleViolation) as e:
        placements.move_student(
            admin, student, ctx.get(SchoolClass, world.class_b1), MOVED_ON, today=TODAY
        )
    assert e.value.field == "class_id"
    placements.move_student(admin, student, a2, MOVED_ON, today=TODAY)
    with pytest.raises(RuleViolation) as e:  # before entering A2
        placements.move_student(admin, student, a1, date(2026, 10, 1), today=TODAY)
    assert e.value.field == "on"
    # The same day again: a correction of the class, no empty placement left behind.
    placements.move_student(admin, student, a1, MOVED_ON, today=TODAY)
    ctx.commit()
    rows = ctx.scalars(
        select(ClassPlacement).where(ClassPlacement.student_id == world.student)
    ).all()
    assert sorted((p.class_id, p.to_on) for p in rows if p.to_on is None) == [
        (world.class_a1, None)
    ]


def test_moving_through_the_page_and_the_archive_shows_it(ctx, client, world, login):
    login(world.principal_name)
    r = client.get(f"/students/{world.student}/move")
    assert r.status_code == 200
    assert "三年级（2）班" in r.text
    r = client.post(f"/students/{world.student}/move", data={"class_id": "", "on": "2026-11-01"})
    assert r.status_code == 422
    assert "请选择本校的班级" in r.text
    r = client.post(
        f"/students/{world.student}/move",
        data={"class_id": str(world.class_b1), "on": "２０２６年１１月１日"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/students/{world.student}/move",
        data={"class_id": str(world.class_a2), "on": "２０２６年１１月１日"},
    )
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Student, world.student).class_id == world.class_a2
    assert "王小明" in client.get(f"/classes/{world.class_a2}").text
    assert "王小明" not in client.get(f"/classes/{world.class_a1}").text
    archive = client.get(f"/students/{world.student}/archive?tab=timeline").text
    assert "调班：三年级（1）班 → 三年级（2）班" in archive
