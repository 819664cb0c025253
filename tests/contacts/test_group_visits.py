"""Issue 22 item 9: one record of a group visit (团体家访) or a parents' meeting lists the
families present and counts for each, in every rule and figure: the teacher's quota, the
worklist, the archive, the parent's list, coverage and the families behind a figure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.contacts import rules
from gridapp.contacts.models import Contact, ContactFamily
from gridapp.people.models import Student

from .. import factories as f

TODAY = date(2026, 11, 23)


def _group(world, **over):
    data = {
        "client_token": "group-1", "students": [world.student],
        "group_students": [world.other_student], "contact_on": "2026-11-20", "form": "group",
        "place": "三楼会议室", "guidance_given": "一起讨论如何安排孩子的课外阅读。",
    }  # fmt: skip
    data.update(over)
    return data


def _post(client, world, **over):
    return client.post(f"/contacts/new?student={world.student}", data=_group(world, **over))


def _new(ctx) -> Contact:
    ctx.expire_all()
    return ctx.scalars(select(Contact).order_by(Contact.id.desc())).first()


def _teacher_count(ctx, world, family_id):
    p = rules.period_for(world.school_a, TODAY)
    tf = rules.teacher_family_status(p, teacher_id=world.head_teacher).subquery()
    return ctx.execute(select(tf.c.count).where(tf.c.family_id == family_id)).scalar_one()


def test_one_group_visit_counts_for_every_family_present(client, ctx, world, login):
    families = [ctx.get(Student, s).family_id for s in (world.student, world.other_student)]
    before = [_teacher_count(ctx, world, fam) for fam in families]
    login(world.head_teacher_name)
    page = client.get(f"/contacts/new?student={world.student}").get_data(as_text=True)
    assert "同时参加的其他家庭" in page and "张伟" in page
    assert _post(client, world).status_code == 303
    contact = _new(ctx)
    assert sorted(contact.family_ids) == sorted(families)
    assert contact.family_id == families[0]
    # The teacher rule counts it once for each family; the school-wide query agrees.
    assert [_teacher_count(ctx, world, fam) for fam in families] == [n + 1 for n in before]
    p = rules.period_for(world.school_a, TODAY)
    tf = rules.teacher_family_status(p).subquery()
    counts = dict(
        ctx.execute(
            select(tf.c.family_id, tf.c.count).where(tf.c.teacher_id == world.head_teacher)
        ).all()
    )
    assert [counts[fam] for fam in families] == [n + 1 for n in before]
    # The other family's archive shows it; the worklist's last contact is that day.
    page = client.get(
        f"/students/{world.other_student}/archive", query_string={"tab": "timeline"}
    ).get_data(as_text=True)
    assert f"/contacts/{contact.id}" in page
    page = client.get(f"/classes/{ctx.get(Student, world.other_student).class_id}/worklist")
    assert "上次联系：2026-11-20" in page.get_data(as_text=True).split("张伟")[1][:400]


def test_each_family_sees_it_without_the_others_children(client, ctx, world, login):
    login(world.head_teacher_name)
    assert _post(client, world).status_code == 303
    contact = _new(ctx)
    client.post("/logout")
    login(world.other_parent_name)
    page = client.get("/my/contacts").get_data(as_text=True)
    assert "团体家访" in page and "王小明" not in page
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "张伟" in page and "王小明" not in page
    r = client.post(f"/contacts/{contact.id}/evaluation", data={"rating": "5"})
    assert r.status_code == 303


def test_a_door_visit_is_one_family_and_the_families_must_be_taught(client, ctx, world, login):
    login(world.head_teacher_name)
    r = _post(client, world, form="home_visit", pledge_confirmed="y")
    assert r.status_code == 422
    assert "只能对应一个家庭" in r.get_data(as_text=True)
    # A child of a class the teacher does not teach is not offered, and refused if sent.
    r = _post(client, world, group_students=[world.student_a2])
    assert r.status_code == 422
    assert ctx.scalar(select(Contact.id).where(Contact.client_token == "group-1")) is None


def test_editing_a_group_visit_changes_the_families_present(client, ctx, world, login):
    login(world.head_teacher_name)
    assert _post(client, world).status_code == 303
    contact = _new(ctx)
    page = client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert "同时参加的其他家庭" in page and "checked" in page.split("张伟")[0][-200:]
    r = client.post(f"/contacts/{contact.id}/edit", data=_group(world, group_students=[]))
    assert r.status_code == 303
    contact = _new(ctx)
    assert contact.family_ids == [ctx.get(Student, world.student).family_id]
    links = ctx.scalars(select(ContactFamily).where(ContactFamily.contact_id == contact.id)).all()
    assert len(links) == 1


def test_coverage_counts_a_group_visit_for_each_family(client, ctx, world, login):
    head = ctx.get(Student, world.student)
    other = ctx.get(Student, world.other_student)
    p = rules.period_for(world.school_a, TODAY)
    before = rules.class_coverage(p, [head.class_id])[head.class_id].shares["teacher"]
    # Two group meetings with both families: the teacher rule (two a semester) is met for both.
    from gridapp.accounts.models import User

    teacher = ctx.get(User, world.head_teacher)
    for day in (date(2026, 10, 12), date(2026, 11, 16)):
        f.ContactFactory(
            recorded_by=teacher, school_id=world.school_a, family_id=head.family_id,
            families=[other.family_id], teachers=[teacher], contact_on=day,
            form=rules.ContactForm.GROUP,
        )  # fmt: skip
    ctx.commit()
    after = rules.class_coverage(p, [head.class_id])[head.class_id].shares["teacher"]
    assert after.met >= before.met + 1
    st = rules.teacher_family_status(p, teacher_id=world.head_teacher).subquery()
    met = dict(ctx.execute(select(st.c.family_id, st.c.met)).all())
    assert met[head.family_id] == 1 and met[other.family_id] == 1
    login(world.principal_name)
    page = client.get(
        f"/schools/{world.school_a}/coverage/families",
        query_string={"rule": "teacher", "met": 1, "class_id": head.class_id},
    ).get_data(as_text=True)
    assert "张伟" in page and "王小明" in page
