"""Roster export in the browser: the school admin downloads the school's roster from the export
page, and the head teacher the class roster from the class page (issue 15 item 8)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser


def test_school_admin_and_head_teacher_download_rosters(page, live_server, sign_in, world):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("school_admin")
    page.goto(f"{live_server}/schools/{world.school_a}")
    page.click("text=导出名单")
    page.wait_for_url(f"{live_server}/schools/{world.school_a}/roster/export")
    with page.expect_download() as download:
        page.click("form button:has-text('下载 Excel')")
    assert download.value.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert ws["A1"].value == "学号"
    assert "王小明" in [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]

    page.context.clear_cookies()
    sign_in("head_teacher")
    page.goto(f"{live_server}/classes/{world.class_a1}")
    with page.expect_download() as download:
        page.click("a:has-text('导出名单')")
    ws = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [c.value for c in ws[1]][:2] == ["学号", "姓名"]


def test_school_admin_imports_staff_and_gets_the_links(page, live_server, sign_in, world, tmp_path):
    from openpyxl import Workbook

    from gridapp.roster import staff

    wb = Workbook()
    ws = wb.active
    ws.append(["说明"])
    ws.append(staff.COLUMNS)
    ws.append(["B001", "浏览器", "13900009999", "是", "三年级（2）班 美术", ""])
    path = tmp_path / "教职工.xlsx"
    wb.save(path)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in("school_admin")
    page.goto(f"{live_server}/admin/users")
    page.click("text=导入教职工")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("text=确认导入")
    assert "新账号" in page.content()
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("h1:has-text('教职工已导入')")
    link = page.locator("table.links input").input_value()
    assert "/invite/" in link
    with page.expect_download() as download:
        page.click("text=下载链接清单（Excel）")
    ws = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert ws["D2"].value == link
