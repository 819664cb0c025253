"""A parent writes to the principal's mailbox on a phone without an account, keeps the code and
reads the status with it; a wrong captcha keeps what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gridapp.cases import mailbox

pytestmark = pytest.mark.browser


def _answer(app, page) -> str:
    token = page.locator("input[name=captcha_token]").get_attribute("value")
    with app.app_context():
        return mailbox.captcha_answer(token)


def test_anonymous_letter_on_a_phone(app, page, live_server, world):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/mailbox")
    expect(page.locator("h1")).to_have_text("校长信箱")
    page.select_option("select[name=school_id]", str(world.school_a))
    page.select_option("select[name=category]", "safety")
    page.fill("input[name=subject]", "校门口接送秩序")
    page.fill("textarea[name=content]", "放学时校门口电动车乱停，孩子过马路很危险。")
    page.check("input[name=anonymous]")
    expect(page.locator("input[name=name]")).to_be_hidden()  # no identity asked for
    # A wrong captcha: a new picture, the letter still there.
    page.fill("input[name=captcha]", "0000")
    page.click("main form button[type=submit]")
    expect(page.locator("small.error")).to_contain_text("验证码不对")
    expect(page.locator("textarea[name=content]")).to_have_value(
        "放学时校门口电动车乱停，孩子过马路很危险。"
    )
    page.fill("input[name=captcha]", _answer(app, page))
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("来信已收到")
    code = page.locator("#tracking-code").inner_text()
    page.goto(f"{live_server}/mailbox/track")
    page.fill("input[name=code]", code.lower().replace("-", " "))
    page.click("main form button[type=submit]")
    expect(page.locator(".tracked")).to_contain_text("校门口接送秩序")
    expect(page.locator(".tracked")).to_contain_text("已收集")
