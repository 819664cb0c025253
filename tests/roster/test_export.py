"""Roster export to .xlsx (issue 15 item 8): the template's columns, student-number and pinyin
order, no cell that runs as a formula, who may export (404 otherwise) and the audit log."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gridapp.core import xlsx
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.people.models import Guardian, Relation, Student, StudentSensitive
from gridapp.roster import export
from gridapp.schools.models import SchoolClass
from tests import factories as f

TEMPLATE = ["学号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级", "家庭住址", "小区/村",
            "监护人1姓名", "监护人1关系", "监护人1手机", "监护人2姓名", "监护人2关系", "监护人2手机"]  # fmt: skip


def _sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_class_roster_has_template_columns_in_student_number_order(client, ctx, world, login):
    a1 = db.session.get(SchoolClass, world.class_a1)
    f.StudentFactory(school_class=a1, student_number="0003", name="安然")
    f.StudentFactory(school_class=a1, student_number="0001", name="钟馗")
    db.session.commit()
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}/roster.xlsx")
    assert r.status_code == 200
    assert r.mimetype == xlsx.XLSX_MIMETYPE
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    ws = _sheet(r.data)
    assert [c.value for c in ws[1]] == TEMPLATE
    rows = _rows(ws)
    numbers = [row[0] for row in rows]
    assert numbers == sorted(numbers)
    assert numbers[:2] == ["0001", "0003"]  # leading zeros kept: the number is text
    wang = next(row for row in rows if row[1] == "王小明")
    assert wang[5:7] == ["三年级", "三年级（1）班"]
    assert wang[9:12] == ["李芳", "母亲", "13812345678"]
    assert wang[4] is None  # no ID numbers unless asked


def test_formula_like_cells_are_text_and_kept(client, ctx, world, login):
    a1 = db.session.get(SchoolClass, world.class_a1)
    s = f.StudentFactory(
        school_class=a1,
        student_number="@SUM(A1)",
        name="=1+1",
        address='\t=HYPERLINK("http://x","y")',
        community="\r-1+1",
    )
    g = f.GuardianFactory(family=s.family, name="=cmd|' /C calc'!A0", mobile="+86 138")
    f.StudentGuardianFactory(student=s, guardian=g)
    db.session.commit()
    login(world.school_admin_name)
    ws = _sheet(client.get(f"/classes/{world.class_a1}/roster.xlsx").data)
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "@SUM(A1)")
    by_head = {ws.cell(row=1, column=c.column).value: c for c in row}
    expected = {
        "学号": "@SUM(A1)",
        "姓名": "=1+1",
        "家庭住址": '\t=HYPERLINK("http://x","y")',
        "小区/村": "\r-1+1",
        "监护人1姓名": "=cmd|' /C calc'!A0",
        "监护人1手机": "+86138",
    }
    for head, value in expected.items():
        cell = by_head[head]
        assert cell.data_type == "s", head
        # XML reads a carriage return as a line feed (XML 1.0 §2.11): the same text to Excel.
        assert cell.value.replace("\n", "\r") == value, head


def test_write_sheet_never_writes_a_formula():
    from openpyxl import Workbook

    wb = Workbook()
    xlsx.write_sheet(wb.active, ["a"], [["=1+2"], ["+A1"], ["-A1"], ["@A1"], ["\t=A1"], ["ok"]])
    ws = _sheet(xlsx.to_bytes(wb))
    values = [(c.value, c.data_type) for (c,) in ws.iter_rows(min_row=2)]
    assert values == [("=1+2", "s"), ("+A1", "s"), ("-A1", "s"), ("@A1", "s"), ("\t=A1", "s"),
                      ("ok", "s")]  # fmt: skip


def test_id_numbers_only_when_asked_and_audited(client, ctx, world, login):
    db.session.add(StudentSensitive(student_id=world.student, id_number="33040220170501123X"))
    db.session.commit()
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}/roster.xlsx?id_numbers=1")
    rows = _rows(_sheet(r.data))
    assert next(row for row in rows if row[1] == "王小明")[4] == "33040220170501123X"
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "roster.export").order_by(AuditEntry.id)
    ).all()
    assert entries[-1].actor_id == world.head_teacher
    assert entries[-1].object_type == "school_classes"
    assert entries[-1].object_id == world.class_a1
    assert entries[-1].school_id == world.school_a
    assert "id_number" in entries[-1].detail["fields"]
    assert "33040220170501123X" not in str(entries[-1].detail)
    assert "13812345678" not in str(entries[-1].detail)


def test_school_guardians_in_pinyin_order(client, ctx, world, login):
    a2 = db.session.get(SchoolClass, world.class_a2)
    s = f.StudentFactory(school_class=a2, name="赵一")
    f.StudentGuardianFactory(
        student=s,
        guardian=f.GuardianFactory(family=s.family, name="阿丽", relation=Relation.FATHER),
    )
    db.session.commit()
    login(world.principal_name)
    r = client.get(f"/schools/{world.school_a}/guardians.xlsx")
    assert r.status_code == 200
    ws = _sheet(r.data)
    assert [c.value for c in ws[1]] == export.GUARDIAN_LIST_COLUMNS
    names = [row[0] for row in _rows(ws)]
    keys = [db.session.scalar(select(Guardian.name_key).where(Guardian.name == n)) for n in names]
    assert keys == sorted(keys)
    assert names[0] == "阿丽"
    li = next(row for row in _rows(ws) if row[0] == "李芳")
    # Her child at this school only (the sibling is at the junior school).
    assert (
        li[5] == f"三年级（1）班 王小明（{db.session.get(Student, world.student).student_number}）"
    )
    assert li[6] == "已开通"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "roster.export")).one()
    assert entry.detail["kind"] == "guardians"


def test_whole_school_roster_by_grade_and_class(client, ctx, world, login):
    a2 = db.session.get(SchoolClass, world.class_a2)
    f.StudentFactory(school_class=a2, student_number="0000", name="甲")
    db.session.commit()
    login(world.school_admin_name)
    ws = _sheet(client.get(f"/schools/{world.school_a}/roster.xlsx").data)
    classes = [row[6] for row in _rows(ws)]
    assert classes == sorted(classes, key=lambda c: c != "三年级（1）班")
    assert "七年级（1）班" not in classes  # the other school's sibling


@pytest.mark.parametrize(
    "who", ["subject_teacher", "other_class_teacher", "other_school_admin", "district_admin"]
)
def test_others_get_404_for_the_class_roster(client, world, login, who):
    login(getattr(world, f"{who}_name"))
    assert client.get(f"/classes/{world.class_a1}/roster.xlsx").status_code == 404


def test_links_on_class_and_school_pages(client, world, login):
    login(world.head_teacher_name)
    assert f"/classes/{world.class_a1}/roster.xlsx" in client.get(f"/classes/{world.class_a1}").text
    login(world.subject_teacher_name)
    assert "roster.xlsx" not in client.get(f"/classes/{world.class_a1}").text
    login(world.school_admin_name)
    page = client.get(f"/schools/{world.school_a}").text
    assert f"/schools/{world.school_a}/roster/export" in page
    r = client.get(f"/schools/{world.school_a}/roster/export")
    assert r.status_code == 200
    assert f"/schools/{world.school_a}/guardians.xlsx" in r.text
    assert f"/classes/{world.class_a2}/roster.xlsx" in r.text


def test_cli_export_class_school_and_guardians(app, world, tmp_path):
    with app.app_context():
        code = db.session.get(SchoolClass, world.class_a1).school.code
    runner = app.test_cli_runner()
    out = tmp_path / "a1.xlsx"
    result = runner.invoke(args=["roster", "export", "--school", code.lower(), "--class",
                                 str(world.class_a1), str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [c.value for c in _sheet(out.read_bytes())[1]] == TEMPLATE
    by_name = tmp_path / "by-name.xlsx"
    result = runner.invoke(args=["roster", "export", "--school", code, "--class", "3-1",
                                 str(by_name)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _rows(_sheet(by_name.read_bytes())) == _rows(_sheet(out.read_bytes()))
    guardians = tmp_path / "g.xlsx"
    result = runner.invoke(args=["roster", "export", "--school", code, "--guardians",
                                 str(guardians)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _sheet(guardians.read_bytes())[1][0].value == "姓名"
    result = runner.invoke(args=["roster", "export", "--school", code, "--class",
                                 str(world.class_b1), str(out)])  # fmt: skip
    assert result.exit_code == 2  # another school's class
    with app.app_context():
        actors = db.session.scalars(
            select(AuditEntry.actor_name).where(AuditEntry.action == "roster.export")
        ).all()
        assert actors == ["cli", "cli", "cli"]
