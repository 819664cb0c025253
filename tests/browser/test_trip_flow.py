"""A head teacher plans a trip of two door visits in one community and records both on a phone:
the day and the colleague are entered once, each family's contact form comes prefilled, and
the next family's form opens after each save (issue 19 item 3)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gridapp.contacts.models import Contact, ContactForm, ContactTeacher
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.schools.models import SchoolClass
from tests import factories as f

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
COMMUNITY = "翠苑小区"
DAY = "2026-11-22"


def _substance(page) -> None:
    page.fill("[name=family_situation]", "三代同住，祖母接送。")
    page.fill("[name=said_about_school]", "孩子上课认真，乐于助人。")
    page.fill("[name=guidance_given]", "建议周末陪孩子户外运动。")
    page.check("[name=pledge_confirmed]")


def test_a_trip_of_two_door_visits_on_a_phone(app, page, live_server, sign_in, world):
    with app.app_context():
        a1 = db.session.get(SchoolClass, world.class_a1)
        first = f.StudentFactory(
            school_class=a1, name="周一鸣", community=COMMUNITY, address="翠苑小区5幢101室"
        )
        second = f.StudentFactory(
            school_class=a1, name="吴二妹", community=COMMUNITY, address="翠苑小区7幢302室"
        )
        db.session.commit()
        families = {first.family_id, second.family_id}
        first_id = first.id
    page.set_viewport_size(PHONE)
    sign_in("head_teacher")
    page.goto(f"{live_server}/my/trips")
    card = page.locator("li.trip", has_text=COMMUNITY)
    expect(card).to_contain_text("周一鸣")
    expect(card).to_contain_text("吴二妹")
    card.locator("input[type=date]").fill(DAY)
    card.locator("summary", has_text="同行教师").click()
    colleague = card.locator("input[name$=teacher_ids]").first
    colleague.check()
    colleague_id = colleague.get_attribute("value")
    card.locator("button[type=submit]").click()
    # The first family's form: the shared fields filled in, a door visit.
    expect(page.locator("h1")).to_contain_text("记录家访")
    expect(page.locator(".series-note")).to_contain_text("连续录入")
    expect(page.locator("[name=contact_on]")).to_have_value(DAY)
    expect(page.locator("select[name=form]")).to_have_value(ContactForm.HOME_VISIT.value)
    expect(page.locator(f"input[name=teacher_ids][value='{colleague_id}']")).to_be_checked()
    family = page.locator("p.muted").first  # 家庭：the student (class)
    first_family = family.inner_text()
    _substance(page)
    page.click("form.record button[type=submit]")
    # Saved: the next family's form opens, the shared fields kept.
    expect(family).not_to_have_text(first_family)
    expect(page.locator(".series-note")).to_contain_text("连续录入")
    expect(page.locator("[name=contact_on]")).to_have_value(DAY)
    expect(page.locator(f"input[name=teacher_ids][value='{colleague_id}']")).to_be_checked()
    names = [first_family, family.inner_text()]
    _substance(page)
    page.click("form.record button[type=submit]")
    assert "周一鸣" in "".join(names) and "吴二妹" in "".join(names)
    # Back at the trips: the community's group is done.
    expect(page.locator("h1")).to_contain_text("上门走访路线")
    expect(page.locator("body")).not_to_contain_text(COMMUNITY)
    with app.app_context():
        visits = db.session.scalars(
            select(Contact).where(
                Contact.family_id.in_(families), Contact.contact_on == date.fromisoformat(DAY)
            )
        ).all()
        assert len(visits) == 2
        assert {v.form for v in visits} == {ContactForm.HOME_VISIT}
        for v in visits:
            present = set(
                db.session.scalars(
                    select(ContactTeacher.teacher_id).where(ContactTeacher.contact_id == v.id)
                )
            )
            assert present == {world.head_teacher, int(colleague_id)}
        assert db.session.get(Student, first_id).community == COMMUNITY
