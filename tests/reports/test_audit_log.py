"""The audit log in words (issue 18 item 8): every action key has its sentence, names are
resolved in batch, the filters (person, action, dates) never fail, the page is paged newest
first, and the filtered log exports to .xlsx, itself audited."""

from __future__ import annotations

import ast
import fnmatch
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.pairing.models import NeedDecision
from gridapp.people.models import Guardian, Student
from gridapp.reports import audit_log
from gridapp.reports.audit_words import ACTIONS

ROOT = Path(__file__).resolve().parents[2] / "gridapp"


# ---- every key has its sentence ------------------------------------------------------------------


def _recorded_keys() -> tuple[set[str], list[tuple[str, str]], list[str]]:
    """(keys written as literals, (pattern, where) of f-string keys, places with a key that
    cannot be read) over every `audit.record(` call in gridapp/."""
    keys, patterns, unreadable = set(), [], []

    def read(node, where):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            keys.add(node.value)
        elif isinstance(node, ast.IfExp):
            read(node.body, where)
            read(node.orelse, where)
        elif isinstance(node, ast.JoinedStr):
            pattern = "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
            patterns.append((pattern, where))
        else:
            unreadable.append(where)

    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            action = node.args[1] if len(node.args) > 1 else None
            action = action or next((k.value for k in node.keywords if k.arg == "action"), None)
            read(action, where)
    return keys, patterns, unreadable


def test_every_recorded_action_has_a_sentence():
    keys, patterns, unreadable = _recorded_keys()
    assert len(keys) > 100  # the scan found the calls
    assert not unreadable, f"audit.record with a key the test cannot read: {unreadable}"
    missing = sorted(keys - ACTIONS.keys())
    assert not missing, f"actions without a sentence in reports/audit_words.py: {missing}"
    for pattern, where in patterns:
        assert fnmatch.filter(ACTIONS, pattern), f"{where}: no sentence matches {pattern}"
    # The one f-string key: pairing.need.<decision>.
    for decision in NeedDecision:
        assert f"pairing.need.{decision.value}" in ACTIONS
    # And no sentence for an action nobody records.
    matched = keys | {k for p, _w in patterns for k in fnmatch.filter(ACTIONS, p)}
    assert not sorted(ACTIONS.keys() - matched)


def test_every_sentence_names_the_actor():
    for key, action in ACTIONS.items():
        assert action.sentence.startswith("%(actor)s"), key
        assert action.name and action.group, key


# ---- entries in words ----------------------------------------------------------------------------


def _entry(**kw) -> AuditEntry:
    entry = AuditEntry(**{"actor_name": "", "object_type": "", "ip": "", "detail": {}, **kw})
    db.session.add(entry)
    return entry


def _name(user_id: int) -> str:
    return db.session.get(User, user_id).name


def test_entries_read_as_sentences_of_who_did_what_to_whom(ctx, world):
    head = _name(world.head_teacher)
    at = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    dossier = _entry(
        actor_id=world.head_teacher, action="student.dossier.export", object_type="students",
        object_id=world.student, school_id=world.school_a, at=at,
        detail={"sections": ["profile", "sensitive"], "sensitive": True, "pairing": False},
    )  # fmt: skip
    phone = _entry(
        actor_id=world.principal, action="guardian.phone.view", object_type="guardians",
        object_id=world.guardian, school_id=world.school_a, detail={"student_id": world.student},
    )  # fmt: skip
    password = _entry(
        actor_id=world.head_teacher, action="password.change", object_type="users",
        object_id=world.head_teacher,
    )  # fmt: skip
    assignment = _entry(
        actor_id=world.school_admin, action="assignment.create", school_id=world.school_a,
        object_type="teaching_assignments", object_id=world.assignment,
        detail={"subject": "数学", "teacher_id": world.subject_teacher,
                "class_id": world.class_a1},
    )  # fmt: skip
    status = _entry(
        actor_id=world.school_admin, action="student.status", object_type="students",
        object_id=world.student, school_id=world.school_a,
        detail={"from_status": "active", "to_status": "transferred", "on": "2026-03-02"},
    )  # fmt: skip
    failed = _entry(actor_name="stranger", action="login.failed")
    unknown = _entry(actor_id=world.school_admin, action="something.new", detail={"x": 1})
    ctx.flush()
    lines = {line.entry.id: line for line in audit_log.lines(
        [dossier, phone, password, assignment, status, failed, unknown])}  # fmt: skip

    line = lines[dossier.id]
    assert line.sentence == f"{head}导出了王小明的档案（含敏感信息）"
    assert line.action == "导出学生档案"
    assert ("导出内容", "基本情况、敏感信息") in line.details
    assert ("含结对帮扶", "否") in line.details
    assert line.at.strftime("%Y-%m-%d %H:%M") == "2026-03-02 01:30"  # Asia/Shanghai
    assert line.school == ctx.get(Student, world.student).school.name
    assert lines[phone.id].sentence == f"{_name(world.principal)}查看了王小明的家长李芳的电话"
    assert not any(label == "学生" for label, _v in lines[phone.id].details)  # said already
    assert lines[password.id].sentence == f"{head}修改了自己的密码"
    class_name = ctx.get(Student, world.student).school_class.name
    assert lines[assignment.id].sentence == (
        f"{_name(world.school_admin)}安排{_name(world.subject_teacher)}任教{class_name}"
    )
    assert ("学科", "数学") in lines[assignment.id].details
    assert ("原状态", "在读") in lines[status.id].details
    assert ("新状态", "已转学") in lines[status.id].details
    assert lines[failed.id].sentence == "“stranger”登录失败"
    assert lines[unknown.id].sentence == f"{_name(world.school_admin)}执行了 something.new"
    ctx.rollback()


def test_the_page_shows_the_sentences(client, login, world, app):
    with app.app_context():
        _entry(
            actor_id=world.head_teacher, action="student.dossier.export", object_type="students",
            object_id=world.student, school_id=world.school_a, detail={"sensitive": True},
        )  # fmt: skip
        db.session.commit()
        head = _name(world.head_teacher)
    login(world.school_admin_name)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert f"{head}导出了王小明的档案（含敏感信息）" in html
    assert "student.dossier.export</" not in html  # no raw key shown as text


def test_names_are_resolved_in_batch_not_per_row(ctx, world):
    guardian = ctx.get(Guardian, world.guardian)
    students = ctx.scalars(select(Student)).all()

    def entries(n):
        out = []
        for i in range(n):
            student = students[i % len(students)]
            out.append(_entry(actor_id=world.head_teacher, action="student.update",
                              object_type="students", object_id=student.id,
                              school_id=student.school_id))  # fmt: skip
            out.append(_entry(actor_id=world.principal, action="guardian.phone.view",
                              object_type="guardians", object_id=guardian.id,
                              school_id=world.school_a,
                              detail={"student_id": student.id}))  # fmt: skip
        ctx.flush()
        return out

    def statements(items):
        count = 0

        def seen(*_args):
            nonlocal count
            count += 1

        engine = ctx.get_bind()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            audit_log.lines(items)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        return count

    few, many = statements(entries(2)), statements(entries(40))
    assert few == many <= 5  # users, schools, students, guardians
    ctx.rollback()


# ---- filters, pages ------------------------------------------------------------------------------


@pytest.fixture
def days(app, world):
    """One entry a day (Shanghai) from 1 to 5 March 2026, by the head teacher."""
    with app.app_context():
        for d in range(1, 6):
            _entry(
                actor_id=world.head_teacher, action="student.update", object_type="students",
                object_id=world.student, school_id=world.school_a,
                at=datetime(2026, 3, d, 2, 0, tzinfo=UTC), detail={"fields": ["address"]},
            )  # fmt: skip
        db.session.commit()


def _times(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return [c.split("</td>")[0][:10] for c in body.split('<td class="nowrap">')[1:]]


def test_date_range_in_shanghai_time(client, login, world, days):
    login(world.school_admin_name)
    html = client.get("/admin/audit?from=2026-03-02&to=2026-03-04").get_data(as_text=True)
    assert _times(html) == ["2026-03-04", "2026-03-03", "2026-03-02"]  # newest first
    assert "涉及字段：</span>家庭住址" in html
    # As a Chinese keyboard types it.
    html = client.get("/admin/audit?from=２０２６年３月４日").get_data(as_text=True)
    assert _times(html)[-1] == "2026-03-04"


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2026-13-40", "日期格式不正确"),
        ("to=昨天", "日期格式不正确"),
        ("from=9999-01-01", "日期格式不正确"),
        ("from=2026-03-04&to=2026-03-02", "结束日期早于开始日期"),
        ("action=drop.table", "没有这种操作"),
    ],
)
def test_bad_filters_say_so_and_are_ignored(client, login, world, days, query, message):
    login(world.school_admin_name)
    r = client.get(f"/admin/audit?{query}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert message in html
    assert len(_times(html)) >= 3  # the bad filter ignored, the rest applied


def test_action_filter_is_a_select_of_chinese_names(client, login, world, days):
    login(world.school_admin_name)
    html = client.get("/admin/audit?action=student.update").get_data(as_text=True)
    assert '<option value="student.update" selected>修改学生信息</option>' in html
    assert len(_times(html)) == 5
    html = client.get("/admin/audit?action=student.create").get_data(as_text=True)
    assert "没有符合条件的记录" in html


def test_pages_newest_first(client, login, world, app):
    start = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    with app.app_context():
        for i in range(55):
            _entry(actor_id=world.head_teacher, action="student.update", object_type="students",
                   object_id=world.student, school_id=world.school_a,
                   at=start + timedelta(hours=i))  # fmt: skip
        db.session.commit()
    login(world.school_admin_name)
    first = client.get("/admin/audit?action=student.update").get_data(as_text=True)
    assert first.count('data-action="student.update"') == 50
    assert "第 1 / 2 页，共 55 条" in first
    second = client.get("/admin/audit?action=student.update&page=2").get_data(as_text=True)
    assert second.count('data-action="student.update"') == 5
    assert "2026-03-01 08:00:00" in second  # the oldest, last (08:00 in Shanghai)


# ---- the export ----------------------------------------------------------------------------------


def test_export_is_the_filtered_log_as_xlsx_and_is_audited(client, login, world, app, days):
    with app.app_context():
        user = db.session.get(User, world.subject_teacher)
        user.name = "=1+2"  # a name that a spreadsheet would run as a formula
        _entry(actor_id=world.subject_teacher, action="login", at=datetime(2026, 3, 3, tzinfo=UTC))
        db.session.commit()
        head = _name(world.head_teacher)
    login(world.school_admin_name)
    r = client.get("/admin/audit?format=xlsx&from=2026-03-03&to=2026-03-04")
    assert r.status_code == 200
    assert r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "操作", "记录")
    assert len(rows) == 4  # 3 March (two entries) and 4 March
    assert rows[1][0] == datetime(2026, 3, 4, 10, 0)  # a date-time, Asia/Shanghai
    assert ws["A2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert rows[1][3] == f"{head}修改了王小明的基本信息"
    formula = next(c for c in ws["B"] if c.value == "=1+2")
    assert formula.data_type == "s" and formula.quotePrefix  # text, never a formula
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "audit.export")
        ).one()
        assert entry.actor_id == world.school_admin
        assert entry.detail == {"rows": 3, "filters": {"from": "2026-03-03", "to": "2026-03-04"}}
    # The export is in the log, in words.
    html = client.get("/admin/audit?action=audit.export").get_data(as_text=True)
    assert "导出了审计日志" in html
    assert "开始日期 2026-03-03" in html


def test_the_log_reads_in_english_too(client, login, world, app):
    with app.app_context():
        _entry(
            actor_id=world.head_teacher, action="student.dossier.export", object_type="students",
            object_id=world.student, school_id=world.school_a,
            detail={"sensitive": True, "pairing": False},
        )  # fmt: skip
        db.session.commit()
        head = _name(world.head_teacher)
    login(world.school_admin_name)
    with client.session_transaction() as s:
        s["lang"] = "en"
    html = client.get("/admin/audit").get_data(as_text=True)
    assert f"{head} exported 王小明&#39;s dossier (with sensitive data)" in html
    assert "With pairing：</span>No" in html


def test_every_kind_of_object_is_named(ctx, world):
    """Each loader runs on this database and names the world's object of its kind."""
    from gridapp.grids.models import Grid, GuidanceActivity
    from gridapp.reception.models import Booking, ReceptionDay
    from gridapp.schools.models import SchoolClass, SchoolYear, Semester

    student = ctx.get(Student, world.student)
    semester = ctx.get(Semester, world.semester_a)
    grid = ctx.get(Grid, world.grid)
    day = ctx.get(ReceptionDay, world.reception_day)
    booking = ctx.get(Booking, world.booking)
    objects = {
        ("students", world.student): "王小明",
        ("guardians", world.guardian): "李芳",
        ("users", world.principal): _name(world.principal),
        ("school_classes", world.class_a1): ctx.get(SchoolClass, world.class_a1).name,
        ("schools", world.school_a): student.school.name,
        ("contacts", world.contact): None,
        ("grids", world.grid): ctx.get(SchoolClass, grid.class_id).name + grid.name,
        ("guidance_activities", world.activity):
            f"“{ctx.get(GuidanceActivity, world.activity).topic}”",
        ("reception_days", world.reception_day): day.on.isoformat(),
        ("reception_bookings", world.booking): None,
        ("semesters", world.semester_a): None,
        ("school_years", semester.school_year_id): ctx.get(SchoolYear, semester.school_year_id).name,
        ("dossier_jobs", world.dossier_job): None,
        ("cases", world.case): f"意见 #{world.case}",
        ("letters", 1): "一封来信",
    }  # fmt: skip
    entries = [
        _entry(actor_id=world.school_admin, action="student.update", object_type=kind,
               object_id=object_id, school_id=world.school_a)
        for kind, object_id in objects
    ]  # fmt: skip
    ctx.flush()
    for (kind, _id), line in zip(objects, audit_log.lines(entries), strict=True):
        sentence = line.sentence
        assert "一条记录" not in sentence, kind
        wanted = objects[(kind, _id)]
        if wanted is not None:
            assert wanted in sentence, (kind, sentence)
    assert booking.student_id is None or "王小明" in audit_log.lines(entries)[9].sentence
    ctx.rollback()
