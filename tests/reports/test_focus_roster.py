"""The focus rosters (issue 21 item 5): a class's and a school's open focus students wherever
they were marked, with their categories, since when, what the focus rule owes them (the quota
engine's, seed 002 §5) and their last door visit; Chinese name order, search, category filter,
pages, empty state; sensitive categories audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.people.models import FocusCategory, Student
from gridapp.schools.models import SchoolClass

from .. import factories as f
from ..world import home_visit


def _focus(student_id, category=FocusCategory.LEFT_BEHIND, since=date(2026, 9, 10), ended=None):
    f.StudentFocusFactory(
        student=db.session.get(Student, student_id),
        category=category,
        since_on=since,
        ended_on=ended,
    )


def test_class_roster_lists_open_focus_students(ctx, client, world, login):
    _focus(world.student, FocusCategory.THINKING_OR_STUDY_CHANGE, date(2026, 10, 8))
    _focus(world.other_student, FocusCategory.MIGRANT, ended=date(2026, 10, 1))  # ended: not listed
    _focus(world.student_a2)  # another class
    db.session.commit()
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/focus")
    assert page.status_code == 200
    assert "王小明" in page.text and "思想和学业重大变化" in page.text
    assert "2026-10-08" in page.text
    assert "张伟" not in page.text and "陈静" not in page.text
    # Owed a door visit this semester, none yet.
    assert "0 / 1" in page.text and "未达标" in page.text and "尚未上门家访" in page.text
    # The class page links to it.
    assert f"/classes/{world.class_a1}/focus" in client.get(f"/classes/{world.class_a1}").text


def test_a_door_visit_meets_the_rule_and_is_the_last_visit(ctx, client, world, login):
    _focus(world.student)
    home_visit(world, date(2026, 11, 3))
    db.session.commit()
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/focus").text
    assert "1 / 1" in page and "达标" in page and "未达标" not in page and "2026-11-03" in page
    # The school's roster names each student's class.
    assert db.session.get(SchoolClass, world.class_a1).name in page


def test_chinese_name_order_search_filter_and_pages(ctx, client, world, login):
    klass = db.session.get(SchoolClass, world.class_a1)
    names = ["赵六", "安娜", "钱七", "白雪"]
    for n in names:
        s = f.StudentFactory(school_class=klass, name=n)
        f.StudentFocusFactory(student=s, category=FocusCategory.LEARNING, since_on=date(2026, 9, 9))
    _focus(world.student, FocusCategory.BEHAVIOUR)
    db.session.commit()
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/focus").text
    # Pinyin order: an, bai, qian, wang, zhao.
    positions = [page.index(n) for n in ["安娜", "白雪", "钱七", "王小明", "赵六"]]
    assert positions == sorted(positions)
    page = client.get(f"/classes/{world.class_a1}/focus?q=钱").text
    assert "钱七" in page and "赵六" not in page
    page = client.get(f"/classes/{world.class_a1}/focus?category=behaviour").text
    assert "王小明" in page and "钱七" not in page
    assert client.get(f"/classes/{world.class_a1}/focus?category=nonsense").status_code == 200
    page = client.get(f"/classes/{world.class_a1}/focus?q=没有这个人").text
    assert "没有符合条件的重点对象" in page
    # The list alone for htmx.
    r = client.get(
        f"/classes/{world.class_a1}/focus?q=钱",
        headers={"HX-Request": "true", "HX-Target": "focus-rows"},
    )
    assert "钱七" in r.text and "<html" not in r.text


def test_pages(ctx, client, world, login, monkeypatch):
    from gridapp.reports import focus_views

    monkeypatch.setattr(focus_views, "PER_PAGE", 2)
    klass = db.session.get(SchoolClass, world.class_a1)
    for n in ["安一", "安二", "安三"]:
        s = f.StudentFactory(school_class=klass, name=n)
        f.StudentFocusFactory(student=s, since_on=date(2026, 9, 9))
    db.session.commit()
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/focus").text
    assert "第 1 / 2 页" in page
    assert "第 2 / 2 页" in client.get(f"/classes/{world.class_a1}/focus?page=2").text


def test_empty_state(ctx, client, world, login):
    login(world.school_admin_name)
    page = client.get(f"/schools/{world.school_a}/focus").text
    assert "还没有重点对象" in page


def test_sensitive_categories_shown_are_audited(ctx, client, world, login):
    _focus(world.student, FocusCategory.HARDSHIP)
    db.session.commit()
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/focus").text
    assert "建档立卡 / 低收入 / 经济困难" in page
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "focus.roster.view")
    ).all()
    assert entry.detail["class_id"] == world.class_a1


def test_who_sees_the_rosters(ctx, client, world, login):
    _focus(world.student)
    db.session.commit()
    for who, class_status, school_status in [
        ("head_teacher", 200, 404),
        ("principal", 200, 200),
        ("school_admin", 200, 200),
        ("subject_teacher", 404, 404),
        ("other_class_teacher", 404, 404),
        ("district_supervisor", 404, 404),
        ("other_school_admin", 404, 404),
        ("parent", 404, 404),
    ]:
        login(getattr(world, f"{who}_name"))
        assert client.get(f"/classes/{world.class_a1}/focus").status_code == class_status, who
        assert client.get(f"/schools/{world.school_a}/focus").status_code == school_status, who
    login(world.principal_name)
    assert "/focus" in client.get(f"/schools/{world.school_a}").text


def test_a_viewer_not_entitled_sees_no_sensitive_category(ctx, world):
    """The roster's query and lines leave sensitive categories out for a viewer not entitled to
    them (seed 002 §7): a student held only by one is not listed, another's is not shown."""
    from gridapp.contacts import rules
    from gridapp.core.time import today
    from gridapp.reports import focus_roster

    _focus(world.student, FocusCategory.PSYCHOLOGICAL)
    _focus(world.other_student, FocusCategory.SINGLE_PARENT)
    _focus(world.other_student, FocusCategory.LEARNING)
    db.session.commit()
    school_id = db.session.get(Student, world.student).school_id
    hidden = db.session.execute(focus_roster.roster_query(school_id, sensitive=False)).all()
    assert [r.id for r in hidden] == [world.other_student]
    period = rules.period_for(school_id, today())
    [line] = focus_roster.roster_lines(hidden, period, sensitive=False, today=today())
    assert line.categories == [FocusCategory.LEARNING]
    shown = db.session.execute(focus_roster.roster_query(school_id, sensitive=True)).all()
    assert {r.id for r in shown} == {world.student, world.other_student}
    assert not db.session.execute(
        focus_roster.roster_query(school_id, category=FocusCategory.PSYCHOLOGICAL, sensitive=False)
    ).all()
