"""A head teacher prints the class's activation letters; a guardian activates their account on a
phone with the letter's code and the last four digits of their mobile, and sees only their own
child (issue 15 item 7, "Done when")."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from gridapp.extensions import db
from gridapp.schools.models import SchoolClass
from tests import factories as f

pytestmark = pytest.mark.browser


def test_guardian_activates_from_the_letter_and_sees_only_their_child(
    app, browser, page, live_server, sign_in, world
):
    import pypdf

    with app.app_context():
        school_class = db.session.get(SchoolClass, world.class_a1)
        student = f.StudentFactory(school_class=school_class, name="赵小雨")
        guardian = f.GuardianFactory(family=student.family, name="赵大海", mobile="13955551234")
        f.StudentGuardianFactory(student=student, guardian=guardian)
        db.session.commit()

    # The head teacher prints the letters (confirming that old codes stop working).
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in("head_teacher")
    page.goto(f"{live_server}/classes/{world.class_a1}")
    page.click("text=家长激活")
    expect(page.locator("h1")).to_have_text("家长激活通知")
    expect(page.locator("table")).to_contain_text("赵大海")
    page.click("text=生成激活通知")  # not confirmed yet
    expect(page.locator("#confirm-error")).to_contain_text("重新生成将使旧的激活码失效")
    page.check("#confirm")
    page.click("text=生成激活通知")  # made in the background: the job's page, then its file
    expect(page.locator("#letters-job")).to_contain_text("已完成 1 / 1 份")
    with page.expect_download() as download:
        page.click("text=下载激活通知（PDF）")
    page.goto(f"{live_server}/classes/{world.class_a1}/letters")  # ready after a reload too
    expect(page.locator("#letters-job")).to_contain_text("下载激活通知（PDF）")
    pdf = pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))
    letter = next(p.extract_text() for p in pdf.pages if "赵小雨" in p.extract_text())
    code = "".join(re.search(r"([2-9A-HJ-NP-Z]{4}) ([2-9A-HJ-NP-Z]{4})", letter).groups())

    # The guardian, on a phone, with no account yet.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        p = phone.new_page()
        p.goto(f"{live_server}/activate")
        p.fill("[name=code]", code.lower())
        p.fill("[name=last_four]", "9999")
        p.fill("[name=password]", "qingchun2026")
        p.fill("[name=confirm]", "qingchun2026")
        p.click("main button[type=submit]")
        expect(p.locator("#code-error")).to_contain_text("激活码或手机号后四位不正确")
        p.fill("[name=last_four]", "1234")
        p.fill("[name=password]", "qingchun2026")
        p.fill("[name=confirm]", "qingchun2026")
        p.click("main button[type=submit]")
        expect(p.locator(".flash-success")).to_contain_text("激活成功")
        expect(p.locator("main")).to_contain_text("赵小雨")
        expect(p.locator("main")).not_to_contain_text("王小明")
        expect(p.locator("main")).not_to_contain_text("张伟")
    finally:
        phone.close()
