"""The student page: guardians with masked phones, revealing a number, editing, siblings."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Family, Gender, Guardian, Student, StudentGuardian
from gridapp.people.services import link_guardian
from tests import factories as f

FULL = "13812345678"  # the world's guardian 李芳
MASKED = "138****5678"


def _edit_data(**changes):
    data = {
        "name": "王小明",
        "gender": "male",
        "birth_on": "2017-05-01",
        "address": "南湖区阳光花园3幢2单元501室",
        "community": "阳光花园",
    }
    data.update(changes)
    return data


def test_student_page_shows_guardians_with_masked_phones(client, world, login):
    login(world.head_teacher_name)
    r = client.get(f"/students/{world.student}")
    assert r.status_code == 200
    html = r.text
    assert "李芳" in html
    assert MASKED in html
    assert FULL not in html
    assert "显示号码" in html


def test_reveal_returns_the_full_number_and_is_audited(app, client, world, login):
    login(world.subject_teacher_name)
    r = client.post(
        f"/students/{world.student}/guardians/{world.guardian}/phone",
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert FULL in r.text
    assert "<html" not in r.text
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "guardian.phone.view")
        ).all()
        assert entry.actor_id == world.subject_teacher
        assert entry.object_type == "guardians"
        assert entry.object_id == world.guardian
        assert entry.school_id == world.school_a
        assert entry.detail["student_id"] == world.student


def test_reveal_is_post_only(client, world, login):
    login(world.head_teacher_name)
    r = client.get(f"/students/{world.student}/guardians/{world.guardian}/phone")
    assert r.status_code == 405


def test_reveal_of_a_guardian_of_another_student_is_404(app, client, world, login):
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/guardians/{world.other_guardian}/phone")
    assert r.status_code == 404
    r = client.post(f"/students/{world.student}/guardians/999999/phone")
    assert r.status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guardian.phone.view"))
            is None
        )


def test_parent_sees_their_child_without_reveal(client, world, login):
    login(world.parent_name)
    r = client.get(f"/students/{world.student}")
    assert r.status_code == 200
    html = r.text
    assert "王小明" in html
    assert "显示号码" not in html
    assert "/phone" not in html
    assert (
        client.post(f"/students/{world.student}/guardians/{world.guardian}/phone").status_code
        == 404
    )
    # And not another family's child.
    assert client.get(f"/students/{world.other_student}").status_code == 404


def test_parent_sees_the_sibling_in_another_school(client, world, login):
    login(world.parent_name)
    html = client.get(f"/students/{world.student}").text
    assert "王小红" in html
    assert f'href="/students/{world.sibling}"' in html
    assert client.get(f"/students/{world.sibling}").status_code == 200


def test_teacher_sees_sibling_name_but_no_link_outside_their_world(client, world, login):
    login(world.head_teacher_name)
    html = client.get(f"/students/{world.student}").text
    assert "王小红" in html
    assert f'href="/students/{world.sibling}"' not in html


def test_head_teacher_edits_the_student(app, client, world, login):
    login(world.head_teacher_name)
    assert client.get(f"/students/{world.student}/edit").status_code == 200
    r = client.post(
        f"/students/{world.student}/edit", data=_edit_data(name="王晓明", community="锦绣家园")
    )
    assert r.status_code == 303
    assert r.headers["Location"] == f"/students/{world.student}"
    with app.app_context():
        s = db.session.get(Student, world.student)
        assert (s.name, s.community, s.gender) == ("王晓明", "锦绣家园", Gender.MALE)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "student.update"))
        assert entry.actor_id == world.head_teacher
        assert entry.detail["fields"] == ["community", "gender", "name"]
    assert "王晓明" in client.get(f"/students/{world.student}").text


def test_subject_teacher_cannot_edit(client, world, login):
    login(world.subject_teacher_name)
    r = client.post(f"/students/{world.student}/edit", data=_edit_data(name="改名"))
    assert r.status_code == 404


def test_future_birth_date_is_422_in_chinese(app, client, world, login):
    login(world.head_teacher_name)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    r = client.post(
        f"/students/{world.student}/edit", data=_edit_data(name="王晓明", birth_on=tomorrow)
    )
    assert r.status_code == 422
    html = r.text
    assert re.search(r'id="birth_on-error">[^<]*出生日期须早于今天', html)
    assert f'value="{tomorrow}"' in html
    assert 'value="王晓明"' in html  # the rest of the input is kept
    with app.app_context():
        s = db.session.get(Student, world.student)
        assert (s.name, s.birth_on) == ("王小明", date(2017, 5, 1))


def test_implausible_birth_date_and_empty_name(client, world, login):
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/edit", data=_edit_data(birth_on="1900-01-01"))
    assert r.status_code == 422
    assert "请填写有效的出生日期" in r.text
    r = client.post(f"/students/{world.student}/edit", data=_edit_data(name="   "))
    assert r.status_code == 422
    assert "请填写姓名" in r.text


def test_link_guardian_merges_families(app, world):
    with app.app_context():
        a1 = db.session.get(Student, world.other_student)
        a2 = db.session.get(Student, world.student_a2)
        assert a1.family_id != a2.family_id
        guardian = db.session.get(Guardian, world.other_guardian)
        old_families = {a1.family_id, a2.family_id}

        link_guardian(a2, guardian, primary=True)
        db.session.commit()

        a1 = db.session.get(Student, world.other_student)
        a2 = db.session.get(Student, world.student_a2)
        assert a1.family_id == a2.family_id == min(old_families)
        family = db.session.get(Family, a1.family_id)
        assert {s.id for s in family.students} == {world.other_student, world.student_a2}
        # The guardians of both households are now one family's.
        guardian_families = set(
            db.session.scalars(
                select(Guardian.family_id).where(Guardian.family_id.in_(old_families))
            )
        )
        assert guardian_families == {a1.family_id}
        primary = db.session.scalars(
            select(StudentGuardian).where(
                StudentGuardian.student_id == world.student_a2, StudentGuardian.is_primary
            )
        ).all()
        assert [link.guardian_id for link in primary] == [world.other_guardian]


def test_link_guardian_primary_replaces_the_previous_primary(app, world):
    with app.app_context():
        student = db.session.get(Student, world.student)
        aunt = f.GuardianFactory(family=student.family, name="王阿姨")
        link_guardian(student, aunt, primary=True)
        db.session.commit()
        links = db.session.scalars(
            select(StudentGuardian).where(StudentGuardian.student_id == world.student)
        ).all()
        assert {(link.guardian_id, link.is_primary) for link in links} == {
            (world.guardian, False),
            (aunt.id, True),
        }


def test_linked_siblings_appear_on_each_others_page(app, client, world, login):
    with app.app_context():
        link_guardian(
            db.session.get(Student, world.student_a2),
            db.session.get(Guardian, world.other_guardian),
        )
        db.session.commit()
    login(world.school_admin_name)
    html = client.get(f"/students/{world.other_student}").text
    assert "陈静" in html
    assert f'href="/students/{world.student_a2}"' in html


def test_head_teacher_opens_a_parent_account_that_works(app, client, login, world):
    from gridapp.people.models import Guardian
    from tests import factories as f

    with app.app_context():
        from gridapp.extensions import db
        from gridapp.people.models import Student

        student = db.session.get(Student, world.other_student)
        father = f.GuardianFactory(family=student.family, name="张建军", mobile="13900001111")
        f.StudentGuardianFactory(student=student, guardian=father, is_primary=False)
        db.session.commit()
        father_id = father.id
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.other_student}/guardians/{father_id}/account")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "13900001111" not in html  # the username is not the phone number
    link = html.split('class="copy"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = "/invite/" + link.rsplit("/invite/", 1)[1]
    client.post("/logout")
    r = client.post(path, data={"password": "new-pass-123", "confirm": "new-pass-123"})
    assert r.status_code == 303
    r = client.get("/")
    assert "张伟" in r.get_data(as_text=True)  # the father now sees his child
    with app.app_context():
        from gridapp.accounts.models import Role

        assert db.session.get(Guardian, father_id).user.has_role(Role.GUARDIAN)


def test_guardian_of_another_student_cannot_get_an_account_here(client, login, world):
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/guardians/{world.other_guardian}/account")
    assert r.status_code == 404
