"""A guardian signs in at a parent-school course on a 390 px phone with the code the room shows,
and is told plainly when they send it a second time."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("GRIDAPP_SHOTS")  # a folder to keep screenshots in, when set


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_guardian_signs_in_with_the_code_on_a_phone(
    app, browser, page, live_server, sign_in, world
):
    from gridapp.extensions import db
    from gridapp.parent_school.models import ParentCourse

    with app.app_context():
        code = db.session.get(ParentCourse, world.course).code
    # The head teacher's course page shows the code to put on the screen.
    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    teacher = staff.new_page()
    teacher.goto(f"{live_server}/login")
    teacher.fill("[name=username]", "head_teacher")
    teacher.fill("[name=password]", "gridapp-test-1")
    teacher.press("[name=password]", "Enter")
    teacher.wait_for_url(f"{live_server}/")
    teacher.goto(f"{live_server}/parent-school/courses/{world.course}")
    expect(teacher.locator(".code-big")).to_have_text(code)
    _shot(teacher, "course-code-390")
    staff.close()

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("parent")
    page.goto(f"{live_server}/my/parent-school")
    # Typed on a phone in lower case with a space: read as the code.
    page.fill("input[name=code]", f"{code[:3].lower()} {code[3:].lower()}")
    page.click("form.sign-in-form button[type=submit]")
    expect(page.locator(".flash-success, .toast")).to_contain_text("签到成功")
    expect(page.locator("main")).to_contain_text("1 次")
    _shot(page, "guardian-signed-in-390")
    page.fill("input[name=code]", code)
    page.click("form.sign-in-form button[type=submit]")
    expect(page.locator("#code-error")).to_contain_text("不必重复签到")
    expect(page.locator("input[name=code]")).to_have_value(code)
    _shot(page, "guardian-twice-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_the_head_teacher_sees_what_each_family_lacks_on_a_phone(page, live_server, sign_in, world):
    """The class's families below target on a 390 px phone: the sessions, hours and what is
    still lacking are on screen, not scrolled off to the right behind the guardians' names."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("head_teacher")
    page.goto(f"{live_server}/classes/{world.class_a1}/parent-school")
    headers = page.locator("main table th")
    expect(headers.first).to_have_text("学生")
    for name in ("还差", "参加次数"):
        box = page.locator("main table th", has_text=name).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, name
    _shot(page, "class-parent-school-390")
