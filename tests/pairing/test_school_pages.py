"""The school leaders' pairing pages (issue 16 items 1-2): the unpaired students in need, the
proposal applied in one step and then adjusted, pairing by hand with the cap, ending and moving,
the settings, and the head teacher's marks decided by a leader; refusals are 422 beside the field
with the input kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.accounts.models import Role, User
from gridapp.core.audit import AuditEntry
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import NeedMark, NeedMarkStatus, Pairing, PairingSettings
from gridapp.people.models import FocusCategory, Student
from gridapp.schools.models import School
from tests.form_checks import assert_shown_again

from .. import factories as f


def _focus(student_id, category=FocusCategory.LEFT_BEHIND):
    student = db.session.get(Student, student_id)
    f.StudentFocusFactory(student=student, category=category, since_on=today() - timedelta(30))
    db.session.commit()


def _party_teacher(world, name="赵红梅"):
    school = db.session.get(School, world.school_a)
    teacher = f.UserFactory(
        name=name, is_party_member=True, district_id=school.district_id,
        grants=[(Role.TEACHER, school)],
    )  # fmt: skip
    db.session.commit()
    return teacher.id


def _active(student_id) -> Pairing | None:
    db.session.expire_all()
    return services.active_pairing(student_id)


def _followed(client, r) -> str:
    assert r.status_code == 303, r.get_data(as_text=True)[:1500]
    return client.get(r.headers["Location"]).get_data(as_text=True)


def test_school_page_lists_the_unpaired_with_their_categories_and_audits(client, ctx, world, login):
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing"
    html = client.get(url).get_data(as_text=True)
    assert "全部帮扶对象均已结对" in html  # the target, reached with no one in need
    assert "结对帮扶" in html  # the navigation's link
    _focus(world.student, FocusCategory.PSYCHOLOGICAL)  # a sensitive category
    r = client.get(url)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "王小明" in html and "心理 / 身心发展困难" in html and "三年级（1）班" in html
    assert "全部帮扶对象均已结对" not in html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pairing.school.view"))
    assert entry is not None and entry.school_id == world.school_a
    # A category that is not sensitive shows without an audit entry of its own.
    before = db.session.query(AuditEntry).filter_by(action="pairing.school.view").count()
    login(world.school_admin_name)
    client.get(url)
    assert (
        db.session.query(AuditEntry).filter_by(action="pairing.school.view").count() == before + 1
    )


def test_no_sensitive_category_no_audit(client, ctx, world, login):
    _focus(world.student, FocusCategory.LEFT_BEHIND)
    login(world.principal_name)
    html = client.get(f"/schools/{world.school_a}/pairing").get_data(as_text=True)
    assert "留守儿童" in html
    assert db.session.query(AuditEntry).filter_by(action="pairing.school.view").count() == 0


def test_proposal_applied_in_one_step_then_adjusted(client, ctx, world, login):
    _focus(world.student)
    _focus(world.other_student)
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/proposal"
    html = client.get(url).get_data(as_text=True)
    # The subject teacher (Party member) teaches A1: proposed for both of A1's students.
    assert "任教本班的党员教师" in html and "王小明" in html and "张伟" in html
    assert "+2 → 2/5" in html  # the teacher's load once the proposal is applied
    r = client.post(
        url,
        data={
            "rows-0-student_id": world.other_student, "rows-0-teacher_id": world.subject_teacher,
            "rows-1-student_id": world.student, "rows-1-teacher_id": world.subject_teacher,
            "starts_on": today().isoformat(),
        },
    )  # fmt: skip
    html = _followed(client, r)
    assert "已结对 2 名学生" in html and "全部帮扶对象均已结对" in html
    first = _active(world.student)
    assert first.teacher_id == world.subject_teacher
    # Adjusted: the student moves to another Party-member teacher, the history kept.
    other = _party_teacher(world)
    r = client.post(
        f"/pairings/{first.id}/move",
        data={"teacher_id": other, "ends_on": today().isoformat(), "end_reason": "教师工作调整"},
    )
    html = _followed(client, r)
    assert "王小明 已改由 赵红梅 结对" in html
    moved = _active(world.student)
    assert moved.teacher_id == other and moved.previous_id == first.id
    old = db.session.get(Pairing, first.id)
    assert old.ends_on == today() and old.end_reason == "教师工作调整"
    assert [p.id for p in services.student_pairings(world.student)] == [moved.id, first.id]


def test_proposal_refused_as_a_whole_with_the_choices_kept(client, ctx, world, login):
    _focus(world.student)
    _focus(world.other_student)
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/proposal"
    html = assert_shown_again(
        client, url,
        {
            "rows-0-student_id": world.student, "rows-0-teacher_id": world.subject_teacher,
            "rows-1-student_id": world.other_student, "rows-1-teacher_id": world.head_teacher,
            "starts_on": "2026年11月20日",
        },
        ["不是党员教师", "2026年11月20日"],
    )  # fmt: skip
    assert 'id="rows-1-teacher_id-error"' in html  # beside the row's select
    assert _active(world.student) is None  # all or nothing
    # A student of another school in the rows: refused, nothing written.
    assert_shown_again(
        client, url,
        {"rows-0-student_id": world.student_c1, "rows-0-teacher_id": world.subject_teacher,
         "starts_on": today().isoformat()},
        ["只能选择本校的学生"],
    )  # fmt: skip
    # Nobody kept: nothing to apply.
    assert_shown_again(client, url, {"starts_on": today().isoformat()}, ["没有可应用的结对建议"])


def test_pairing_by_hand_refusals_beside_the_field(client, ctx, world, login):
    _focus(world.student)
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/new"
    html = client.get(f"{url}?student={world.student}").get_data(as_text=True)
    assert f'value="{world.student}" checked' in html
    base = {"starts_on": today().isoformat(), "reason": "父母外出务工，学习吃力"}
    html = assert_shown_again(
        client, url, {**base, "teacher_id": world.head_teacher, "student_ids": world.student},
        ["不是党员教师", "父母外出务工，学习吃力"],
    )  # fmt: skip
    assert 'id="teacher_id-error"' in html
    html = assert_shown_again(
        client, url,
        {**base, "teacher_id": world.subject_teacher, "student_ids": world.student_c1},
        ["只能选择本校的学生", "父母外出务工，学习吃力"],
    )  # fmt: skip
    assert "刘洋" not in html  # another school's student is never named
    assert_shown_again(
        client, url,
        {**base, "teacher_id": world.subject_teacher, "student_ids": world.student,
         "starts_on": (today() + timedelta(3)).isoformat()},
        ["开始日期不能晚于今天"],
    )  # fmt: skip
    r = client.post(url, data={**base, "teacher_id": world.subject_teacher,
                               "student_ids": world.student})  # fmt: skip
    assert "已结对 1 名学生" in _followed(client, r)
    html = assert_shown_again(
        client, url, {**base, "teacher_id": world.subject_teacher, "student_ids": world.student},
        ["王小明 已有结对教师"],
    )  # fmt: skip
    assert 'id="student_ids-error"' in html


def test_over_the_cap_asks_for_a_confirmation(client, ctx, world, login):
    db.session.add(PairingSettings(school_id=world.school_a, max_students=1))
    db.session.commit()
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/new"
    data = {
        "teacher_id": world.subject_teacher, "student_ids": [world.student, world.other_student],
        "starts_on": today().isoformat(), "reason": "学习困难",
    }  # fmt: skip
    html = assert_shown_again(client, url, data, ["超过本校上限 1 名", "确认超过上限仍结对"])
    assert 'id="confirm_over_cap-error"' in html and "学习困难" in html
    assert f'value="{world.other_student}" checked' in html
    assert _active(world.student) is None
    r = client.post(url, data={**data, "confirm_over_cap": "y"})
    assert "已结对 2 名学生" in _followed(client, r)
    # The school page marks the teacher above N.
    html = client.get(f"/schools/{world.school_a}/pairing").get_data(as_text=True)
    assert "2 / 1" in html and "超过上限" in html


def test_the_search_finds_a_student_not_in_need_and_keeps_the_form(client, ctx, world, login):
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/new"
    r = client.post(
        url, data={"teacher_id": world.subject_teacher, "reason": "刚转学来，适应困难",
                   "q": "陈静", "search": "1", "starts_on": today().isoformat()},
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "陈静" in html and "刚转学来，适应困难" in html
    html = client.post(url, data={"q": "刘洋", "search": "1"}).get_data(as_text=True)
    assert "没有找到其他在读学生" in html  # another school's student is not found
    r = client.post(
        url, data={"teacher_id": world.subject_teacher, "student_ids": world.student_a2,
                   "starts_on": today().isoformat()},
    )  # fmt: skip
    assert r.status_code == 303 and _active(world.student_a2).teacher_id == world.subject_teacher


def test_end_a_pairing(client, ctx, world, login):
    principal = db.session.get(User, world.principal)
    start = today() - timedelta(10)
    [p] = services.pair(principal, world.school_a, world.subject_teacher, [world.student], start,
                        today())  # fmt: skip
    db.session.commit()
    login(world.principal_name)
    url = f"/pairings/{p.id}/end"
    assert "确定结束" in client.get(url).get_data(as_text=True)  # asked once more
    html = assert_shown_again(
        client, url, {"ends_on": (start - timedelta(1)).isoformat(), "end_reason": "家庭好转"},
        ["结束日期不能早于开始日期", "家庭好转"],
    )  # fmt: skip
    assert 'id="ends_on-error"' in html
    assert_shown_again(client, url, {"ends_on": today().isoformat(), "end_reason": " "},
                       ["请填写结束原因"])  # fmt: skip
    r = client.post(url, data={"ends_on": today().isoformat(), "end_reason": "家庭情况好转"})
    assert "已结束" in _followed(client, r)
    assert _active(world.student) is None
    assert client.get(url).status_code == 404  # ended: nothing more to manage


def test_move_over_the_cap_and_to_a_non_party_teacher(client, ctx, world, login):
    principal = db.session.get(User, world.principal)
    other = _party_teacher(world)
    db.session.add(PairingSettings(school_id=world.school_a, max_students=1))
    services.pair(principal, world.school_a, other, [world.other_student], today(), today())
    [p] = services.pair(principal, world.school_a, world.subject_teacher, [world.student],
                        today(), today())  # fmt: skip
    db.session.commit()
    login(world.principal_name)
    url = f"/pairings/{p.id}/move"
    data = {"teacher_id": world.head_teacher, "ends_on": today().isoformat(),
            "end_reason": "班主任更熟悉情况"}  # fmt: skip
    assert_shown_again(client, url, data, ["不是党员教师", "班主任更熟悉情况"])
    html = assert_shown_again(client, url, {**data, "teacher_id": other}, ["确认超过上限仍结对"])
    assert 'id="confirm_over_cap-error"' in html
    assert _active(world.student).id == p.id  # nothing changed
    r = client.post(url, data={**data, "teacher_id": other, "confirm_over_cap": "y"})
    assert r.status_code == 303 and _active(world.student).teacher_id == other


def test_settings(client, ctx, world, login):
    login(world.school_admin_name)
    url = f"/schools/{world.school_a}/pairing/settings"
    html = client.get(url).get_data(as_text=True)
    assert 'value="5"' in html and 'value="31"' in html
    assert_shown_again(
        client, url, {"max_students": "０", "log_every_days": "30", "plan_within_days": "14"},
        ["请填写 1 到 50 之间的整数"],
    )  # fmt: skip
    r = client.post(url, data={"max_students": "８", "log_every_days": "30",
                               "plan_within_days": "10"})  # fmt: skip
    assert "结对设置已保存" in _followed(client, r)
    assert services.settings(world.school_a).max_students == 8


def test_head_teacher_marks_and_a_leader_decides(client, ctx, world, login):
    login(world.head_teacher_name)
    page = client.get(f"/students/{world.other_student}").get_data(as_text=True)
    assert "结对帮扶" in page and "列入帮扶对象" in page and "不是帮扶对象" in page
    url = f"/students/{world.other_student}/need"
    assert_shown_again(client, url, {"decision": "include", "reason": ""}, ["请填写原因"])
    r = client.post(url, data={"decision": "include", "reason": "父母离异，情绪低落"})
    html = _followed(client, r)
    assert "待学校领导确认" in html and "待学校确认" in html
    # A focus student cannot be included twice: the message beside the decision.
    _focus(world.student)
    assert_shown_again(client, f"/students/{world.student}/need",
                       {"decision": "include", "reason": "再次申请"}, ["该学生已是帮扶对象"])  # fmt: skip
    # The subject teacher does not head the class: no section, the address is 404.
    login(world.subject_teacher_name)
    assert "申请移出帮扶对象" not in client.get(f"/students/{world.student}").get_data(as_text=True)
    assert client.get(url).status_code == 404
    # The principal sees the mark and confirms it.
    login(world.principal_name)
    mark = db.session.scalar(select(NeedMark).where(NeedMark.student_id == world.other_student))
    html = client.get(f"/schools/{world.school_a}/pairing").get_data(as_text=True)
    assert "待确认的帮扶对象申请" in html and "父母离异，情绪低落" in html
    decide = f"/schools/{world.school_a}/pairing/marks/{mark.id}/decide"
    r = client.post(decide, data={"confirm": "1"})
    assert "已同意" in _followed(client, r)
    db.session.expire_all()
    assert db.session.get(NeedMark, mark.id).status is NeedMarkStatus.CONFIRMED
    # Decided already: 409 with the message on the page.
    r = client.post(decide, data={"confirm": "0"})
    assert r.status_code == 409 and "该申请已处理" in r.get_data(as_text=True)
    assert client.get(decide).status_code == 303


def test_active_pairings_are_searched_in_pinyin_order(client, ctx, world, login):
    principal = db.session.get(User, world.principal)
    # The search reads teachers' names too: one that no student's search below matches.
    db.session.get(User, world.subject_teacher).name = "欧阳老师"
    pairs = services.pair(
        principal, world.school_a, world.subject_teacher,
        [world.student, world.other_student, world.student_a2], today(), today(),
        over_cap_confirmed=True,
    )  # fmt: skip
    db.session.commit()
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing"
    html = client.get(url).get_data(as_text=True)
    # 陈静 (chen), 王小明 (wang), 张伟 (zhang)
    assert html.index("陈静") < html.index("王小明") < html.index("张伟")
    assert f'href="/pairings/{pairs[0].id}"' in html
    r = client.get(f"{url}?q=张", headers={"HX-Request": "true"})
    fragment = r.get_data(as_text=True)
    assert "张伟" in fragment and "王小明" not in fragment and "<html" not in fragment
    assert "没有符合条件的结对" in client.get(f"{url}?q=无此人").get_data(as_text=True)
