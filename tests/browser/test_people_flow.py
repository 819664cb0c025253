"""In the browser (issue 15 items 6 and 9): the school admin moves a student to another class with
a date and sees it on the student's archive; the rollover preview lists what would change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_moves_a_student_to_another_class(page, live_server, sign_in, world):
    sign_in("school_admin")
    page.goto(f"{live_server}/students/{world.student}")
    page.click("a:has-text('调班')")
    expect(page.locator("h1")).to_contain_text("调班")
    # A mistake first: no class chosen; the date typed stays.
    page.fill("[name=on]", "2026-11-02")
    page.click("button:has-text('确认调班')")
    expect(page.locator("small.error")).to_contain_text("请选择本校的班级")
    expect(page.locator("[name=on]")).to_have_value("2026-11-02")
    page.select_option("[name=class_id]", label="三年级（2）班")
    page.click("button:has-text('确认调班')")
    expect(page.locator("body")).to_contain_text("已调入 三年级（2）班")
    expect(page.locator("dl.facts")).to_contain_text("三年级（2）班")
    page.goto(f"{live_server}/students/{world.student}/archive?tab=timeline")
    expect(page.locator("body")).to_contain_text("调班：三年级（1）班 → 三年级（2）班")
    page.goto(f"{live_server}/classes/{world.class_a2}")
    expect(page.locator("#students")).to_contain_text("王小明")


def test_rollover_preview(page, live_server, sign_in, world):
    sign_in("school_admin")
    page.goto(f"{live_server}/schools/{world.school_a}/calendar")
    page.click("a:has-text('学年升级')")
    expect(page.locator("h1")).to_contain_text("学年升级")
    table = page.locator("table")
    expect(table).to_contain_text("三年级（1）班")
    expect(table).to_contain_text("四年级（1）班")
    # The world's year runs until July: the commit waits, and says why.
    expect(page.locator("[role=alert]")).to_contain_text("结束之后才能升级")
    expect(page.locator("button:has-text('确认升级')")).to_be_disabled()
