"""Issue 21 item 1: records that count only when they are real (seed 000 六, 002 §6, 004 §1). An
empty door visit is refused, a returned record stops counting until corrected, the school may
count reviewed records only, and how late each record was entered is kept and shown."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules, services
from gridapp.contacts.models import (
    Contact,
    ContactForm,
    ContactStatus,
    CountingSetting,
    FiguresCount,
)
from gridapp.core import generations
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.people.models import Student

from .. import factories as f
from .test_record import _contacts, _post

TODAY = date(2026, 11, 23)


def _teacher_count(ctx, school_id: int, teacher_id: int, family_id: int) -> int:
    p = rules.period_for(school_id, TODAY)
    tf = rules.teacher_family_status(p, teacher_id=teacher_id).subquery()
    rows = {r.family_id: r for r in ctx.execute(select(tf))}
    return rows[family_id].count


def _visits_count(ctx, school_id: int, student_id: int) -> int:
    p = rules.period_for(school_id, TODAY)
    st = rules.student_status(p).subquery()
    return {r.student_id: r for r in ctx.execute(select(st))}[student_id].focus_count


# ---- an empty door visit ---------------------------------------------------------------------------


def test_an_empty_door_visit_is_refused_beside_each_empty_field(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(client, world, family_situation="", said_about_school=" ", guidance_given="")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    message = "上门家访须写明家庭情况、与家长交流的内容和家庭教育指导"
    assert page.count(message) == 3  # beside each of the three empty fields
    assert "南湖区阳光花园3幢2单元501室" in page and "住处附近有河道" in page  # nothing lost
    assert _contacts(ctx, client_token="tok-1") == []


def test_one_empty_field_is_named_alone(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(client, world, guidance_given="")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert page.count("上门家访须写明家庭情况") == 1
    assert "父亲在外地务工" in page
    assert _contacts(ctx, client_token="tok-1") == []


def test_a_phone_call_needs_no_written_substance(client, login, world, ctx):
    login(world.head_teacher_name)
    r = _post(
        client, world, form="phone", pledge_confirmed="", family_situation="",
        said_about_school="", guidance_given="",
    )  # fmt: skip
    assert r.status_code == 303


def test_an_edit_that_empties_a_door_visit_is_refused(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _post(client, world).status_code == 303
    (contact,) = _contacts(ctx, client_token="tok-1")
    from .test_record import _form

    data = _form(world, family_situation="")
    r = client.post(f"/contacts/{contact.id}/edit", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and "上门家访须写明家庭情况" in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.get(Contact, contact.id).family_situation == "父亲在外地务工，平时由母亲照顾。"


# ---- returned records and the school's choice ------------------------------------------------------


def _home_visit(ctx, world, status=ContactStatus.SUBMITTED):
    head = ctx.get(User, world.head_teacher)
    student = ctx.get(Student, world.student)
    c = f.ContactFactory(
        recorded_by=head, school_id=world.school_a, family_id=student.family_id, teachers=[head],
        contact_on=date(2026, 11, 2), form=ContactForm.HOME_VISIT, status=status,
    )  # fmt: skip
    ctx.commit()
    return c


def test_a_returned_record_drops_out_of_the_figures_and_returns_when_corrected(app, ctx, world):
    family = ctx.get(Student, world.student).family_id
    before = _teacher_count(ctx, world.school_a, world.head_teacher, family)
    visits_before = _visits_count(ctx, world.school_a, world.student)
    visit = _home_visit(ctx, world)
    assert _teacher_count(ctx, world.school_a, world.head_teacher, family) == before + 1
    assert _visits_count(ctx, world.school_a, world.student) == visits_before + 1
    principal = ctx.get(User, world.principal)
    with app.test_request_context():
        services.review_contact(principal, visit, approve=False, comment="请补充家庭教育指导")
    ctx.commit()
    assert _teacher_count(ctx, world.school_a, world.head_teacher, family) == before
    assert _visits_count(ctx, world.school_a, world.student) == visits_before
    # Corrected by its author: sent again, it counts again.
    head = ctx.get(User, world.head_teacher)
    data = services.ContactData(
        student_ids=[world.student], contact_on=visit.contact_on, form=ContactForm.HOME_VISIT,
        family_situation="父母在本地工作。", said_about_school="上课认真。",
        guidance_given="每天陪伴阅读二十分钟。", pledge_confirmed=True,
    )  # fmt: skip
    with app.test_request_context():
        services.update_contact(head, visit, data, TODAY)
    ctx.commit()
    assert visit.status is ContactStatus.SUBMITTED
    assert _teacher_count(ctx, world.school_a, world.head_teacher, family) == before + 1
    assert _visits_count(ctx, world.school_a, world.student) == visits_before + 1


def test_a_returned_record_leaves_the_coverage_page(client, login, world, ctx, app, monkeypatch):
    # Kept figures serve up to FIGURES_MAX_AGE once the generation moved (reports.snapshots):
    # none here, so the page shows the figures as they are now.
    monkeypatch.setitem(app.config, "FIGURES_MAX_AGE", 0)
    visit = _home_visit(ctx, world)
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    with_visit = _home_visits_shown(page)
    principal = ctx.get(User, world.principal)
    with app.test_request_context():
        services.review_contact(principal, ctx.get(Contact, visit.id), False, "内容太少")
    ctx.commit()
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert _home_visits_shown(page) == with_visit - 1


def _home_visits_shown(page: str) -> int:
    marker = "次上门家访（本学期）"
    head = page[: page.index(marker)]
    return int(head[head.rindex("<b>") + 3 : head.rindex("</b>")])


def test_the_school_may_count_reviewed_records_only(app, ctx, world):
    family = ctx.get(Student, world.student).family_id
    submitted = _home_visit(ctx, world)
    _home_visit(ctx, world, status=ContactStatus.REVIEWED)
    all_but_returned = _teacher_count(ctx, world.school_a, world.head_teacher, family)
    admin = ctx.get(User, world.school_admin)
    reviewed = ctx.scalar(
        select(Contact.id).where(
            Contact.school_id == world.school_a,
            Contact.status == ContactStatus.REVIEWED,
            Contact.id.in_([c.id for c in ctx.scalars(select(Contact))]),
        )
    )
    assert reviewed is not None
    with app.test_request_context():
        services.set_counting(admin, world.school_a, FiguresCount.REVIEWED_ONLY, 7)
    ctx.commit()
    p = rules.period_for(world.school_a, TODAY)
    assert p.reviewed_only
    reviewed_only = _teacher_count(ctx, world.school_a, world.head_teacher, family)
    # Every submitted record (the world's own and the new visit) no longer counts.
    live = ctx.scalars(
        select(Contact).where(
            Contact.school_id == world.school_a, Contact.status == ContactStatus.SUBMITTED
        )
    ).all()
    assert submitted.id in {c.id for c in live}
    assert reviewed_only < all_but_returned
    # Reviewing the submitted visit makes it count.
    principal = ctx.get(User, world.principal)
    with app.test_request_context():
        services.review_contact(principal, ctx.get(Contact, submitted.id), True, "")
    ctx.commit()
    assert _teacher_count(ctx, world.school_a, world.head_teacher, family) == reviewed_only + 1


def test_the_counting_setting_on_the_quota_page(client, login, world, ctx):
    login(world.school_admin_name)
    form = {r: "2" for r in (
        "teacher_family", "head_teacher_remote", "focus_home_visit", "home_visit_two_years",
        "first_year_home_visit", "stage_primary", "stage_junior", "stage_senior",
    )}  # fmt: skip
    page = client.get(f"/schools/{world.school_a}/quotas").get_data(as_text=True)
    assert "统计计入哪些记录" in page and "除被退回的记录外都计入" in page
    bad = client.post(
        f"/schools/{world.school_a}/quotas",
        data={**form, "figures_count": "reviewed_only", "late_entry_days": "0"},
    )
    assert bad.status_code == 422 and "1 到 60" in bad.get_data(as_text=True)
    assert ctx.scalars(select(CountingSetting)).all() == []
    bad = client.post(
        f"/schools/{world.school_a}/quotas",
        data={**form, "figures_count": "every_scrap", "late_entry_days": "5"},
    )
    assert bad.status_code == 422
    assert ctx.scalars(select(CountingSetting)).all() == []
    r = client.post(
        f"/schools/{world.school_a}/quotas",
        data={**form, "figures_count": "reviewed_only", "late_entry_days": "10"},
    )
    assert r.status_code == 303
    (row,) = ctx.scalars(select(CountingSetting)).all()
    assert (row.school_id, row.figures_count, row.late_entry_days) == (
        world.school_a, FiguresCount.REVIEWED_ONLY, 10,
    )  # fmt: skip
    assert ctx.scalar(select(AuditEntry.id).where(AuditEntry.action == "counting.update"))
    # Sent without the counting fields (an older form): the school's choice stays.
    assert client.post(f"/schools/{world.school_a}/quotas", data=form).status_code == 303
    ctx.expire_all()
    assert ctx.get(CountingSetting, row.id).figures_count is FiguresCount.REVIEWED_ONLY
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "只计入已审核的记录" in page and "超过 10 天" in page


def test_a_district_viewer_sees_the_setting_but_cannot_change_it(client, login, world, ctx):
    login(world.district_supervisor_name)
    page = client.get(f"/schools/{world.school_a}/quotas")
    assert page.status_code == 200 and "除被退回的记录外都计入" in page.get_data(as_text=True)
    r = client.post(f"/schools/{world.school_a}/quotas", data={"figures_count": "reviewed_only"})
    assert r.status_code == 404
    assert ctx.scalars(select(CountingSetting)).all() == []


def test_the_counting_setting_moves_the_schools_generation(app, world):
    with app.app_context():
        at = generations.generations([world.school_a, world.school_b])
        admin = db.session.get(User, world.school_admin)
        with app.test_request_context():
            services.set_counting(admin, world.school_a, FiguresCount.REVIEWED_ONLY, 7)
        db.session.commit()
        now_at = generations.generations([world.school_a, world.school_b])
        assert now_at == {
            world.school_a: at[world.school_a] + 1,
            world.school_b: at[world.school_b],
        }


# ---- how late a record was entered -----------------------------------------------------------------


def test_how_late_a_record_was_entered_is_kept_and_shown_per_teacher(client, login, world, ctx):
    login(world.head_teacher_name)
    assert _post(client, world, contact_on="2026-11-01").status_code == 303  # 22 days late
    assert _post(client, world, client_token="tok-2", contact_on="2026-11-20").status_code == 303
    late, on_time = _contacts(ctx, recorded_by_id=world.head_teacher)[-2:]
    assert (late.entered_days_late, on_time.entered_days_late) == (22, 3)
    page = client.get(f"/contacts/{late.id}").get_data(as_text=True)
    assert "联系后 22 天录入" in page
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "补录" in page and "超过 7 天" in page
    p = rules.period_for(world.school_a, TODAY)
    row = rules.teacher_coverage(p)[world.head_teacher]
    assert row.late_entries == 1 and row.entries >= 2
    assert f"{row.late_entries}/{row.entries}" in page


def test_the_late_entry_threshold_is_the_schools(app, ctx, world, client, login):
    login(world.head_teacher_name)
    assert _post(client, world, contact_on="2026-11-01").status_code == 303  # 22 days late
    p = rules.period_for(world.school_a, TODAY)
    assert rules.teacher_coverage(p)[world.head_teacher].late_entries == 1
    admin = ctx.get(User, world.school_admin)
    with app.test_request_context():
        services.set_counting(admin, world.school_a, FiguresCount.ALL_BUT_RETURNED, 30)
    ctx.commit()
    p = rules.period_for(world.school_a, TODAY)
    assert rules.teacher_coverage(p)[world.head_teacher].late_entries == 0


def test_entered_days_late_is_counted_in_shanghai_days():
    assert services.entered_days_late(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert services.entered_days_late(date(2026, 11, 23), date(2026, 11, 15)) == 8
    assert services.entered_days_late(date(2026, 11, 23), date(2026, 11, 30)) == 0
