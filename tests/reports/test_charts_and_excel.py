"""The coverage pages' charts (SVG drawn on the server) and their tables as .xlsx (issue 18 items
4 and 5): the same URL with format=xlsx, numbers as numbers, shares as percentages, text that
looks like a formula kept as text, and the page's own permission."""

from __future__ import annotations

import base64
import io
import re

from openpyxl import load_workbook

from gridapp.core import xlsx
from gridapp.reports import charts
from gridapp.schools.models import School


def _book(r):
    assert r.status_code == 200 and r.mimetype == xlsx.XLSX_MIMETYPE
    assert r.headers["Content-Disposition"].startswith("attachment")
    return load_workbook(io.BytesIO(r.data))


def _chart_svg(page: str) -> str:
    m = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert m, "no chart on the page"
    return base64.b64decode(m.group(1)).decode("utf-8")


def test_the_district_ranking_draws_its_chart_and_exports_it(client, login, world):
    login(world.district_supervisor_name)
    page = client.get("/district/coverage").get_data(as_text=True)
    svg = _chart_svg(page)
    assert "南湖区实验小学" in svg and "<script" not in svg
    assert "format=xlsx" in page and "导出 Excel" in page
    ws = _book(client.get("/district/coverage?format=xlsx")).active
    assert ws["A2"].value == "名次" and ws["B2"].value == "学校"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    names = [r[1] for r in rows]
    assert "南湖区实验小学" in names and "秀洲区实验小学" not in names  # its own district only
    first = rows[0]
    assert isinstance(first[0], int) and isinstance(first[2], int)  # rank, students
    assert ws.cell(row=3, column=4).number_format == "0.0%"  # the score, a fraction


def test_a_school_name_that_looks_like_a_formula_stays_text(client, login, world, ctx):
    ctx.get(School, world.school_a).name = "=HYPERLINK(1)"
    ctx.commit()
    login(world.district_supervisor_name)
    ws = _book(client.get("/district/coverage?format=xlsx")).active
    cells = [c for row in ws.iter_rows(min_row=3) for c in row if c.value == "=HYPERLINK(1)"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_school_coverage_exports_its_classes_and_teachers(client, login, world):
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "三年级（1）班" in _chart_svg(page)
    book = _book(client.get(f"/schools/{world.school_a}/coverage?format=xlsx"))
    assert book.sheetnames == ["班级排名", "教师联系家庭情况", "每周趋势"]
    classes = list(book["班级排名"].iter_rows(min_row=3, values_only=True))
    assert {r[1] for r in classes} >= {"三年级（1）班"}
    teachers = [r[0] for r in book["教师联系家庭情况"].iter_rows(min_row=3, values_only=True)]
    assert teachers  # the teachers of the school, by name
    # The page still answers as a page after the export (the kept body is the page's).
    assert "班级排名" in client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)


def test_the_export_keeps_the_pages_permission(client, login, world):
    login(world.other_school_teacher_name)
    assert client.get(f"/schools/{world.school_a}/coverage?format=xlsx").status_code == 404
    assert client.get("/district/coverage?format=xlsx").status_code == 404
    login(world.other_district_supervisor_name)
    assert client.get(f"/schools/{world.school_a}/coverage?format=xlsx").status_code == 404


def test_a_chart_with_nothing_to_show_is_none_and_labels_are_kept_whole(app):
    with app.app_context():
        assert charts.share_bars("空", [("一年级（1）班", None)], alt="空") is None
        chart = charts.share_bars(
            "各班综合得分", [("一年级（1）班", 0.5), ("欧阳·娜娜的班", 1.0)], alt="两个班"
        )
        svg = base64.b64decode(chart.src.split(",", 1)[1]).decode()
        assert "一年级（1）班" in svg and "欧阳·娜娜的班" in svg and "50%" in svg
        assert chart.alt == "两个班" and chart.height > 0
        # The same figures draw once per process.
        again = charts.share_bars(
            "各班综合得分", [("一年级（1）班", 0.5), ("欧阳·娜娜的班", 1.0)], alt="两个班"
        )
        assert again.src is chart.src


def test_the_families_behind_a_figure_export_whole_and_audited(client, login, world, ctx):
    from sqlalchemy import select

    from gridapp.core.audit import AuditEntry

    login(world.principal_name)
    url = f"/schools/{world.school_a}/coverage/families?rule=remote&class_id={world.class_a1}"
    assert "导出 Excel" in client.get(url).get_data(as_text=True)
    ws = _book(client.get(url + "&format=xlsx&page=7")).active  # every row, whatever the page
    assert ws["A2"].value == "学生"
    names = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "张伟" in names and "王小明" not in names  # owed, not done
    entry = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "reports.coverage_families.export")
    ).one()
    assert entry.detail["rule"] == "remote" and entry.detail["rows"] == len(names)
    # The district drills down to the names too (issue 18 item 1), without the focus column.
    login(world.district_supervisor_name)
    ws = _book(client.get(url + "&format=xlsx")).active
    headers = [c.value for c in ws[2]]
    assert "学生" in headers and "重点对象" not in headers


def test_a_bureau_drills_down_to_the_families_without_their_hardship_and_audited(
    client, login, world, ctx
):
    """Region → school → class → the families behind a figure, for the district supervisor:
    names and counts, no focus mark (DOMAIN privacy), no link into the archive, each view in
    the audit log (issue 18 item 1, "drills down to one family")."""
    from datetime import date

    from sqlalchemy import func, select

    from gridapp.accounts.models import User
    from gridapp.core.audit import AuditEntry
    from gridapp.people import focus
    from gridapp.people.models import Student

    principal = ctx.get(User, world.principal)
    other = ctx.get(Student, world.other_student)
    focus.mark_focus(
        principal, other, "left_behind", date(2026, 11, 2), "父母外出务工", date(2026, 11, 20)
    )
    ctx.commit()
    url = f"/schools/{world.school_a}/coverage/families?rule=remote&class_id={world.class_a1}"
    login(world.principal_name)
    html = client.get(url).get_data(as_text=True)
    assert "张伟" in html and ">重点<" in html and f"/students/{world.other_student}" in html

    login(world.district_supervisor_name)
    # The class dashboard links each figure to its families for the bureau too.
    board = client.get(f"/classes/{world.class_a1}/dashboard").get_data(as_text=True)
    assert "/coverage/families?" in board
    before = ctx.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "reports.coverage_families.view")
    )
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "张伟" in html  # the family behind the figure
    assert ">重点<" not in html and f"/students/{world.other_student}" not in html
    entry = ctx.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "reports.coverage_families.view")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.detail["rule"] == "remote"
    assert entry.detail["class_id"] == world.class_a1
    after = ctx.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "reports.coverage_families.view")
    )
    assert after == before + 1
    # In words, for the audit log's readers.
    from gridapp.reports import audit_words

    assert "reports.coverage_families.view" in audit_words.ACTIONS


def test_the_pairing_tables_export(client, login, world):
    login(world.principal_name)
    url = f"/schools/{world.school_a}/pairing/coverage"
    assert "导出 Excel" in client.get(url).get_data(as_text=True)
    ws = _book(client.get(url + "?format=xlsx")).active
    assert ws["A2"].value == "班级" and ws["D2"].value == "结对率"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[-1][0] == "全校" and all(isinstance(r[1], int) for r in rows)
    login(world.district_supervisor_name)
    ws = _book(client.get("/district/pairing?format=xlsx")).active
    names = [r[1] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "南湖区实验小学" in names and names[-1] == "全区"
    login(world.other_school_teacher_name)
    assert client.get("/district/pairing?format=xlsx").status_code == 404
