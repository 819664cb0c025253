"""Forms for one person (issue 15 item 6): a new student with guardians (siblings found by
mobile number), a guardian added, edited, linked by mobile and unlinked; messages beside the
fields, nothing typed lost, the student number unique per school."""

from __future__ import annotations

from sqlalchemy import func, select

from gridapp.core.audit import AuditEntry
from gridapp.people.models import (
    ClassPlacement,
    Guardian,
    Student,
    StudentGuardian,
)

NEW = {
    "student_number": "２０２６００１",
    "name": "赵 小 雨",
    "gender": "female",
    "birth_on": "2018-04-05",
    "from_on": "2026-09-01",
    "address": "南湖区新兴路8号",
    "community": "新兴小区",
    "g1_name": "赵刚",
    "g1_relation": "father",
    "g1_mobile": "１３９ ０００１ ２３４５",
    "g2_name": "",
    "g2_relation": "mother",
    "g2_mobile": "",
}


def test_admin_adds_a_student_with_a_guardian(ctx, client, world, login):
    login(world.school_admin_name)
    page = client.get(f"/classes/{world.class_a1}")
    assert "添加学生" in page.text
    assert client.get(f"/classes/{world.class_a1}/students/new").status_code == 200
    r = client.post(f"/classes/{world.class_a1}/students/new", data=NEW)
    assert r.status_code == 303
    student = ctx.scalar(select(Student).where(Student.student_number == "2026001"))
    assert student.name == "赵小雨"
    assert student.class_id == world.class_a1
    [link] = student.guardian_links
    assert link.is_primary and link.guardian.mobile == "13900012345"
    [placement] = ctx.scalars(
        select(ClassPlacement).where(ClassPlacement.student_id == student.id)
    ).all()
    assert (placement.class_id, str(placement.from_on), placement.to_on) == (
        world.class_a1, "2026-09-01", None,
    )  # fmt: skip
    assert ctx.scalar(select(AuditEntry).where(AuditEntry.action == "student.create"))
    assert "赵小雨" in client.get(f"/classes/{world.class_a1}").text


def test_a_repeated_student_number_is_refused_beside_the_field(ctx, client, world, login):
    login(world.principal_name)
    taken = ctx.get(Student, world.other_student).student_number
    r = client.post(
        f"/classes/{world.class_a1}/students/new", data={**NEW, "student_number": taken}
    )
    assert r.status_code == 422
    assert f"本校已有学号为 {taken} 的学生" in r.text
    # Nothing typed is lost.
    assert "赵小雨" in r.text and "13900012345" in r.text  # in their normal form
    r = client.post(f"/classes/{world.class_a1}/students/new", data={**NEW, "g1_mobile": "12345"})
    assert r.status_code == 422
    assert "请输入11位手机号码" in r.text


def test_a_known_mobile_links_the_sibling_family(ctx, client, world, login):
    login(world.school_admin_name)
    family = ctx.get(Student, world.student).family_id
    r = client.post(
        f"/classes/{world.class_a2}/students/new",
        data={**NEW, "g1_name": "李芳", "g1_mobile": "138-1234-5678"},
    )
    assert r.status_code == 303
    student = ctx.scalar(select(Student).where(Student.student_number == "2026001"))
    assert student.family_id == family
    assert [g.guardian_id for g in student.guardian_links] == [world.guardian]
    # Nobody entered twice.
    assert ctx.scalar(select(func.count()).where(Guardian.mobile == "13812345678")) == 1


def test_guardian_added_edited_linked_and_unlinked(ctx, client, world, login):
    login(world.head_teacher_name)
    r = client.post(
        f"/students/{world.other_student}/guardians/new",
        data={"name": "张建国", "relation": "father", "mobile": "13700001111"},
    )
    assert r.status_code == 303
    guardian = ctx.scalar(select(Guardian).where(Guardian.mobile == "13700001111"))
    # A number the district knows already: link that parent instead.
    r = client.post(
        f"/students/{world.other_student}/guardians/new",
        data={"name": "李芳", "relation": "mother", "mobile": "13812345678"},
    )
    assert r.status_code == 422
    assert "按手机号关联已有家长" in r.text
    # The head teacher keeps the class's parents' phones right.
    r = client.post(
        f"/students/{world.other_student}/guardians/{guardian.id}/edit",
        data={"name": "张建国", "relation": "father", "mobile": "１３７００００２２２２"},
    )
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Guardian, guardian.id).mobile == "13700002222"
    entry = ctx.scalar(select(AuditEntry).where(AuditEntry.action == "guardian.update"))
    assert entry.detail["fields"] == ["mobile"]
    # Linking and unlinking are the principal's and the admin's.
    assert client.get(f"/students/{world.other_student}/guardians/link").status_code == 404
    login(world.school_admin_name)
    r = client.post(
        f"/students/{world.other_student}/guardians/link", data={"mobile": "13900000000"}
    )
    assert r.status_code == 422
    assert "本区没有使用这个手机号的家长" in r.text
    r = client.post(
        f"/students/{world.other_student}/guardians/link", data={"mobile": "13812345678"}
    )
    assert r.status_code == 303
    ctx.expire_all()
    other = ctx.get(Student, world.other_student)
    assert other.family_id == ctx.get(Student, world.student).family_id
    r = client.post(f"/students/{world.other_student}/guardians/{world.guardian}/unlink")
    assert r.status_code == 303
    assert not ctx.scalar(
        select(StudentGuardian).where(
            StudentGuardian.student_id == world.other_student,
            StudentGuardian.guardian_id == world.guardian,
        )
    )
    assert ctx.get(Guardian, world.guardian) is not None


def test_another_schools_admin_gets_404(client, world, login):
    login(world.other_school_admin_name)
    assert client.get(f"/classes/{world.class_a1}/students/new").status_code == 404
    assert client.post(f"/classes/{world.class_a1}/students/new", data=NEW).status_code == 404
    assert client.get(f"/students/{world.student}/move").status_code == 404
    assert client.get(f"/students/{world.student}/guardians/new").status_code == 404
