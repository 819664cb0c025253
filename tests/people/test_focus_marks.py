"""Focus students marked from the student page (issue 21 item 5): the head teacher and the
school's leaders mark a category with a date and a reason and end one; bad input is answered
beside the field with everything typed kept; the audit holds the change, never the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import ClassPlacement, FocusCategory, Student, StudentFocus
from gridapp.schools.models import SchoolClass

from .. import factories as f


def _marks(student_id):
    db.session.expire_all()
    return db.session.scalars(
        select(StudentFocus).where(StudentFocus.student_id == student_id).order_by(StudentFocus.id)
    ).all()


def _mark(category="thinking_or_study_change", on=None, reason="期中考试后成绩骤降，情绪低落"):
    return {
        "mark-category": category,
        "mark-on": (on or today()).isoformat() if not isinstance(on, str) else on,
        "mark-reason": reason,
    }


def _end(category="thinking_or_study_change", on=None, reason="经两次家访，情况好转"):
    return {
        "end-category": category,
        "end-on": (on or today()).isoformat() if not isinstance(on, str) else on,
        "end-reason": reason,
    }


@pytest.mark.parametrize("who", ["head_teacher", "principal", "school_admin"])
def test_head_teacher_and_leaders_mark_and_end(ctx, client, world, login, who):
    login(getattr(world, f"{who}_name"))
    page = client.get(f"/students/{world.student}")
    assert page.status_code == 200
    assert "标记重点对象" in page.text and "思想和学业重大变化" in page.text
    on = today() - timedelta(days=5)
    r = client.post(f"/students/{world.student}/focus/mark", data=_mark(on=on))
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/students/{world.student}#focus-section")
    [entry] = _marks(world.student)
    assert entry.category is FocusCategory.THINKING_OR_STUDY_CHANGE
    assert (entry.since_on, entry.ended_on) == (on, None)
    assert entry.reason == "期中考试后成绩骤降，情绪低落"
    page = client.get(f"/students/{world.student}").text
    assert "思想和学业重大变化" in page and "期中考试后成绩骤降" in page

    r = client.post(f"/students/{world.student}/focus/end", data=_end())
    assert r.status_code == 303
    [entry] = _marks(world.student)
    assert entry.ended_on == today() and entry.end_reason == "经两次家访，情况好转"
    assert entry.ended_by_id == getattr(world, who)
    actions = [
        (e.action, e.detail)
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("student.focus.%"))
        )
    ]
    assert [a for a, _d in actions] == ["student.focus.mark", "student.focus.end"]
    # The reasons are private notes: never in the audit payload.
    assert "成绩" not in str(actions) and "好转" not in str(actions)


def test_the_new_category_counts_for_the_focus_rule(ctx, client, world, login):
    """A student marked 思想和学业重大变化 is a focus student of the semester: the quota engine
    owes them a door visit (contacts.rules, seed 002 §5)."""
    from gridapp.contacts import rules

    def focus_applies():
        db.session.expire_all()
        period = rules.period_for(db.session.get(Student, world.student).school_id, today())
        [row] = db.session.execute(rules.student_status(period, student_ids=[world.student])).all()
        return row.focus_applies

    assert focus_applies() == 0
    login(world.head_teacher_name)
    assert client.post(f"/students/{world.student}/focus/mark", data=_mark()).status_code == 303
    assert focus_applies() == 1


def test_subject_teachers_and_others_get_no_form(ctx, client, world, login):
    for who in ("subject_teacher", "other_class_teacher", "other_school_admin", "parent",
                "district_supervisor"):  # fmt: skip
        login(getattr(world, f"{who}_name"))
        page = client.get(f"/students/{world.student}")
        assert "标记重点对象" not in page.text
        assert client.post(f"/students/{world.student}/focus/mark", data=_mark()).status_code == 404
        assert client.post(f"/students/{world.student}/focus/end", data=_end()).status_code == 404
    assert _marks(world.student) == []


def test_a_student_of_another_school_is_404(ctx, client, world, login):
    login(world.principal_name)
    r = client.post(f"/students/{world.student_c1}/focus/mark", data=_mark())
    assert r.status_code == 404
    assert _marks(world.student_c1) == []


def test_a_sensitive_category_shown_is_audited(ctx, client, world, login):
    f.StudentFocusFactory(
        student=db.session.get(Student, world.student),
        category=FocusCategory.PSYCHOLOGICAL,
        since_on=date(2026, 9, 5),
    )
    db.session.commit()
    login(world.head_teacher_name)
    page = client.get(f"/students/{world.student}").text
    assert "心理 / 身心发展困难" in page
    views = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.focus.view")
    ).all()
    assert len(views) == 1 and views[0].detail["categories"] == ["psychological"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        (_mark(category="nonsense"), "mark-category", "请选择重点对象类别"),
        (_mark(category=""), "mark-category", "请选择重点对象类别"),
        (_mark(on=today() + timedelta(days=1)), "mark-on", "日期不能晚于今天"),
        (_mark(on=date(2026, 8, 31)), "mark-on", "日期不能早于本学期第一天"),
        (_mark(on="2026-02-30"), "mark-on", "请填写正确的日期"),
        (_mark(on=""), "mark-on", "请填写正确的日期"),
        (_mark(reason=""), "mark-reason", "请填写原因"),
        (_mark(reason="长" * 201), "mark-reason", "原因不能超过 200 字"),
    ],
)
def test_bad_marks_are_answered_beside_the_field(ctx, client, world, login, data, field, message):
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/focus/mark", data=data)
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.text
    assert message in r.text
    # Nothing typed is lost.
    if data["mark-reason"]:
        assert data["mark-reason"] in r.text
    if field != "mark-on" and data["mark-on"]:
        assert data["mark-on"] in r.text
    assert _marks(world.student) == []


def test_full_width_digits_in_the_date(ctx, client, world, login):
    login(world.head_teacher_name)
    on = today() - timedelta(days=2)
    wide = on.isoformat().translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    r = client.post(f"/students/{world.student}/focus/mark", data=_mark(on=wide))
    assert r.status_code == 303
    assert _marks(world.student)[0].since_on == on
    typed = f"{on.year}年{on.month}月{on.day}日".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    r = client.post(f"/students/{world.student}/focus/end", data=_end(on=typed))
    assert r.status_code == 303
    assert _marks(world.student)[0].ended_on == on


def test_the_floor_is_the_students_first_day_when_later_than_the_semester(
    ctx, client, world, login
):
    student = f.StudentFactory(school_class=db.session.get(SchoolClass, world.class_a1))
    db.session.add(
        ClassPlacement(student=student, class_id=world.class_a1, from_on=date(2026, 11, 2))
    )
    db.session.commit()
    login(world.head_teacher_name)
    r = client.post(f"/students/{student.id}/focus/mark", data=_mark(on=date(2026, 10, 30)))
    assert r.status_code == 422 and "日期不能早于该学生入学（2026-11-02）" in r.text
    r = client.post(f"/students/{student.id}/focus/mark", data=_mark(on=date(2026, 11, 2)))
    assert r.status_code == 303


def test_ending_a_category_not_open(ctx, client, world, login):
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/focus/end", data=_end(category="left_behind"))
    assert r.status_code == 422
    assert 'id="end-category-error"' in r.text and "该学生不是这一类重点对象" in r.text
    assert "经两次家访，情况好转" in r.text
    r = client.post(f"/students/{world.student}/focus/end", data=_end(category="nonsense"))
    assert r.status_code == 422 and "请选择要解除的类别" in r.text


def test_an_end_before_the_mark_and_a_second_mark(ctx, client, world, login):
    login(world.head_teacher_name)
    on = today() - timedelta(days=3)
    assert (
        client.post(f"/students/{world.student}/focus/mark", data=_mark(on=on)).status_code == 303
    )
    r = client.post(f"/students/{world.student}/focus/mark", data=_mark())
    assert r.status_code == 422 and "该学生已是这一类重点对象" in r.text
    assert 'id="mark-category-error"' in r.text
    r = client.post(f"/students/{world.student}/focus/end", data=_end(on=on - timedelta(days=1)))
    assert r.status_code == 422 and "解除日期不能早于标记日期" in r.text
    assert len(_marks(world.student)) == 1 and _marks(world.student)[0].ended_on is None


def test_htmx_answers_the_section_alone(ctx, client, world, login):
    login(world.head_teacher_name)
    headers = {"HX-Request": "true", "HX-Target": "focus-section"}
    r = client.post(
        f"/students/{world.student}/focus/mark", data=_mark(category="x"), headers=headers
    )
    assert r.status_code == 422
    assert 'id="focus-section"' in r.text and "<html" not in r.text
    r = client.post(f"/students/{world.student}/focus/mark", data=_mark(), headers=headers)
    assert r.status_code == 204
    assert r.headers["HX-Redirect"].endswith(f"/students/{world.student}#focus-section")
    # The section's own page (a reload of the form's address) works without htmx.
    page = client.get(f"/students/{world.student}/focus/mark")
    assert page.status_code == 200 and "思想和学业重大变化" in page.text


def test_a_student_who_left_is_read_only(ctx, client, world, login):
    from gridapp.people.models import StudentStatus

    db.session.get(Student, world.other_student).status = StudentStatus.TRANSFERRED
    db.session.commit()
    login(world.principal_name)
    r = client.post(f"/students/{world.other_student}/focus/mark", data=_mark())
    assert r.status_code == 404


def test_marks_and_ends_are_on_the_archive_timeline(ctx, client, world, login):
    login(world.head_teacher_name)
    on = today() - timedelta(days=4)
    client.post(f"/students/{world.student}/focus/mark", data=_mark(on=on))
    client.post(f"/students/{world.student}/focus/end", data=_end())
    page = client.get(f"/students/{world.student}/archive?tab=timeline&kind=focus").text
    assert "标记重点对象 · 思想和学业重大变化" in page and "期中考试后成绩骤降" in page
    assert "解除重点对象 · 思想和学业重大变化" in page and "经两次家访，情况好转" in page
    # A subject teacher sees that it happened, not why.
    login(world.subject_teacher_name)
    page = client.get(f"/students/{world.student}/archive?tab=timeline&kind=focus").text
    assert "标记重点对象 · 思想和学业重大变化" in page and "期中考试后成绩骤降" not in page


def test_a_mark_and_its_end_move_the_schools_generation(ctx, client, world, login):
    """Kept figures stay exact: a focus mark is watched by core.generations (people.models)."""
    from gridapp.core import generations

    at = generations.generations([world.school_a, world.school_b])
    login(world.head_teacher_name)
    assert client.post(f"/students/{world.student}/focus/mark", data=_mark()).status_code == 303
    marked = generations.generations([world.school_a, world.school_b])
    assert marked[world.school_a] > at[world.school_a]
    assert marked[world.school_b] == at[world.school_b]
    assert client.post(f"/students/{world.student}/focus/end", data=_end()).status_code == 303
    assert generations.generations([world.school_a])[world.school_a] > marked[world.school_a]
