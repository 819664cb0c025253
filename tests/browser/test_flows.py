"""What a user does in the browser: sign in, find a student, a form error, an htmx swap."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gridapp.extensions import db
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def big_class(app, world):
    """Thirty more students in class A1, so that the list has two pages."""
    with app.app_context():
        from gridapp.schools.models import SchoolClass

        sc = db.session.get(SchoolClass, world.class_a1)
        for i in range(30):
            f.StudentFactory(school_class=sc, name=f"学生{i:02d}", student_number=f"30{i:04d}")
        db.session.commit()
    return world


def test_teacher_signs_in_and_searches_the_class(page, live_server, sign_in, big_class):
    sign_in("head_teacher")
    expect(page.locator("h1")).to_contain_text("您好")
    page.click(f"a[href='/classes/{big_class.class_a1}']")
    expect(page.locator("h1")).to_contain_text("三年级（1）班")
    expect(page.locator("#students")).to_contain_text("第 1 / 2 页")
    # htmx: typing filters the list in place; the page itself is not reloaded.
    page.evaluate("window.__marker = 'same page'")
    page.fill("input[name=q]", "王小明")
    expect(page.locator("#students tbody tr")).to_have_count(1)
    expect(page.locator("#students")).to_contain_text("王小明")
    assert page.evaluate("window.__marker") == "same page"
    assert "q=" in page.url
    page.fill("input[name=q]", "")
    page.locator("#students .pager a").click()
    expect(page.locator("#students")).to_contain_text("第 2 / 2 页")


def test_phone_is_revealed_with_csrf_through_htmx(page, live_server, sign_in, world):
    sign_in("head_teacher")
    page.goto(f"{live_server}/students/{world.student}")
    expect(page.locator("body")).to_contain_text("138****5678")
    page.click("text=显示号码")
    expect(page.locator("a[href='tel:13812345678']")).to_be_visible()


def test_form_error_is_shown_in_chinese_and_input_kept(page, live_server, sign_in, world):
    sign_in("head_teacher")
    page.goto(f"{live_server}/account")
    page.fill("[name=old_password]", "wrong-password-1")
    page.fill("[name=new_password]", "abc")
    page.fill("[name=confirm]", "abc")
    page.click("button:has-text('修改密码')")
    expect(page.locator("small.error").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("原密码不正确")


def test_other_class_by_url_is_404(page, live_server, sign_in, world):
    sign_in("head_teacher")
    response = page.goto(f"{live_server}/students/{world.student_a2}")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")


def test_phone_sized_menu(page, live_server, sign_in, world):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in("parent")
    expect(page.locator("body")).to_contain_text("王小明")
    page.click("details.menu > summary")
    expect(page.locator("nav.menu-panel")).to_contain_text("我的账号")
    page.click("nav.menu-panel >> text=退出登录")
    page.wait_for_url(f"{live_server}/login")
    expect(page.locator("body")).to_contain_text("您已退出登录")


def test_a_principal_who_teaches_has_one_row_of_links_with_drop_down_groups(
    page, live_server, sign_in, world
):
    """A principal who also teaches holds some 14 links: on a 1366 px screen they come as
    drop-down groups in one row under the red bar (issue 18, tried as a principal); a click
    outside closes the open group; the phone menu lists the groups under their headings."""
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in("principal")
    nav = page.locator("nav.desktop-nav")
    groups = nav.locator("details.nav-group")
    assert groups.count() >= 2
    box = nav.bounding_box()
    assert box is not None and box["height"] < 60  # one row, not two
    school = groups.filter(has_text="学校工作")
    school.locator("summary").click()
    expect(school.locator(".nav-drop a", has_text="意见建议")).to_be_visible()
    page.locator("h1").click()  # outside: the group closes
    expect(school.locator(".nav-drop")).to_be_hidden()
    school.locator("summary").click()
    school.locator(".nav-drop a", has_text="意见建议").click()
    expect(page.locator("h1")).to_contain_text("意见")
    expect(groups.filter(has_text="学校工作").locator("summary.active")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("details.menu summary").click()
    panel = page.locator("nav.menu-panel")
    expect(panel.locator(".menu-heading", has_text="学校统计")).to_be_visible()
    expect(panel.locator("a", has_text="家访统计")).to_be_visible()
