"""The seeds' own words (issue 21 item 7): the integrity pledge as seed 001 and seed 000 word it,
the drowning-prevention letter a door visit sees delivered (seed 000 三.4) and the class's
figure of it, and the parents' rating of the teachers' conduct (师德师风, seed 000 三.5)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from gridapp.contacts.models import (
    INTEGRITY_PLEDGE,
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactStatus,
)
from gridapp.core.audit import AuditEntry
from gridapp.people.models import Student

from ..world import home_visit

# Seed 001 坚持“五不准”, each item as the seed words it, and seed 000 五(三)'s meals and gifts.
SEED_001_FIVE = (
    "不准要求家长安排车辆接送",
    "不准借家访名义向家长提任何私人要求",
    "不准收受家长馈赠的钱、物",
    "不准参与家长组织的娱乐消费活动",
    "不准利用知悉或者掌握的招考等教育信息向家长索取利益或以家访名义进行有偿家教",
)


def _form(world, **over):
    data = {
        "client_token": over.pop("client_token", "tok-words"),
        "students": [world.student],
        "contact_on": "2026-11-20",
        "form": "home_visit",
        "place": "南湖区阳光花园3幢2单元501室",
        "family_situation": "父亲在外地务工，平时由母亲照顾。",
        "growth_environment": "住处附近有河道，已提醒防溺水。",
        "said_about_school": "孩子上课认真。",
        "guidance_given": "建议每天陪伴阅读二十分钟。",
        "pledge_confirmed": "y",
    }
    data.update(over)
    return data


def _post(client, world, **over):
    return client.post(
        f"/contacts/new?student={world.student}",
        data=_form(world, **over),
        content_type="multipart/form-data",
    )


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _ticked(html: str, name: str) -> bool:
    """Whether the page's checkbox `name` is ticked."""
    box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return box is not None and "checked" in box.group(0)


# ---- 1. the pledge ---------------------------------------------------------------------------------


def test_the_pledge_is_the_seeds_wording_in_one_list():
    assert INTEGRITY_PLEDGE[:5] == SEED_001_FIVE
    assert "不接收家长的宴请和礼品" in INTEGRITY_PLEDGE  # seed 000 五(三) 八项规定


def test_the_form_and_the_record_show_the_same_list(client, login, world):
    login(world.head_teacher_name)
    form = _text(client.get(f"/contacts/new?student={world.student}").get_data(as_text=True))
    r = _post(client, world)
    assert r.status_code == 303
    record = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    for item in INTEGRITY_PLEDGE:
        assert item in form and item in record
    assert "已确认遵守家访纪律“五不准”和“八项规定”" in record
    # The old wording, which no seed says, is gone.
    assert "不推销资料" not in form


def test_a_door_visit_without_the_pledge_is_refused_and_kept(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(client, world, pledge_confirmed="", drowning_letter_delivered="y")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "五不准" in page and "南湖区阳光花园3幢2单元501室" in page
    assert _ticked(page, "drowning_letter_delivered")
    assert ctx.scalars(select(Contact).where(Contact.client_token == "tok-words")).all() == []


# ---- 2. the drowning-prevention letter --------------------------------------------------------------


def test_a_door_visit_records_the_letter_and_shows_it(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(client, world, drowning_letter_delivered="y")
    assert r.status_code == 303
    ctx.expire_all()
    stored = ctx.scalars(select(Contact).where(Contact.client_token == "tok-words")).one()
    assert stored.drowning_letter_delivered is True
    page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "防溺水致家长一封信" in page and "已送达" in page
    # The edit form shows it ticked; unticking it is kept in the record's history.
    edit = client.get(f"/contacts/{stored.id}/edit").get_data(as_text=True)
    assert _ticked(edit, "drowning_letter_delivered")


def test_the_letter_on_a_call_is_refused_beside_the_box(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(client, world, form="phone", pledge_confirmed="", drowning_letter_delivered="y")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "防溺水致家长一封信的送达情况在上门家访时记录" in page
    assert 'id="drowning_letter_delivered-error"' in page
    assert "父亲在外地务工" in page  # nothing typed is lost
    assert ctx.scalars(select(Contact).where(Contact.client_token == "tok-words")).all() == []
    # Without the box the call is stored, with no letter.
    assert _post(client, world, form="phone", pledge_confirmed="").status_code == 303


def _letter_visit(world, on, *, status=ContactStatus.SUBMITTED, form=ContactForm.HOME_VISIT):
    visit = home_visit(world, on)
    visit.drowning_letter_delivered = True
    visit.form = form
    visit.status = status
    return visit


def test_the_class_figure_counts_each_student_once_this_school_year(client, login, world, ctx):
    login(world.head_teacher_name)
    page = _text(client.get(f"/classes/{world.class_a1}").get_data(as_text=True))
    assert "防溺水致家长一封信" in page and "0/2 名学生的家庭" in page
    # Two visits saw the letter at 王小明's home: he counts once. A visit last school year and
    # a withdrawn one do not count.
    _letter_visit(world, date(2026, 11, 2))
    _letter_visit(world, date(2026, 11, 16))
    _letter_visit(world, date(2026, 5, 20))
    _letter_visit(world, date(2026, 11, 18), status=ContactStatus.WITHDRAWN)
    ctx.commit()
    page = _text(client.get(f"/classes/{world.class_a1}").get_data(as_text=True))
    assert "50%" in page and "1/2 名学生的家庭" in page


def test_a_call_marked_with_the_letter_does_not_count(client, login, world, ctx):
    other = ctx.get(Student, world.other_student)
    visit = home_visit(world, date(2026, 11, 3))
    visit.family_id = other.family_id
    visit.family_links[0].family_id = other.family_id
    visit.form = ContactForm.PHONE
    visit.drowning_letter_delivered = True
    ctx.commit()
    login(world.head_teacher_name)
    page = _text(client.get(f"/classes/{world.class_a1}").get_data(as_text=True))
    assert "0/2 名学生的家庭" in page


def test_the_class_figure_is_the_schools_own(client, login, world, ctx):
    """王小明's sibling is in the junior school: school A's visit counts for A's classes only
    (each school's figures are computed from its own records)."""
    _letter_visit(world, date(2026, 11, 2))
    ctx.commit()
    login(world.other_school_teacher_name)
    page = _text(client.get(f"/classes/{world.class_b1}").get_data(as_text=True))
    assert "0/1 名学生的家庭" in page


def test_the_figure_follows_a_new_record_at_once(client, login, world, ctx):
    """The class page's figure is kept under the school's generation: a record sent through the
    form moves it on the next view."""
    login(world.head_teacher_name)
    assert "0/2 名学生的家庭" in _text(client.get(f"/classes/{world.class_a1}").get_data(True))
    assert _post(client, world, drowning_letter_delivered="y").status_code == 303
    assert "1/2 名学生的家庭" in _text(client.get(f"/classes/{world.class_a1}").get_data(True))


def test_the_roster_search_fragment_does_not_compute_it(client, login, world):
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}?q=王", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "防溺水" not in r.get_data(as_text=True)


def test_the_school_coverage_page_has_a_column_per_class(client, login, world, ctx):
    _letter_visit(world, date(2026, 11, 2))
    ctx.commit()
    login(world.principal_name)
    page = _text(client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True))
    assert "防溺水一封信" in page
    assert "防溺水致家长一封信送达（本学年）" in page
    assert "1/2" in page  # 三年级（1）班: 王小明 of 王小明 and 张伟


# ---- 3. 师德师风 in the parents' evaluation -----------------------------------------------------------


def test_a_parent_rates_the_teachers_conduct_and_the_leaders_see_it(client, login, world, ctx):
    login(world.parent_name)
    form = client.get(f"/contacts/{world.contact}").get_data(as_text=True)
    assert "老师的师德师风" in form and "不评" in form
    r = client.post(
        f"/contacts/{world.contact}/evaluation",
        data={
            "rating": "4", "feelings": "老师很耐心", "conduct_rating": "2",
            "conduct_opinion": "老师带走了家长送的水果。",
        },
    )  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    e = ctx.scalars(select(ContactEvaluation)).one()
    assert (e.rating, e.conduct_rating, e.conduct_opinion) == (4, 2, "老师带走了家长送的水果。")
    entry = ctx.scalars(select(AuditEntry).where(AuditEntry.action == "contact.evaluate")).one()
    assert "老师带走" not in str(entry.detail)  # fields, never contents
    client.post("/logout")
    login(world.principal_name)
    record = _text(client.get(f"/contacts/{world.contact}").get_data(as_text=True))
    assert "师德师风：★★☆☆☆" in record and "师德师风低分" in record
    assert "老师带走了家长送的水果。" in record
    # A low conduct rating is flagged like a low rating of the visit.
    listing = _text(client.get(f"/schools/{world.school_a}/contacts").get_data(as_text=True))
    assert "有 1 条家长低分评价" in listing
    low = _text(client.get(f"/schools/{world.school_a}/contacts?low=1").get_data(as_text=True))
    assert "师德师风 2 星" in low


def test_the_conduct_rating_may_be_left_out(client, login, world, ctx):
    login(world.parent_name)
    r = client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "5"})
    assert r.status_code == 303
    r = client.post(
        f"/contacts/{world.contact}/evaluation", data={"rating": "5", "conduct_rating": ""}
    )
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.scalars(select(ContactEvaluation.conduct_rating)).all() == [None]
    client.post("/logout")
    login(world.principal_name)
    assert "师德师风：未评" in client.get(f"/contacts/{world.contact}").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["9", "0", "-1", "abc", "3.5"])
def test_a_bad_conduct_rating_is_refused_and_kept(client, login, world, ctx, bad):
    login(world.parent_name)
    r = client.post(
        f"/contacts/{world.contact}/evaluation",
        data={"rating": "4", "conduct_rating": bad, "feelings": "老师很耐心",
              "conduct_opinion": "言行得体"},
    )  # fmt: skip
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "师德师风请选择 1 到 5 星，或不评" in page
    assert "老师很耐心" in page and "言行得体" in page
    assert ctx.scalars(select(ContactEvaluation)).all() == []


def test_the_service_refuses_a_conduct_rating_outside_1_to_5(world, ctx):
    """What the form lets through is checked again where the rule lives."""
    from gridapp.accounts.models import User
    from gridapp.contacts import services
    from gridapp.core.errors import RuleViolation

    parent = ctx.get(User, world.parent)
    contact = ctx.get(Contact, world.contact)
    for bad in (0, 6, "3"):
        with pytest.raises(RuleViolation) as refused:
            services.evaluate_contact(parent, contact, 4, "", "", bad, "")
        assert refused.value.field == "conduct_rating"
    ctx.rollback()
    e = services.evaluate_contact(parent, contact, 4, "", "", 5, "  言行得体 ")
    assert (e.conduct_rating, e.conduct_opinion, e.flagged) == (5, "言行得体", False)
    e = services.evaluate_contact(parent, contact, 5, "", "", 1, "")
    assert e.flagged and e.conduct_flagged
