"""Issue 21 item 4: follow-up visits (回访) with due dates (seed 001 八必访 跟踪回访, 003, 000
七(四)). A record plans one with a form and a due date (not before the contact); it stays on its
author's worklist and home page until a later record of the family is linked to it; overdue ones
are counted on the school's figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import follow_ups, rules, services
from gridapp.contacts.models import Contact, ContactForm, FollowUp
from gridapp.core import generations
from gridapp.extensions import db

from .test_record import _contacts, _form, _post

TODAY = date(2026, 11, 23)


def _plan(client, world, token="tok-1", on="2026-11-20", due="2026-12-10", form="home_visit"):
    return _post(
        client, world, client_token=token, contact_on=on, follow_up_form=form,
        follow_up_due_on=due,
    )  # fmt: skip


def test_a_follow_up_due_before_the_contact_is_refused(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _plan(client, world, due="2026-11-19")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "回访日期不能早于本次联系日期（2026-11-20）" in page
    assert "南湖区阳光花园3幢2单元501室" in page and "2026-11-19" in page  # nothing lost
    assert _contacts(ctx, client_token="tok-1") == []
    assert ctx.scalars(select(FollowUp)).all() == []


def test_a_follow_up_needs_its_form_and_its_date(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _plan(client, world, due="")
    assert r.status_code == 422 and "请填写回访的截止日期" in r.get_data(as_text=True)
    r = _plan(client, world, form="")
    assert r.status_code == 422 and "请选择回访方式" in r.get_data(as_text=True)
    r = _plan(client, world, form="pigeon")
    assert r.status_code == 422
    assert _contacts(ctx, client_token="tok-1") == []
    assert ctx.scalars(select(FollowUp)).all() == []


def test_a_follow_up_appears_is_met_and_leaves_the_worklist(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    (planned,) = ctx.scalars(select(FollowUp)).all()
    assert (planned.form, planned.due_on, planned.met_by_id) == (
        ContactForm.HOME_VISIT, date(2026, 12, 10), None,
    )  # fmt: skip
    assert planned.teacher_id == world.head_teacher
    page = client.get("/worklist").get_data(as_text=True)
    assert 'id="follow-ups"' in page and "待完成的回访" in page and "截止 2026-12-10" in page
    summary = client.get("/worklist/summary").get_data(as_text=True)
    assert "项回访待完成" in summary
    # The next record for the family offers the open follow-up, chosen from the worklist's link.
    new = client.get(f"/contacts/new?student={world.student}&follow_up={planned.id}")
    text = new.get_data(as_text=True)
    assert "这是哪项回访" in text and f'<option selected value="{planned.id}">' in text
    r = _post(
        client, world, client_token="tok-2", contact_on="2026-11-22",
        meets_follow_up=str(planned.id),
    )  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    (meeting,) = _contacts(ctx, client_token="tok-2")
    assert ctx.get(FollowUp, planned.id).met_by_id == meeting.id
    page = client.get("/worklist").get_data(as_text=True)
    assert 'id="follow-ups"' not in page
    assert "项回访待完成" not in client.get("/worklist/summary").get_data(as_text=True)
    shown = client.get(f"/contacts/{planned.contact_id}").get_data(as_text=True)
    assert "已完成" in shown
    assert "安排的回访" in client.get(f"/contacts/{meeting.id}").get_data(as_text=True)


def test_withdrawing_the_meeting_record_opens_the_follow_up_again(client, login, world, ctx, app):
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    (planned,) = ctx.scalars(select(FollowUp)).all()
    assert _post(
        client, world, client_token="tok-2", contact_on="2026-11-22",
        meets_follow_up=str(planned.id),
    ).status_code == 303  # fmt: skip
    (meeting,) = _contacts(ctx, client_token="tok-2")
    head = ctx.get(User, world.head_teacher)
    with app.test_request_context():
        services.withdraw_contact(head, ctx.get(Contact, meeting.id), "记错了家庭")
    ctx.commit()
    ctx.expire_all()
    assert ctx.get(FollowUp, planned.id).met_by_id is None
    assert [f.id for f in follow_ups.teacher_open(head, TODAY)] == [planned.id]


def test_a_follow_up_cannot_be_met_by_an_earlier_record_or_a_forged_id(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    (planned,) = ctx.scalars(select(FollowUp)).all()
    r = _post(
        client, world, client_token="tok-2", contact_on="2026-11-18",
        meets_follow_up=str(planned.id),
    )  # fmt: skip
    assert r.status_code == 422 and "回访不能早于原记录的日期" in r.get_data(as_text=True)
    for forged in ("999999", "abc", "-3"):
        r = _post(client, world, client_token="tok-3", meets_follow_up=forged)
        assert r.status_code == 422 and "这项回访已完成或不属于这个家庭" in r.get_data(as_text=True)
    assert _contacts(ctx, client_token="tok-2") == [] and _contacts(ctx, client_token="tok-3") == []
    assert ctx.get(FollowUp, planned.id).met_by_id is None


def test_overdue_follow_ups_are_counted_on_the_schools_figures(
    client, login, world, ctx, monkeypatch, app
):
    monkeypatch.setitem(app.config, "FIGURES_MAX_AGE", 0)
    login(world.head_teacher_name)
    assert _plan(client, world, on="2026-11-10", due="2026-11-20").status_code == 303
    assert _plan(client, world, token="tok-2", due="2026-12-20").status_code == 303
    assert rules.overdue_follow_ups(world.school_a, TODAY) == 1
    p = rules.period_for(world.school_a, TODAY)
    assert rules.teacher_coverage(p)[world.head_teacher].follow_ups_overdue == 1
    page = client.get("/worklist").get_data(as_text=True)
    assert "已逾期（2026-11-20）" in page
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "项回访已逾期" in page and "逾期回访" in page


def test_the_edit_form_keeps_and_changes_the_plan(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    (planned,) = ctx.scalars(select(FollowUp)).all()
    page = client.get(f"/contacts/{planned.contact_id}/edit").get_data(as_text=True)
    assert 'value="2026-12-10"' in page
    data = _form(
        world, contact_on="2026-11-20", follow_up_form="phone", follow_up_due_on="2026-11-01"
    )
    r = client.post(
        f"/contacts/{planned.contact_id}/edit", data=data, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and "回访日期不能早于本次联系日期" in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.get(FollowUp, planned.id).form is ContactForm.HOME_VISIT
    data["follow_up_due_on"] = "2026-12-01"
    r = client.post(
        f"/contacts/{planned.contact_id}/edit", data=data, content_type="multipart/form-data"
    )
    assert r.status_code == 303
    ctx.expire_all()
    row = ctx.get(FollowUp, planned.id)
    assert (row.form, row.due_on) == (ContactForm.PHONE, date(2026, 12, 1))
    data.update(follow_up_form="", follow_up_due_on="")
    r = client.post(
        f"/contacts/{planned.contact_id}/edit", data=data, content_type="multipart/form-data"
    )
    assert r.status_code == 303
    assert ctx.scalars(select(FollowUp)).all() == []


def test_another_teacher_does_not_see_the_follow_up_on_their_worklist(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    login(world.subject_teacher_name)
    assert 'id="follow-ups"' not in client.get("/worklist").get_data(as_text=True)


def test_a_follow_up_moves_its_schools_generation(app, world, client, login):
    with app.app_context():
        at = generations.generations([world.school_a, world.school_b])
    login(world.head_teacher_name)
    assert _plan(client, world).status_code == 303
    with app.app_context():
        now_at = generations.generations([world.school_a, world.school_b])
        assert now_at[world.school_a] > at[world.school_a]
        assert now_at[world.school_b] == at[world.school_b]
        row = db.session.scalars(select(FollowUp)).one()
        before = generations.generations([world.school_a])[world.school_a]
        row.due_on = date(2026, 12, 30)
        db.session.commit()
        assert generations.generations([world.school_a])[world.school_a] == before + 1
