"""The staff kind in the generic roster import (roster/kinds.py): the same file previews and
commits through the pipeline and the CLI; links for the new teachers come from the staff page."""

from __future__ import annotations

import io
import json
import re

from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.roster import kinds, services, staff
from gridapp.schools.models import School, StaffMember

from .test_staff_pages import xlsx


def test_staff_is_a_kind_and_previews_and_commits(ctx, world):
    assert kinds.get("staff") is not None
    school = db.session.get(School, world.school_a)
    found = services.preview(school, xlsx(), "staff.xlsx", "staff")
    assert found.plan.counts == {"rows": 2, "new": 2, "updated": 0, "unchanged": 0, "errors": 0}
    assert any("设置密码链接" in n for n in found.plan.notes)
    admin = db.session.get(User, world.school_admin)
    counts = services.commit(admin, school, found)
    assert counts["new"] == 2
    again = services.preview(school, xlsx(), "staff.xlsx", "staff")
    assert again.plan.counts["unchanged"] == 2 and not again.plan.writes
    # The new teachers have no password yet: the staff page makes their links.
    assert [u[1] for u in staff.without_password(school)] == ["T001", "T002"]


def test_a_formula_cell_is_a_row_error(ctx, world):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(staff.COLUMNS)
    ws.append(["T001", "=A1", "13900001111", "否", "", ""])
    out = io.BytesIO()
    wb.save(out)
    school = db.session.get(School, world.school_a)
    found = services.preview(school, out.getvalue(), "staff.xlsx", "staff")
    [error] = found.plan.errors
    assert error.row == 2 and "公式" in error.reason


def test_cli_import_kind_staff(app, world, tmp_path):
    with app.app_context():
        code = db.session.get(School, world.school_a).code
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx())
    runner = app.test_cli_runner()
    args = ["roster", "import", str(path), "--school", code, "--kind", "staff"]
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["new"] == 2
    result = runner.invoke(args=[*args, "--commit"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["roster", "staff-links", "--school", code, "--base-url",
                                 "https://gridapp.example"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(re.findall(r"https://gridapp.example/invite/\S+", result.output)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffMember)) == 2


def test_links_for_staff_without_password_on_the_staff_page(client, ctx, world, login):
    school = db.session.get(School, world.school_a)
    admin = db.session.get(User, world.school_admin)
    services.commit(admin, school, services.preview(school, xlsx(), "s.xlsx", "staff"))
    db.session.commit()
    login(world.school_admin_name)
    page = client.get(f"/schools/{world.school_a}/staff/import")
    assert "2 位教职工还没有设置密码" in page.text
    r = client.post(f"/schools/{world.school_a}/staff/invitations")
    assert r.status_code == 200
    assert len(re.findall(r"/invite/[\w-]+", r.text)) == 2
