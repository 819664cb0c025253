"""Leaders who visit (issue 21 item 2; seed 000 五, 001 学校领导带头, 002 §1, §5): a principal
who teaches no class records contacts with any family of the school and is named present at
any; a joint visit names the people from outside the school; a leader of another school gets
404 and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import Role
from gridapp.contacts.models import Contact
from gridapp.extensions import db

from .. import factories as f

JOINT = "社区网格员张某、妇联李某、关工委王某"


def _form(world, student, token, **over):
    data = {
        "client_token": token,
        "students": [student],
        "contact_on": "2026-11-20",
        "form": "home_visit",
        "place": "家中",
        "family_situation": "祖父母照顾，父母在外地。",
        "said_about_school": "介绍了孩子在校的学习情况。",
        "guidance_given": "建议每周和父母视频。",
        "joint_visitors": JOINT,
        "pledge_confirmed": "y",
    }
    data.update(over)
    return data


def _count(ctx, **where):
    ctx.expire_all()
    return ctx.scalar(select(func.count(Contact.id)).filter_by(**where))


def test_a_principal_who_teaches_no_class_records_a_joint_door_visit(client, login, world, ctx):
    login(world.principal_name)
    assert client.get("/contacts/new").status_code == 200  # the picker: the school's students
    picker = client.get("/contacts/new?q=陈静").get_data(as_text=True)
    assert "陈静" in picker  # A2's, a class the principal does not teach
    other = client.get("/contacts/new?q=刘洋").get_data(as_text=True)  # school C's student
    assert f"student={world.student_c1}" not in other and "没有找到" in other
    assert client.get(f"/contacts/new?student={world.student_a2}").status_code == 200
    r = client.post(
        f"/contacts/new?student={world.student_a2}",
        data=_form(world, world.student_a2, "lead-1", teacher_ids=[world.other_class_teacher]),
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    ctx.expire_all()
    c = ctx.scalar(select(Contact).where(Contact.client_token == "lead-1"))
    assert c.recorded_by_id == world.principal and c.school_id == world.school_a
    assert sorted(c.teacher_ids) == sorted([world.principal, world.other_class_teacher])
    assert c.joint_visitors == JOINT
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert JOINT in page and "联合家访的校外人员" in page
    # The leader edits their own record (the form starts from a student of their school).
    assert client.get(f"/contacts/{c.id}/edit").status_code == 200


def test_a_head_teacher_names_the_principal_present(client, login, world, ctx):
    login(world.head_teacher_name)
    page = client.get(f"/contacts/new?student={world.student}").get_data(as_text=True)
    assert f'value="{world.principal}"' in page and "（校领导）" in page
    r = client.post(
        f"/contacts/new?student={world.student}",
        data=_form(
            world, world.student, "lead-2", teacher_ids=[world.principal], joint_visitors=""
        ),
    )
    assert r.status_code == 303
    ctx.expire_all()
    c = ctx.scalar(select(Contact).where(Contact.client_token == "lead-2"))
    assert world.principal in c.teacher_ids and c.joint_visitors == ""


@pytest.fixture
def other_principal(ctx, world):
    """The principal of school B (the sibling's school), who teaches nothing."""
    from gridapp.schools.models import School

    b = ctx.get(School, world.school_b)
    user = f.UserFactory(username="other_principal", grants=[(Role.PRINCIPAL, b)],
                         district_id=b.district_id)  # fmt: skip
    ctx.commit()
    return user.id


def test_a_leader_of_another_school_records_nothing_for_this_schools_family(
    client, login, world, ctx, other_principal
):
    login("other_principal")
    before = _count(ctx)
    assert client.get(f"/contacts/new?student={world.student}").status_code == 404
    r = client.post(
        f"/contacts/new?student={world.student}", data=_form(world, world.student, "lead-3")
    )
    assert r.status_code == 404
    # From the sibling at their own school, naming the younger child at school A: refused.
    r = client.post(
        f"/contacts/new?student={world.sibling}",
        data=_form(world, world.student, "lead-4"),
    )
    assert r.status_code == 422
    assert _count(ctx) == before


def test_a_leader_of_another_school_is_not_named_present(
    client, login, world, ctx, other_principal
):
    login(world.head_teacher_name)
    before = _count(ctx)
    r = client.post(
        f"/contacts/new?student={world.student}",
        data=_form(world, world.student, "lead-5", teacher_ids=[other_principal]),
    )
    assert r.status_code == 422
    assert _count(ctx) == before
    # The service refuses it too (the form's choices aside), with its Chinese message.
    from gridapp.accounts.models import User
    from gridapp.contacts import services
    from gridapp.contacts.models import ContactForm
    from gridapp.core.errors import RuleViolation
    from gridapp.core.time import today

    data = services.ContactData(
        student_ids=[world.student], contact_on=today(), form=ContactForm.PHONE,
        teacher_ids=[other_principal],
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="本校领导"):
        services.record_contact(db.session.get(User, world.head_teacher), data, today(), "x" * 24)


def test_joint_visitors_too_long_is_refused_with_what_was_typed_kept(client, login, world, ctx):
    login(world.principal_name)
    long = "社区" * 101
    r = client.post(
        f"/contacts/new?student={world.student}",
        data=_form(world, world.student, "lead-6", joint_visitors=long),
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "200" in page and long in page
    assert _count(ctx, client_token="lead-6") == 0


def test_a_leader_who_teaches_nothing_is_not_sent_to_a_worklist_they_cannot_open(
    client, login, world, other_principal
):
    login("other_principal")
    page = client.get(f"/contacts/new?student={world.sibling}").get_data(as_text=True)
    assert 'href="/worklist"' not in page
    assert client.get("/worklist").status_code == 404
