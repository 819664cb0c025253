"""A parent books a reception slot on a phone, downloads the .ics, cancels and books again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_parent_books_cancels_and_books_again(page, live_server, sign_in, world):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("parent")
    # The world's booking first: cancel it.
    page.goto(f"{live_server}/reception/bookings/{world.booking}")
    with page.expect_download() as download:
        page.click("text=加入日历（.ics）")
    assert "BEGIN:VCALENDAR" in download.value.path().read_text(encoding="utf-8")
    page.click("summary:has-text('取消预约')")
    page.fill("input[name=reason]", "那天要加班")
    page.once("dialog", lambda d: d.accept())
    page.click("form[action$='/cancel'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("预约已取消")
    # Book another slot.
    page.locator("ul.slots a").first.click()
    page.fill("input[name=topic]", "孩子最近不愿意上学")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("接待预约")
    expect(page.locator("h1 .tag")).to_have_text("已预约")
