"""A teacher uploads a home-visit support plan (六个一) on a phone-sized screen: a wrong file is
refused in Chinese, the upload waits for review; the principal
returns it with a reason on a phone, and the teacher sees the reason."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.obligations.documents import pdf_bytes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("GRIDAPP_SHOTS")  # a folder to keep the screenshots in, when set


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_teacher_uploads_a_plan_on_a_phone(browser, live_server, world, tmp_path):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("[name=username]", "head_teacher")
    page.fill("[name=password]", "gridapp-test-1")
    page.press("[name=password]", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/my/obligations")
    expect(page.locator("h1")).to_contain_text("我的六个一")
    expect(page.locator("#item-plan .tag")).to_have_text("未完成")
    # The page fits the phone: nothing wider than the screen but the documents' table.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    # A text file is not a document: refused beside the file field, nothing stored.
    wrong = tmp_path / "方案.txt"
    wrong.write_text("家访帮扶方案", encoding="utf-8")
    page.select_option("select[name=item]", "plan")
    page.set_input_files("input[name=file]", str(wrong))
    page.click("form.upload-form button[type=submit]")
    expect(page.locator("#file-error")).to_contain_text("不是 PDF、Word（.docx）、JPEG 或 PNG 文件")
    expect(page.locator("text=本学年还没有上传材料。")).to_be_visible()
    expect(page.locator(".kept-files")).to_have_count(0)  # a refused file is not kept
    _shot(page, "obligations-upload-refused-390")
    # The note's limit is the field's own (the browser stops at 500 characters).
    expect(page.locator("[name=note]")).to_have_attribute("maxlength", "500")
    plan = tmp_path / "2026学年家访帮扶方案.pdf"
    plan.write_bytes(pdf_bytes())
    page.set_input_files("input[name=file]", str(plan))
    page.fill("[name=note]", "寒假走访全班家庭")
    page.click("form.upload-form button[type=submit]")
    expect(page.locator(".flash-success, .toast").first).to_contain_text("材料已上传")
    expect(page.locator("#item-plan .tag")).to_have_text("待审核")
    expect(page.locator("ul.documents")).to_contain_text("2026学年家访帮扶方案.pdf")
    _shot(page, "obligations-uploaded-390")
    context.close()

    # The principal returns it with a reason, on a phone too.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("[name=username]", "principal")
    page.fill("[name=password]", "gridapp-test-1")
    page.press("[name=password]", "Enter")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/schools/{world.school_a}/obligations")
    page.click("p.flash-info a")  # the teacher with a document waiting
    expect(page.locator("h1")).to_contain_text("的六个一")
    page.click("form.return-form button[type=submit]")  # no reason: refused
    expect(page.locator("small.error")).to_contain_text("请写明退回的原因")
    page.fill("form.return-form textarea[name=reason]", "请写明寒假家访的具体安排")
    page.click("form.return-form button[type=submit]")
    expect(page.locator("ul.documents")).to_contain_text("请写明寒假家访的具体安排")
    _shot(page, "obligations-returned-principal-390")
    context.close()
