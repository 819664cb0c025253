"""The staff import (issue 15 items 1 and 5): the template, checking rows (normal forms, Chinese
row errors, fuzzed cells), the plan and its bulk application (accounts with invitations, roles,
teaching, head teachers, Party flag; re-import changes nothing; constant statement count)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from gridapp.accounts.models import Invitation, Role, User, UserRole
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.roster import staff
from gridapp.schools.models import Grade, School, SchoolClass, StaffMember, TeachingAssignment

FUZZ = settings(
    max_examples=60,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rows(*records: dict) -> list[staff.SheetRow]:
    return [staff.SheetRow(n, cells) for n, cells in enumerate(records, start=3)]


def teacher(number="T001", name="陈静", mobile="13900001111", party="否",
            teaching="三年级（1）班 语文", heads="") -> dict:  # fmt: skip
    return {"工号": number, "姓名": name, "手机": mobile, "是否党员": party,
            "任教班级及学科": teaching, "班主任班级": heads}  # fmt: skip


def _school(world) -> School:
    return db.session.get(School, world.school_a)


def _run(world, *records, actor=None):
    school = _school(world)
    checked = staff.check_rows(school, rows(*records))
    the_plan = staff.plan(school, checked)
    actor = actor or db.session.get(User, world.school_admin)
    return the_plan, (staff.apply(actor, school, the_plan) if not the_plan.errors else None)


def test_template_has_note_headers_and_example_and_imports_nothing(ctx, world):
    ws = load_workbook(io.BytesIO(staff.template_bytes())).active
    assert ws["A1"].value.startswith("说明")
    assert [c.value for c in ws[2]] == staff.COLUMNS
    assert ws["A3"].value.startswith(staff.EXAMPLE_PREFIX)
    cells = dict(zip(staff.COLUMNS, [c.value for c in ws[3]], strict=True))
    checked = staff.check_rows(_school(world), [staff.SheetRow(3, cells)])
    assert checked.staff == []
    assert [e.message for e in checked.errors] == ["文件里没有教职工数据"]


def test_cells_are_read_in_their_normal_form(ctx, world):
    checked = staff.check_rows(
        _school(world),
        rows(
            {
                "教职工号": "ｔ－００１",
                "教师姓名": "阿依古丽・买买提",
                "联系电话": "+86 139-0000-1111",
                "党员": "√",
                "任教班级": "3(1)班 语文、道德与法治;三年级2班数学",
                "班主任": "三（1）班",
            },
        ),  # fmt: skip
    )
    assert checked.errors == []
    [s] = checked.staff
    a1, a2 = world.class_a1, world.class_a2
    assert (s.staff_number, s.name, s.mobile) == ("T001", "阿依古丽·买买提", "13900001111")
    assert s.is_party_member is True
    assert s.teaching == {(a1, "语文"), (a1, "道德与法治"), (a2, "数学")}
    assert s.heads == {a1}


def test_party_values():
    assert [staff._party(v) for v in ["是", "Y", "y", "党员", "√", "否", "N", "", "群众", "也许"]] == [
        True, True, True, True, True, False, False, False, False, None,
    ]  # fmt: skip


def test_row_errors_in_chinese_with_row_numbers(ctx, world):
    checked = staff.check_rows(
        _school(world),
        rows(
            teacher("T001"),
            teacher("t001", name="王五"),
            teacher("T002", mobile="1234"),
            teacher("T003", teaching="九年级（9）班 语文"),
            teacher("T004", teaching="三年级（1）班 书法"),
            teacher("T005", name=""),
            teacher("T006", party="也许"),
            teacher("T007", heads="三年级（1）班"),
            teacher("T008", heads="三年级（1）班"),
            teacher("", name="无号"),
        ),
    )
    errors = {(e.row, e.message) for e in checked.errors}
    assert (4, "工号 T001 与第 3 行重复") in errors
    assert (5, "手机号应为 11 位，以 13–19 开头：1234") in errors
    assert (6, "没有这个班级：九年级（9）班") in errors
    assert (7, "未知学科：书法") in errors
    assert (8, "姓名不能为空") in errors
    assert (9, "是否党员请填“是”或“否”") in errors
    assert (11, "三年级（1）班 的班主任已在第 10 行填写") in errors
    assert (12, "工号不能为空") in errors
    assert [s.staff_number for s in checked.staff] == ["T001", "T007"]


cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["=1+1", "三年级（1）班", "三年级（1）班 语文；", "、、数学", "班", "3-", "１３９",
                     "+86", "\x00", "\ufeff是", "九十九年级（99）班 语文", "高三（0）班 物理"]),
)  # fmt: skip


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(staff.COLUMNS + ["其他"]), cell), max_size=5))
def test_fuzzed_cells_give_rows_or_row_errors_never_an_exception(ctx, world, records):
    checked = staff.check_rows(_school(world), rows(*records))
    for e in checked.errors:
        assert isinstance(e.message, str) and e.message
    the_plan = staff.plan(_school(world), checked)
    assert the_plan.count(staff.NEW) + the_plan.count(staff.UPDATED) + the_plan.count(
        staff.UNCHANGED
    ) == len(the_plan.items)


def _counts():
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, UserRole, StaffMember, TeachingAssignment, Invitation)
    }


def test_apply_creates_accounts_roles_teaching_heads_and_invitations(client, ctx, world):
    file = [
        teacher("T001", party="是", teaching="三年级（1）班 英语；三年级（2）班 英语",
                heads="三年级（2）班"),
        teacher("T002", name="刘洋", mobile="13900002222", teaching="三年级（2）班 科学"),
    ]  # fmt: skip
    the_plan, applied = _run(world, *file)
    assert (the_plan.count(staff.NEW), the_plan.count(staff.UPDATED)) == (2, 0)
    db.session.commit()
    code = _school(world).code.lower()
    chen = db.session.scalar(select(User).where(User.username == f"{code}t001"))
    assert chen.name == "陈静" and chen.phone == "13900001111" and chen.is_party_member
    assert chen.password_hash is None
    assert chen.has_role(Role.TEACHER, world.school_a)
    taught = db.session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject).where(
            TeachingAssignment.teacher_id == chen.id
        )
    ).all()
    assert set(taught) == {(world.class_a1, "英语"), (world.class_a2, "英语")}
    assert db.session.get(SchoolClass, world.class_a2).head_teacher_id == chen.id
    assert db.session.get(SchoolClass, world.class_a1).head_teacher_id == world.head_teacher
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "staff.import"))
    assert entry.detail["created"] == 2 and "陈静" not in str(entry.detail)
    # The invitation link works: set a password, then sign in with it.
    token = next(c.token for c in applied.created if c.staff_number == "T001")
    r = client.post(f"/invite/{token}", data={"password": "Secret-2026", "confirm": "Secret-2026"})
    assert r.status_code == 303, r.text
    client.post("/logout")
    r = client.post("/login", data={"username": f"{code}T001", "password": "Secret-2026"})
    assert r.status_code in (302, 303)
    assert client.get("/my/classes").status_code == 200


def test_reimport_changes_nothing_and_a_changed_file_only_what_changed(ctx, world):
    file = [teacher("T001", heads="三年级（2）班"), teacher("T002", name="刘洋", mobile="")]
    _run(world, *file)
    before = _counts()
    the_plan, applied = _run(world, *file)
    assert the_plan.count(staff.UNCHANGED) == 2 and not applied.created
    assert _counts() == before
    file = [teacher("T001", party="是", teaching="三年级（2）班 数学", heads="三年级（2）班")]
    the_plan, applied = _run(world, *file)
    [item] = the_plan.items
    assert item.status == staff.UPDATED and set(item.changes) == {"党员", "任教"}
    assert the_plan.absent == [("T002", "刘洋")]
    user = db.session.get(User, item.user_id)
    assert user.is_party_member
    taught = db.session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject).where(
            TeachingAssignment.teacher_id == user.id
        )
    ).all()
    assert taught == [(world.class_a2, "数学")]
    # Nobody is removed: the absent teacher keeps account and number.
    assert _counts()["StaffMember"] == before["StaffMember"]


def test_a_user_name_held_by_someone_else_is_a_row_error(ctx, world):
    code = _school(world).code.lower()
    db.session.add(User(username=f"{code}t009", name="别人", district_id=1))
    db.session.flush()
    the_plan, applied = _run(world, teacher("T009"))
    assert applied is None
    assert [(e.row, e.message) for e in the_plan.errors] == [
        (3, f"用户名 {code}t009 已被其他账号使用")
    ]


def _statements_to_apply(world, n: int, offset: int) -> int:
    file = [
        teacher(
            f"S{offset + i:04d}",
            name=f"教师{i}",
            mobile=f"139{offset + i:08d}",
            teaching="三年级（1）班 体育；三年级（2）班 音乐",
        )  # fmt: skip
        for i in range(n)
    ]
    school = _school(world)
    actor = db.session.get(User, world.school_admin)
    the_plan = staff.plan(school, staff.check_rows(school, rows(*file)))
    seen = []

    def count(*args):
        seen.append(args[2])

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        staff.apply(actor, school, the_plan)
        db.session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_statements_do_not_grow_with_rows(ctx, world):
    ten = _statements_to_apply(world, 10, 0)
    hundred = _statements_to_apply(world, 100, 1000)
    assert ten == hundred
    grade = db.session.scalar(select(Grade).where(Grade.school_id == world.school_a))
    assert grade.level == 3


def test_a_teacher_entered_by_hand_gets_the_number_not_a_second_account(ctx, world):
    db.session.get(User, world.subject_teacher).phone = "13900007777"
    db.session.flush()
    users = _counts()["User"]
    the_plan, applied = _run(
        world,
        teacher("T100", name="数学老师", mobile="139 0000 7777", teaching="三年级（1）班 数学"),
    )
    [item] = the_plan.items
    assert (item.status, item.user_id) == (staff.UPDATED, world.subject_teacher)
    assert "工号" in item.changes
    assert _counts()["User"] == users and not applied.created
    number = db.session.scalar(
        select(StaffMember.staff_number).where(StaffMember.user_id == world.subject_teacher)
    )
    assert number == "T100"
    the_plan, _applied = _run(world, teacher("T100", name="数学老师", mobile="13900007777",
                                             teaching="三年级（1）班 数学"))  # fmt: skip
    assert the_plan.items[0].status == staff.UNCHANGED
