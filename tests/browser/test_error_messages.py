"""The server's own words reach the user: a 4xx answer's message is shown where the action
happened (beside the field, above the form, or in an error toast), never a general "操作未成功"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from gridapp.extensions import db
from gridapp.reception.models import ReceptionSlot

pytestmark = pytest.mark.browser

GENERIC = "操作未成功"


def _no_generic_toast(page):
    expect(page.locator("#toasts")).not_to_contain_text(GENERIC)


def test_wrong_tracking_code_says_so_beside_the_field(page, live_server, world):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/mailbox/track")
    page.fill("input[name=code]", "ABCD-EFGH-JKLM")
    page.click("main form button[type=submit]")
    expect(page.locator("small.error")).to_have_text("没有找到这个查询码，请核对后再输入")
    expect(page.locator("input[name=code]")).to_have_value("ABCD-EFGH-JKLM")
    _no_generic_toast(page)
    # The address can be reloaded (the track page answers GET).
    page.reload()
    expect(page.locator("h1")).to_have_text("查询答复")


def test_a_slot_that_filled_while_booking_offers_the_waitlist(app, page, live_server, world):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/reception/slots/{world.slot}")
    page.fill("input[name=guest_name]", "李女士")
    page.fill("input[name=guest_mobile]", "13812345678")
    page.fill("input[name=guest_class]", "三年级一班")
    page.fill("input[name=topic]", "想聊聊孩子的作业量")
    with app.app_context():  # someone else takes the last places meanwhile
        db.session.execute(
            update(ReceptionSlot)
            .where(ReceptionSlot.id == world.slot)
            .values(booked=ReceptionSlot.capacity)
        )
        db.session.commit()
    page.click("main form button[type=submit]")
    expect(page.locator("main .flash-error")).to_contain_text("已约满，可以选择候补")
    expect(page.locator("input[name=topic]")).to_have_value("想聊聊孩子的作业量")
    expect(page.locator("input[name=guest_name]")).to_have_value("李女士")
    expect(page.locator("main form button[type=submit]")).to_contain_text("候补")
    _no_generic_toast(page)


def test_a_form_error_keeps_what_was_typed(page, live_server, sign_in, world):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/reception/slots/{world.slot}")
    page.fill("input[name=guest_name]", "王先生")
    page.fill("input[name=guest_mobile]", "12345")
    page.fill("input[name=topic]", "午餐")
    page.click("main form button[type=submit]")
    expect(page.locator("small.error")).to_contain_text("11位手机号码")
    expect(page.locator("input[name=guest_name]")).to_have_value("王先生")
    expect(page.locator("input[name=topic]")).to_have_value("午餐")
    _no_generic_toast(page)


def test_an_expired_form_says_why_and_keeps_the_page(page, live_server, world):
    """A 400 (the form's token no longer valid) to a boosted form: an error toast with the
    server's message; nothing swapped, the address unchanged, the input still there."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/mailbox/track")
    page.fill("input[name=code]", "ABCD-EFGH-JKLM")
    page.evaluate("document.querySelector('body').setAttribute('hx-headers', '{}')")
    page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.value = 'stale')"
    )
    page.click("main form button[type=submit]")
    expect(page.locator("#toasts .toast.error")).to_contain_text("表单已过期")
    expect(page.locator("input[name=code]")).to_have_value("ABCD-EFGH-JKLM")
    assert page.url == f"{live_server}/mailbox/track"
