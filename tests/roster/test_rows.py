"""Row values: normalised first, then each reason a row is refused (issue 15, "Preview")."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.people.models import Gender, Guardian, Relation, Student
from gridapp.roster import services
from gridapp.schools.models import School

from . import files


def plan(world, rows, fmt="csv"):
    school = db.session.get(School, world.school_a)
    data = files.csv_bytes(rows) if fmt == "csv" else files.xlsx_bytes(rows)
    return school, services.preview(school, data, f"a.{fmt}", "students")


def reasons(world, fmt="csv", **kw) -> str:
    _school, found = plan(world, [files.student(**kw)], fmt)
    assert len(found.plan.errors) == 1, found.plan.changes
    return found.plan.errors[0].reason


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"klass": "九年级（9）班"}, "本校没有班级“九年级（9）班”"),
        ({"klass": "不知道"}, "班级“不知道”无法识别"),
        ({"klass": "2班", "grade": "五年级"}, "本校没有班级“五年级（2）班”"),
        ({"klass": "三年级（1）班", "grade": "四年级"}, "不一致"),
        ({"klass": ""}, "班级为空"),
        ({"mobile": "1381234567"}, "不是 11 位手机号"),
        ({"mobile": "12812345678"}, "不是 11 位手机号"),
        ({"birth": "2015-02-30"}, "不是有效的日期"),
        ({"birth": "2099-01-01"}, "不在合理范围内"),
        ({"birth": "去年"}, "不是有效的日期"),
        ({"id_number": "110105201709010025"}, "校验位不对"),
        ({"id_number": "11010520170901"}, "应为 18 位"),
        ({"id_number": "110105201702300029"}, "出生日期不存在"),
        ({"gender": "未知"}, "性别“未知”无法识别"),
        ({"gender": ""}, "性别为空"),
        ({"r1": "邻居"}, "监护人1关系“邻居”无法识别"),
        ({"name": ""}, "姓名为空"),
        ({"number": ""}, "学号为空"),
        ({"g1": ""}, "监护人1姓名为空"),
        ({"mobile": ""}, "监护人1手机为空"),
        ({"g2": "王母", "m2": "13900000001"}, "两位监护人的手机号相同"),
        ({"birth": "2016-01-01", "id_number": "110105201709010024"}, "不一致"),
    ],
)
def test_each_reason(world, ctx, kw, reason):
    assert reason in reasons(world, **kw)


def test_id_numbers_are_masked_in_reasons(world, ctx):
    assert "110105201709010025" not in reasons(world, id_number="110105201709010025")


def test_a_formula_cell(world, ctx):
    from openpyxl import Workbook  # noqa: F401

    school = db.session.get(School, world.school_a)
    data = files.xlsx_bytes(files.rows_of(1), formula=("L2", '="139"&"00000001"'))
    found = services.preview(school, data, "a.xlsx", "students")
    assert "监护人1手机：单元格是公式" in found.plan.errors[0].reason


def test_a_repeated_student_number(world, ctx):
    _s, found = plan(world, [files.student("1"), files.student("1", "另一个")])
    assert [e.row for e in found.plan.errors] == [3]
    assert "学号与第 2 行重复" in found.plan.errors[0].reason
    assert found.counts["new"] == 1


@pytest.mark.parametrize(
    "written",
    ["2015/9/1", "2015-09-01", "20150901", "2015.9.1", "2015年9月1日", "２０１５－０９－０１"],
)
def test_dates_as_schools_write_them(world, ctx, written):
    school, found = plan(world, [files.student(birth=written)])
    assert found.counts["errors"] == 0, found.plan.errors
    services.commit(None, school, found)
    assert db.session.scalar(
        select(Student.birth_on).where(Student.student_number == "20260001")
    ) == date(2015, 9, 1)


def test_an_excel_date_cell(world, ctx):
    school, found = plan(world, [files.student(birth=datetime(2015, 9, 1))], "xlsx")
    assert found.counts["new"] == 1


def test_values_are_normalised_before_they_are_checked(world, ctx):
    row = files.student(
        "２０２６ ０００１",
        "阿卜杜拉・艾力",
        "三(2)班",
        "+86 139-0000-0001",
        g1="艾力 • 买买提",
        r1="爸爸",
        gender="女性",
    )
    school, found = plan(world, [row])
    assert found.counts == {"rows": 1, "new": 1, "updated": 0, "unchanged": 0, "errors": 0}
    services.commit(None, school, found)
    s = db.session.scalar(select(Student).where(Student.student_number == "20260001"))
    assert (s.name, s.class_id, s.gender) == ("阿卜杜拉·艾力", world.class_a2, Gender.FEMALE)
    g = db.session.scalar(select(Guardian).where(Guardian.mobile == "13900000001"))
    assert (g.name, g.relation) == ("艾力·买买提", Relation.FATHER)
    # Typed otherwise, the same row changes nothing.
    row2 = files.student(
        "20260001",
        "阿卜杜拉·艾力",
        "三年级（2）班",
        "13900000001",
        g1="艾力·买买提",
        r1="父亲",
        gender="女",
    )
    _s, again = plan(world, [row2])
    assert again.counts["unchanged"] == 1, again.plan.changes


@pytest.mark.parametrize("klass", ["三年级（1）班", "3年级1班", "三(1)班", "3-1", "三年级1班"])
def test_class_forms(world, ctx, klass):
    _s, found = plan(world, [files.student(klass=klass)])
    assert found.counts["new"] == 1, found.plan.errors


def test_grade_and_class_in_two_columns(world, ctx):
    _s, found = plan(world, [files.student(klass="1", grade="3")])
    assert found.counts["new"] == 1, found.plan.errors


def test_an_empty_optional_cell_never_erases(world, ctx):
    school, found = plan(world, [files.student(address="禾兴路1号")])
    services.commit(None, school, found)
    _s, again = plan(world, [files.student(address="", birth="")])
    assert again.counts["unchanged"] == 1
