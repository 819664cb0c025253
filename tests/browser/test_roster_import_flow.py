"""A school admin imports a roster in the browser: a GBK CSV with an error row is uploaded, the
preview shows the error, the fixed file is uploaded, committed, and imported again unchanged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..roster import files
from .test_accessibility import _RUN_AXE, AXE, TAGS

pytestmark = pytest.mark.browser


def test_upload_preview_fix_commit_reimport(page, live_server, sign_in, world, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("school_admin")
    page.goto(f"{live_server}/schools/{world.school_a}")
    page.click("text=导入名单")
    expect(page.locator("h1")).to_contain_text("导入名单")
    rows = files.rows_of(3)
    rows[1][11] = "1380000"  # a short mobile
    bad = tmp_path / "名单.csv"
    bad.write_bytes(files.csv_bytes(rows, encoding="gbk"))
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=上传并预览")
    expect(page.locator("h1")).to_contain_text("导入预览")
    expect(page.locator("#errors")).to_contain_text("不是 11 位手机号")
    expect(page.locator(".stats")).to_contain_text("2 新增")
    # The preview (not in test_accessibility's PAGES: it needs a kept file) passes axe too.
    page.evaluate(AXE.read_text())
    assert page.evaluate(_RUN_AXE, TAGS) == []
    with page.expect_download() as download:
        page.click("text=下载错误行（.xlsx）")
    assert download.value.suggested_filename.endswith(".xlsx")
    # Fixed and uploaded again.
    rows[1][11] = "138 0000 0002"
    good = tmp_path / "名单-修正.csv"
    good.write_bytes(files.csv_bytes(rows, encoding="gbk"))
    page.click("text=重新上传")
    page.set_input_files("input[name=file]", str(good))
    page.click("text=上传并预览")
    expect(page.locator(".stats")).to_contain_text("3 新增")
    page.click("#confirm button[type=submit]")
    expect(page.locator(".flash-success").first).to_contain_text("导入完成：新增 3 行")
    expect(page.locator("#confirm")).to_contain_text("文件与系统中的名单一致，无需导入")
    # The same file once more: nothing to import.
    page.click("text=重新上传")
    page.set_input_files("input[name=file]", str(good))
    page.click("text=上传并预览")
    expect(page.locator(".stats")).to_contain_text("3 未变")
    expect(page.locator("#confirm")).to_contain_text("无需导入")
