"""A situation change marks or ends a focus category (sensitive ones only by those entitled, all
audited); guidance activities with attendance that counts toward the family's record."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.grids.models import GridLog, GuidanceActivity, GuidanceAttendance
from gridapp.people.models import Student, StudentFocus


def _log(client, world, family, **kw):
    data = {
        "family_id": family,
        "kind": "situation",
        "happened_on": "2026-11-20",
        "text": "父母外出务工，孩子由祖父母照看。",
        "focus_student": world.student,
        "focus": "mark:left_behind",
    }
    data.update(kw)
    return client.post(f"/grids/{world.grid}/logs", data=data)


def _open(ctx, student_id):
    ctx.expire_all()
    return sorted(
        f.category.value
        for f in ctx.scalars(
            select(StudentFocus).where(
                StudentFocus.student_id == student_id, StudentFocus.ended_on.is_(None)
            )
        )
    )


def test_grid_teacher_marks_and_ends_an_ordinary_focus_category(client, login, world, ctx):
    family = ctx.get(Student, world.student).family_id
    login(world.subject_teacher_name)  # keeps the grid, is not the head teacher
    assert _log(client, world, family).status_code == 303
    assert _open(ctx, world.student) == ["left_behind"]
    entry = ctx.scalars(select(GridLog)).one()
    assert (entry.student_id, entry.focus_category.value, entry.focus_marked) == (
        world.student, "left_behind", True,
    )  # fmt: skip
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "标记重点对象：留守儿童" in page and 'class="tag focus">留守儿童' in page
    # Marking it twice is refused, nothing stored.
    assert _log(client, world, family).status_code == 422
    assert ctx.scalar(select(GridLog.id).order_by(GridLog.id.desc())) == entry.id
    # Ending it: kept, with its end date.
    r = _log(client, world, family, focus="end:left_behind", happened_on="2026-11-22",
             text="父亲已返乡工作。")  # fmt: skip
    assert r.status_code == 303
    assert _open(ctx, world.student) == []
    ended = ctx.scalars(select(StudentFocus).where(StudentFocus.student_id == world.student)).one()
    assert ended.ended_on.isoformat() == "2026-11-22"
    actions = [a.action for a in ctx.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "student.focus.mark" in actions and "student.focus.end" in actions


def test_sensitive_categories_only_by_the_head_teacher_or_leaders(client, login, world, ctx):
    family = ctx.get(Student, world.student).family_id
    login(world.subject_teacher_name)
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "mark:left_behind" in page and "mark:single_parent" not in page
    r = _log(client, world, family, focus="mark:single_parent")
    assert r.status_code == 422 and "敏感类别" in r.get_data(as_text=True)
    assert _open(ctx, world.student) == [] and ctx.scalars(select(GridLog)).all() == []
    client.post("/logout")

    login(world.head_teacher_name)
    assert _log(client, world, family, focus="mark:single_parent").status_code == 303
    assert _open(ctx, world.student) == ["single_parent"]
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    # Masked until revealed, and the log names no sensitive category.
    assert "单亲家庭" not in page.split("重点对象变更")[0]
    assert "标记重点对象（敏感类别）" in page and "敏感类别 1 项，点击查看" in page
    shown = client.post(f"/students/{world.student}/focus").get_data(as_text=True)
    assert "单亲家庭" in shown
    assert (
        ctx.scalar(select(AuditEntry).where(AuditEntry.action == "student.focus.view")) is not None
    )
    client.post("/logout")

    # The grid teacher (a subject teacher) sees that there is one, not which.
    login(world.subject_teacher_name)
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "敏感类别 1 项" in page and "点击查看" not in page
    assert "单亲家庭" not in page.split("重点对象变更")[0]
    assert client.post(f"/students/{world.student}/focus").status_code == 404


def test_focus_change_bad_input_is_refused(client, login, world, ctx):
    family = ctx.get(Student, world.student).family_id
    login(world.head_teacher_name)
    for bad in (
        {"kind": "note"},  # only a situation change
        {"focus": "mark:astrology"},
        {"focus": "promote:left_behind"},
        {"focus_student": "abc"},
        {"focus_student": world.student_a2},  # another class's child
        {"focus_student": world.other_student},  # another family of the grid
        {"focus": "end:migrant"},  # not a focus student of that category
    ):
        assert _log(client, world, family, **bad).status_code == 422, bad
    assert ctx.scalars(select(GridLog)).all() == []
    assert ctx.scalars(select(StudentFocus)).all() == []


def test_activity_with_attendance_counts_for_the_family(client, login, world, ctx):
    family = ctx.get(Student, world.student).family_id
    other = ctx.get(Student, world.other_student).family_id
    login(world.head_teacher_name)
    r = client.post(
        f"/classes/{world.class_a1}/activities",
        data={
            "grid_id": "",
            "topic": "家庭教育讲座：亲子沟通",
            "held_on": "2026-11-21",
            "place": "学校报告厅",
            "speaker": "陈老师",
        },  # fmt: skip
    )
    assert r.status_code == 303
    activity = ctx.scalars(
        select(GuidanceActivity).where(GuidanceActivity.topic == "家庭教育讲座：亲子沟通")
    ).one()
    page = client.get(f"/activities/{activity.id}").get_data(as_text=True)
    assert "王小明" in page and "张伟" in page
    r = client.post(f"/activities/{activity.id}/attendance", data={"family_ids": [family]})
    assert r.status_code == 303
    assert "出席家庭（1 / 2）" in client.get(f"/activities/{activity.id}").get_data(as_text=True)
    # Bad attendance: another class's family, garbage; nothing changed.
    a2_family = ctx.get(Student, world.student_a2).family_id
    for bad in ({"family_ids": [family, a2_family]}, {"family_ids": ["x"]}):
        assert client.post(f"/activities/{activity.id}/attendance", data=bad).status_code == 422
    ctx.expire_all()
    assert [a.family_id for a in ctx.scalars(select(GuidanceAttendance).where(
        GuidanceAttendance.activity_id == activity.id))] == [family]  # fmt: skip
    # The grid page counts it for the family, not for the other.
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    mine = page.split(f'id="family-{family}"')[1].split("</article>")[0]
    theirs = page.split(f'id="family-{other}"')[1].split("</article>")[0]
    assert "本学期参加指导活动 1 次" in mine and "本学期参加指导活动 0 次" in theirs
    assert "家庭教育讲座：亲子沟通" in page
    # Unticking everyone keeps the activity, with no attendance.
    assert client.post(f"/activities/{activity.id}/attendance", data={}).status_code == 303
    ctx.expire_all()
    assert ctx.get(GuidanceActivity, activity.id).attendance == []


def test_activity_bad_input_and_scope(client, login, world, ctx):
    login(world.subject_teacher_name)  # keeps a grid: may plan for it, not for the whole class
    good = {"grid_id": world.grid, "topic": "阅读习惯", "held_on": "2026-11-21",
            "place": "三（1）班教室", "speaker": "王老师"}  # fmt: skip
    before = ctx.scalar(select(GuidanceActivity.id).order_by(GuidanceActivity.id.desc()))
    for bad in (
        {**good, "grid_id": ""},  # the whole class: the head teacher's
        {**good, "topic": ""},
        {**good, "topic": "长" * 101},
        {**good, "held_on": "2026-13-01"},
        {**good, "held_on": "2029-01-01"},
        {**good, "grid_id": "99999"},
    ):
        r = client.post(f"/classes/{world.class_a1}/activities", data=bad)
        assert r.status_code == 422, bad
        assert "阅读习惯" in r.get_data(as_text=True) or bad["topic"] != "阅读习惯"
    assert ctx.scalar(select(GuidanceActivity.id).order_by(GuidanceActivity.id.desc())) == before
    assert client.post(f"/classes/{world.class_a1}/activities", data=good).status_code == 303
    # A future activity takes no attendance yet.
    client.post(f"/classes/{world.class_a1}/activities", data={**good, "held_on": "2026-12-05",
                                                               "topic": "寒假安排"})  # fmt: skip
    future = ctx.scalars(select(GuidanceActivity).where(GuidanceActivity.topic == "寒假安排")).one()
    family = ctx.get(Student, world.student).family_id
    r = client.post(f"/activities/{future.id}/attendance", data={"family_ids": [family]})
    assert r.status_code == 422 and "还没有举行" in r.get_data(as_text=True)
    client.post("/logout")
    login(world.other_class_teacher_name)
    assert client.get(f"/activities/{future.id}").status_code == 404
    assert client.get(f"/classes/{world.class_a1}/activities").status_code == 404


def test_a_sensitive_situation_text_is_hidden_from_subject_teachers(client, login, world, ctx):
    family = ctx.get(Student, world.student).family_id
    login(world.head_teacher_name)
    _log(client, world, family, focus="mark:single_parent", text="父母已离异，孩子随母亲生活。")
    client.post("/logout")
    login(world.subject_teacher_name)
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "父母已离异" not in page and "涉及敏感信息" in page
