"""Review (审核), parent evaluation, worklists and the pages that show them."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.contacts.models import Contact, ContactEvaluation, ContactStatus, QuotaSetting
from gridapp.core.audit import AuditEntry


def test_principal_returns_a_record_and_it_reaches_the_teachers_worklist(client, login, world, ctx):
    login(world.principal_name)
    page = client.get("/contacts?tab=review").get_data(as_text=True)
    assert f"/contacts/{world.contact}" in page
    r = client.post(f"/contacts/{world.contact}/review", data={"decision": "return"})
    assert r.status_code == 422  # a return needs a comment
    r = client.post(
        f"/contacts/{world.contact}/review",
        data={"decision": "return", "comment": "请补充家长的具体意见。"},
    )
    assert r.status_code == 303
    ctx.expire_all()
    c = ctx.get(Contact, world.contact)
    assert c.status is ContactStatus.RETURNED and c.reviewed_by_id == world.principal
    # Reviewing twice is an illegal move.
    again = client.post(f"/contacts/{world.contact}/review", data={"decision": "approve"})
    assert again.status_code in (404, 409)
    client.post("/logout")
    login(world.head_teacher_name)
    work = client.get("/worklist").get_data(as_text=True)
    assert "被退回的记录" in work and "请补充家长的具体意见。" in work
    home = client.get("/").get_data(as_text=True)
    assert "/worklist/summary" in home
    assert "条记录被退回" in client.get("/worklist/summary").get_data(as_text=True)


def test_head_teacher_reviews_records_of_their_class_but_not_their_own(client, login, world, ctx):
    login(world.head_teacher_name)  # recorded the world's contact
    assert (
        client.post(f"/contacts/{world.contact}/review", data={"decision": "approve"}).status_code
        == 404
    )
    # A record by the subject teacher about the same family: the head teacher may review it.
    from gridapp.accounts.models import User

    from .. import factories as f

    other = f.ContactFactory(
        recorded_by=ctx.get(User, world.subject_teacher),
        school_id=world.school_a,
        family_id=ctx.get(Contact, world.contact).family_id,
    )
    ctx.commit()
    assert f"/contacts/{other.id}" in client.get("/contacts?tab=review").get_data(as_text=True)
    r = client.post(f"/contacts/{other.id}/review", data={"decision": "approve"})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Contact, other.id).status is ContactStatus.REVIEWED
    assert ctx.scalars(select(AuditEntry).where(AuditEntry.action == "contact.review")).one()


def test_parent_sees_the_contact_without_internal_notes_and_rates_it(client, login, world, ctx):
    login(world.parent_name)
    listing = client.get("/my/contacts").get_data(as_text=True)
    assert f"/contacts/{world.contact}" in listing and "去评价" in listing
    page = client.get(f"/contacts/{world.contact}").get_data(as_text=True)
    assert "孩子在校表现良好。" in page and "建议每天陪伴阅读。" in page
    assert "父母均在本地工作。" not in page  # the teacher's notes on the family
    assert "修改历史" not in page
    # No audit entry for the parent's own view; photos stay with the staff.
    assert client.get(f"/contacts/{world.contact}/photos/{world.photo}").status_code == 404
    r = client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "9"})
    assert r.status_code == 422
    r = client.post(
        f"/contacts/{world.contact}/evaluation",
        data={"rating": "2", "feelings": "时间太短", "suggestions": "希望提前约时间"},
    )
    assert r.status_code == 303
    # Rating again replaces the first rating.
    client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "1"})
    ctx.expire_all()
    evaluations = ctx.scalars(select(ContactEvaluation)).all()
    assert [(e.rating, e.guardian_user_id) for e in evaluations] == [(1, world.parent)]
    client.post("/logout")
    login(world.principal_name)
    home = client.get("/").get_data(as_text=True)
    assert "<b>1</b><span>家长低分评价</span>" in home  # the home page's tile, linked below
    assert f'href="/schools/{world.school_a}/contacts?low=1"' in home
    flagged = client.get(f"/schools/{world.school_a}/contacts?low=1").get_data(as_text=True)
    assert f"/contacts/{world.contact}" in flagged
    detail = client.get(f"/contacts/{world.contact}").get_data(as_text=True)
    assert "低分" in detail


def test_another_parent_cannot_see_or_rate(client, login, world):
    login(world.other_parent_name)
    assert client.get(f"/contacts/{world.contact}").status_code == 404
    assert (
        client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "5"}).status_code
        == 404
    )


def test_withdrawn_records_vanish_for_the_parent(client, login, world, ctx):
    c = ctx.get(Contact, world.contact)
    c.status = ContactStatus.WITHDRAWN
    ctx.commit()
    login(world.parent_name)
    assert client.get(f"/contacts/{world.contact}").status_code == 404
    assert f"/contacts/{world.contact}" not in client.get("/my/contacts").get_data(as_text=True)


def test_class_worklist_names_the_teachers_who_still_owe(client, login, world):
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/worklist").get_data(as_text=True)
    assert "张伟" in page  # the other family of A1: nobody has contacted it
    assert "待联系" in page
    rule_only = client.get(f"/classes/{world.class_a1}/worklist?rule=remote").get_data(as_text=True)
    assert "张伟" in rule_only and "王小明" not in rule_only  # the head teacher phoned Wang's


def test_a_teacher_who_is_also_the_familys_parent_gets_the_parents_view(client, login, world, ctx):
    """The head teacher's own child is in the family: no notes, no photos, but a rating."""
    from gridapp.accounts.models import Role, User, UserRole
    from gridapp.people.models import Guardian

    from .. import factories as f

    teacher = ctx.get(User, world.other_class_teacher)
    teacher.roles.append(UserRole(role=Role.GUARDIAN))
    f.GuardianFactory(family=ctx.get(Contact, world.contact).family, user_id=teacher.id)
    ctx.commit()
    assert ctx.scalars(select(Guardian).where(Guardian.user_id == teacher.id)).one()
    login(world.other_class_teacher_name)
    r = client.get(f"/contacts/{world.contact}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200, page[-1500:]
    assert "孩子在校表现良好。" in page and "父母均在本地工作。" not in page
    assert client.get(f"/contacts/{world.contact}/photos/{world.photo}").status_code == 404
    r = client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "5"})
    assert r.status_code == 303


def test_subject_teachers_do_not_learn_who_the_focus_students_are(client, login, world, ctx):
    from gridapp.people.models import Student

    from .. import factories as f

    f.StudentFocusFactory(student=ctx.get(Student, world.other_student))
    ctx.commit()
    login(world.subject_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/worklist").get_data(as_text=True)
    assert "重点" not in page
    only_focus = client.get(f"/classes/{world.class_a1}/worklist?rule=focus")
    assert "张伟" not in only_focus.get_data(as_text=True)
    client.post("/logout")
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/worklist").get_data(as_text=True)
    assert "重点" in page


def test_reading_the_edit_page_and_photos_is_audited(client, login, world, ctx):
    login(world.head_teacher_name)
    client.get(f"/contacts/{world.contact}/edit")
    client.get(f"/contacts/{world.contact}/photos/{world.photo}")
    actions = ctx.scalars(select(AuditEntry.action).where(AuditEntry.object_id == world.contact))
    assert {"contact.view", "contact.photo_view"} <= set(actions)


def test_a_teacher_present_at_the_visit_cannot_review_it(client, login, world):
    login(world.subject_teacher_name)  # was at the world's visit
    r = client.post(f"/contacts/{world.contact}/review", data={"decision": "approve"})
    assert r.status_code == 404


def test_a_concurrent_change_is_a_409_not_a_500(client, login, world, ctx):
    """A revision with the version the next change will use: the database refuses the second."""
    from gridapp.contacts.models import ContactRevision

    c = ctx.get(Contact, world.contact)
    ctx.add(ContactRevision(
        contact_id=c.id, version=c.version, action="edit", changed_by_id=world.head_teacher,
        snapshot={},
    ))  # fmt: skip
    ctx.commit()
    login(world.head_teacher_name)
    r = client.post(f"/contacts/{world.contact}/withdraw", data={"reason": "重复记录"})
    assert r.status_code == 409 and "刷新页面" in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.get(Contact, world.contact).status is ContactStatus.SUBMITTED


def test_school_admin_changes_the_numbers(client, login, world, ctx):
    login(world.school_admin_name)
    form = {r: "2" for r in (
        "teacher_family", "head_teacher_remote", "focus_home_visit", "home_visit_two_years",
        "first_year_home_visit", "stage_primary", "stage_junior", "stage_senior",
    )}  # fmt: skip
    bad = client.post(f"/schools/{world.school_a}/quotas", data={**form, "teacher_family": "99"})
    assert bad.status_code == 422 and "0 到 20" in bad.get_data(as_text=True)
    assert ctx.scalars(select(QuotaSetting)).all() == []
    r = client.post(f"/schools/{world.school_a}/quotas", data={**form, "teacher_family": "3"})
    assert r.status_code == 303
    values = {s.rule.value: s.value for s in ctx.scalars(select(QuotaSetting))}
    assert values["teacher_family"] == 3
    client.post("/logout")
    login(world.principal_name)  # sees the numbers, cannot change them
    assert client.get(f"/schools/{world.school_a}/quotas").status_code == 200
    assert client.post(f"/schools/{world.school_a}/quotas", data=form).status_code == 404
