"""Opinions heard at the door enter the closed loop (issue 21 item 3; seed 004 §13, 001 5.4): a
parent's opinion written on a contact is raised once as a case (source 家访, the words
verbatim, the contact linked) by its authors, the head teacher or a leader; the case's answer is
shown on the contact's page; twice, even at the same moment, is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.cases import services
from gridapp.cases.models import Case, CaseCategory, CaseSource, CaseStatus
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.extensions import db

from .. import factories as f
from ..concurrency import race, refusals

OPINION = "  希望学校食堂增加蔬菜，\n孩子说午饭太油。 "


def _with_opinion(ctx, world, recorder="head_teacher", **kw) -> int:
    user = ctx.get(User, getattr(world, recorder))
    from gridapp.people.models import Student

    contact = f.ContactFactory(
        recorded_by=user, school_id=world.school_a,
        family_id=ctx.get(Student, world.student).family_id, teachers=[user],
        parents_opinions=OPINION, **kw,
    )  # fmt: skip
    ctx.commit()
    return contact.id


def _cases(ctx, contact_id):
    ctx.expire_all()
    return ctx.scalars(select(Case).where(Case.contact_id == contact_id)).all()


def test_the_recorder_raises_the_opinion_and_sees_the_answer_on_the_record(
    client, login, world, ctx
):
    contact_id = _with_opinion(ctx, world)
    login(world.head_teacher_name)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "转为意见办理" in page
    r = client.post(f"/contacts/{contact_id}/case", data={"category": "canteen"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/contacts/{contact_id}")
    [case] = _cases(ctx, contact_id)
    assert case.source is CaseSource.CONTACT and case.category is CaseCategory.CANTEEN
    assert case.words == OPINION.strip()  # verbatim (the outer blanks aside)
    assert case.family_id == ctx.get(Contact, contact_id).family_id
    assert case.status is CaseStatus.REGISTERED
    # Heard on the visit's day (10 October); due counting from the day the record was stored
    # (today in the tests' clock), so an old visit's opinion is not overdue when raised.
    from gridapp.core.time import local, today

    assert local(case.received_at).date().isoformat() == "2026-10-10"
    assert case.due_from == today() and case.due_on > today()
    assert case.recorded_by_id == world.head_teacher
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert f"意见 #{case.id}" in page and "尚未答复" in page and "转为意见办理" not in page
    # The principal answers; the answer is on the record.
    services.reply(ctx.get(User, world.principal), case, "已要求食堂每餐增加一份蔬菜。")
    ctx.commit()
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "已要求食堂每餐增加一份蔬菜。" in page and "已反馈" in page
    # The case links back to the record.
    login(world.principal_name)
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/contacts/{contact_id}" in case_page and "家访" in case_page


def test_raising_twice_is_refused_with_the_case_named(client, login, world, ctx):
    contact_id = _with_opinion(ctx, world)
    login(world.principal_name)
    assert (
        client.post(f"/contacts/{contact_id}/case", data={"category": "other"}).status_code == 303
    )
    r = client.post(f"/contacts/{contact_id}/case", data={"category": "teaching"})
    assert r.status_code == 409
    [case] = _cases(ctx, contact_id)
    assert f"已经转为意见 #{case.id}" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "who, status",
    [("subject_teacher", 404), ("other_school_teacher", 404), ("parent", 404),
     ("head_teacher", 303), ("school_admin", 303)],
)  # fmt: skip
def test_who_may_raise_it(client, login, world, ctx, who, status):
    # Recorded by the subject teacher alone: the head teacher of the class and the leaders may
    # raise it; a subject teacher who was not there (the other school's head teacher of the
    # sibling here) may not, nor the parent.
    contact_id = _with_opinion(ctx, world, recorder="subject_teacher")
    if who == "subject_teacher":
        contact_id = _with_opinion(ctx, world, recorder="head_teacher")
    login(getattr(world, f"{who}_name"))
    r = client.post(f"/contacts/{contact_id}/case", data={"category": "other"})
    assert r.status_code == status
    assert len(_cases(ctx, contact_id)) == (1 if status == 303 else 0)


def test_bad_input_is_refused_in_chinese_and_changes_nothing(client, login, world, ctx):
    login(world.head_teacher_name)
    empty = _with_opinion(ctx, world)
    ctx.get(Contact, empty).parents_opinions = "   "
    ctx.commit()
    r = client.post(f"/contacts/{empty}/case", data={"category": "other"})
    assert r.status_code == 422 and "没有填写家长的意见和建议" in r.get_data(as_text=True)
    contact_id = _with_opinion(ctx, world)
    r = client.post(f"/contacts/{contact_id}/case", data={"category": "nonsense"})
    assert r.status_code == 422
    withdrawn = _with_opinion(ctx, world, status=ContactStatus.WITHDRAWN)
    r = client.post(f"/contacts/{withdrawn}/case", data={"category": "other"})
    assert r.status_code == 409 and "已撤回的记录" in r.get_data(as_text=True)
    for cid in (empty, contact_id, withdrawn):
        assert _cases(ctx, cid) == []


def test_the_archive_shows_the_raised_opinion_only_to_those_who_read_the_notes(
    client, login, world, ctx
):
    contact_id = _with_opinion(ctx, world)
    case = services.raise_from_contact(
        ctx.get(User, world.head_teacher), ctx.get(Contact, contact_id), CaseCategory.CANTEEN
    )
    ctx.commit()
    url = f"/students/{world.student}/archive?tab=timeline&kind=case"
    login(world.subject_teacher_name)  # not at this contact
    page = client.get(url).get_data(as_text=True)
    assert f"/cases/{case.id}" in page and "午饭太油" not in page
    login(world.head_teacher_name)
    assert "午饭太油" in client.get(url).get_data(as_text=True)


@pytest.mark.commits
def test_two_raises_at_the_same_moment_make_one_case(app, world):
    with app.app_context():
        head = db.session.get(User, world.head_teacher)
        contact = db.session.get(Contact, world.contact)
        contact.parents_opinions = "希望多开展亲子活动。"
        db.session.commit()

    def raise_it(category):
        def action():
            user = db.session.get(User, world.head_teacher)
            return services.raise_from_contact(
                user, db.session.get(Contact, world.contact), category
            ).id

        return action

    results = race(app, raise_it(CaseCategory.OTHER), raise_it(CaseCategory.TEACHING))
    assert len(refusals(results)) == 1, results
    assert "已经转为意见" in refusals(results)[0]
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Case.id)).where(Case.contact_id == world.contact)
        )
        assert count == 1
        assert head is not None
