"""Scope rules found in review: each would otherwise let a role reach past its world."""

from __future__ import annotations

import pytest

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student
from gridapp.schools.models import School
from tests import factories as f


def _grant(app, user_id, role, school_id):
    with app.app_context():
        db.session.add(UserRole(user_id=user_id, role=role, school_id=school_id))
        db.session.commit()


def test_teacher_moved_to_another_school_loses_the_old_class(app, client, login, world):
    with app.app_context():
        user = db.session.get(User, world.subject_teacher)
        user.roles.clear()
        user.roles.append(UserRole(role=Role.TEACHER, school_id=world.school_b))
        db.session.commit()
    login(world.subject_teacher_name)
    assert client.get(f"/classes/{world.class_a1}").status_code == 404
    assert client.get(f"/students/{world.student}").status_code == 404


def test_head_teacher_without_a_role_cannot_edit(app, client, login, world):
    with app.app_context():
        db.session.query(UserRole).filter_by(user_id=world.head_teacher).delete()
        db.session.commit()
    login(world.head_teacher_name)
    assert client.get(f"/students/{world.student}/edit").status_code == 404


def test_school_admin_cannot_reset_a_district_admin(app, client, login, world):
    _grant(app, world.district_admin, Role.TEACHER, world.school_a)
    login(world.school_admin_name)
    assert client.post(f"/admin/users/{world.district_admin}/invitation").status_code == 404
    assert client.get(f"/admin/users/{world.district_admin}").status_code == 404


def test_parent_account_that_is_also_staff_is_not_reset_by_a_teacher(app, client, login, world):
    _grant(app, world.parent, Role.SCHOOL_ADMIN, world.school_b)
    login(world.head_teacher_name)
    r = client.post(f"/students/{world.student}/guardians/{world.guardian}/account")
    assert r.status_code == 409
    assert "/invite/" not in r.get_data(as_text=True)


def test_school_admin_does_not_see_what_shared_staff_did_elsewhere(app, client, login, world):
    _grant(app, world.other_school_teacher, Role.TEACHER, world.school_a)
    with app.app_context():
        actor = db.session.get(User, world.other_school_teacher)
        audit.record(
            actor,
            "class.head_teacher",
            db.session.get(School, world.school_b),
            school_id=world.school_b,
        )
        db.session.commit()
    login(world.school_admin_name)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert 'data-action="class.head_teacher"' not in html


def test_parent_sees_only_own_children_among_siblings(app, client, login, world):
    with app.app_context():
        student = db.session.get(Student, world.student)
        half = f.StudentFactory(
            school_class=student.school_class, family=student.family, name="赵半弟"
        )
        step = f.GuardianFactory(family=student.family, name="赵继父")
        f.StudentGuardianFactory(student=half, guardian=step)
        db.session.commit()
    login(world.parent_name)
    html = client.get(f"/students/{world.student}").get_data(as_text=True)
    assert "王小红" in html and "赵半弟" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/classes/{class_a1}?class_id=2&page=1",
        "/classes/{class_a1}?endpoint=x&_external=1",
        "/admin/users?school_id=1&endpoint=y",
        "/admin/audit?day=0001-01-01",
        "/admin/audit?day=9999-12-31",
        "/semesters/99999999999999999999/edit",
    ],
)
def test_odd_query_arguments_and_ids_are_not_500(client, login, world, url):
    login(world.school_admin_name)
    assert client.get(url.format(**vars(world))).status_code in (200, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/assignments/99999999999999999999/remove",
        "/students/{student}/guardians/99999999999999999999/phone",
        "/students/{student}/guardians/99999999999999999999/account",
    ],
)
def test_huge_ids_in_posts_are_404(client, login, world, url):
    login(world.school_admin_name)
    assert client.post(url.format(**vars(world))).status_code == 404


def test_guardian_account_username_is_not_the_phone(app, client, login, world):
    login(world.head_teacher_name)
    with app.app_context():
        g = f.GuardianFactory(
            family=db.session.get(Student, world.other_student).family, mobile="13911112222"
        )
        f.StudentGuardianFactory(
            student=db.session.get(Student, world.other_student), guardian=g, is_primary=False
        )
        db.session.commit()
        gid = g.id
    r = client.post(f"/students/{world.other_student}/guardians/{gid}/account")
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Guardian, gid).user.username == f"jz{gid:06d}"


# ---- found attacking the newest routes (schedules, parent school, reports) ----------------------


def _move_to_school_b(app, user_id, school_b):
    with app.app_context():
        user = db.session.get(User, user_id)
        user.roles.clear()
        user.roles.append(UserRole(role=Role.TEACHER, school_id=school_b))
        db.session.commit()


def test_a_teacher_who_left_the_school_loses_their_schedule_items(app, client, login, world):
    """The head teacher's item at school A named 王小明's family on its move page and could be
    moved after the teacher had gone to school B (schedules.permissions.can_item)."""
    _move_to_school_b(app, world.head_teacher, world.school_b)
    login(world.head_teacher_name)
    url = f"/schedule-items/{world.schedule_item}/move"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"week": 15}).status_code == 404


def test_an_export_of_a_school_is_in_that_schools_audit_log(app, client, login, world):
    """An entry about a School object (the parent school's export, its target) was written with
    no school: the school's admin never saw the district's export in their log."""
    login(world.district_supervisor_name)
    assert client.get(f"/schools/{world.school_a}/parent-school?format=xlsx").status_code == 200
    with app.app_context():
        entry = db.session.scalars(
            db.select(audit.AuditEntry).where(audit.AuditEntry.action == "parent_school.export")
        ).one()
        assert entry.school_id == world.school_a
    login(world.school_admin_name)
    page = client.get("/admin/audit?action=parent_school.export").get_data(as_text=True)
    assert "导出了南湖区实验小学的家长学校统计" in page
    login(world.other_school_admin_name)
    page = client.get("/admin/audit?action=parent_school.export").get_data(as_text=True)
    assert "导出了南湖区实验小学的家长学校统计" not in page


def test_a_bureau_does_not_learn_the_focus_students_from_the_drill_down(app, client, login, world):
    """A bureau drills down from a figure to its families without the focus mark; but the
    families behind the focus figure are the focus students, and the other figures' lists came
    focus students first (coverage_families, contacts.permissions.figure_family_rules)."""
    from datetime import date

    from gridapp.people import focus

    with app.app_context():
        principal = db.session.get(User, world.principal)
        student = db.session.get(Student, world.student_a2)  # 陈静, class A2
        focus.mark_focus(
            principal, student, "left_behind", date(2026, 11, 2), "父母外出务工", date(2026, 11, 20)
        )
        db.session.commit()
    base = f"/schools/{world.school_a}/coverage/families"
    login(world.principal_name)
    html = client.get(f"{base}?rule=focus").get_data(as_text=True)
    assert "陈静" in html and "张伟" not in html
    leader = client.get(f"{base}?rule=remote").get_data(as_text=True)
    assert leader.index("陈静") < leader.index("张伟")  # the leaders' worklist: focus first
    assert "rule=focus" in client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    for bureau in (world.district_supervisor_name, world.district_admin_name):
        login(bureau)
        for url in (f"{base}?rule=focus", f"{base}?rule=focus&met=1&format=xlsx",
                    f"{base}?rule=focus&class_id={world.class_a2}"):  # fmt: skip
            assert client.get(url).status_code == 404, url
        html = client.get(f"{base}?rule=remote").get_data(as_text=True)
        assert html.index("张伟") < html.index("陈静")  # by class and name: A1 before A2
        assert ">重点<" not in html
        for page in (f"/schools/{world.school_a}/coverage", f"/classes/{world.class_a2}/dashboard"):
            body = client.get(page).get_data(as_text=True)
            assert "rule=focus" not in body, page
            assert "rule=remote" in body, page


def test_a_principal_who_teaches_does_not_accept_their_own_obligation_document(
    app, client, login, world
):
    """The principal (who also teaches) uploaded a 六个一 document and accepted it themselves:
    a leader reviews the others' documents only (obligations.permissions.may_review)."""
    import io

    from gridapp.obligations.models import DocumentStatus, ObligationDocument

    from .obligations.documents import pdf_bytes

    login(world.principal_name)
    form = {"item": "plan", "note": "", "file": (io.BytesIO(pdf_bytes()), "方案.pdf")}
    r = client.post(
        f"/my/obligations?school={world.school_a}", data=form,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    with app.app_context():
        doc_id = db.session.scalars(
            db.select(ObligationDocument.id).where(ObligationDocument.teacher_id == world.principal)
        ).one()
    page = client.get(f"/schools/{world.school_a}/obligations/teachers/{world.principal}")
    assert page.status_code == 200
    assert f"/obligations/documents/{doc_id}/accept" not in page.get_data(as_text=True)
    assert client.post(f"/obligations/documents/{doc_id}/accept").status_code == 404
    assert (
        client.post(
            f"/obligations/documents/{doc_id}/return", data={"reason": "自己退回"}
        ).status_code
        == 404
    )
    assert client.get(f"/obligations/documents/{doc_id}").status_code == 200  # still theirs
    # Another leader of the school reviews it.
    login(world.school_admin_name)
    page = client.get(f"/schools/{world.school_a}/obligations/teachers/{world.principal}")
    assert f"/obligations/documents/{doc_id}/accept" in page.get_data(as_text=True)
    assert client.post(f"/obligations/documents/{doc_id}/accept").status_code == 303
    with app.app_context():
        assert db.session.get(ObligationDocument, doc_id).status is DocumentStatus.ACCEPTED


def test_a_subject_teacher_does_not_learn_the_focus_students_from_the_class_schedule(
    app, client, login, world
):
    """The class's schedule named the head teacher's item "重点对象上门家访" to every teacher of
    the class: a subject teacher learned who the focus students are, which their worklist hides
    (schedules.permissions.shown_rule)."""
    from gridapp.contacts.models import ContactForm
    from gridapp.schedules.models import ScheduleItem

    with app.app_context():
        student = db.session.get(Student, world.other_student)  # 张伟, class A1
        db.session.add(
            ScheduleItem(
                school_id=world.school_a,
                semester_id=world.semester_a,
                class_id=world.class_a1,
                teacher_id=world.head_teacher,
                family_id=student.family_id,
                student_id=student.id,
                form=ContactForm.HOME_VISIT,
                rule="focus",
                week=15,
                created_by_id=world.head_teacher,
            )  # fmt: skip
        )
        db.session.commit()
    url = f"/classes/{world.class_a1}/schedule"
    for who in (world.head_teacher_name, world.principal_name, world.school_admin_name):
        login(who)
        assert "重点对象上门家访" in client.get(url).get_data(as_text=True), who
    login(world.subject_teacher_name)
    html = client.get(url).get_data(as_text=True)
    assert "张伟" in html  # the item is there, a door visit
    assert "重点对象上门家访" not in html
    # Nor by elimination: no rule is named on a colleague's item (王小明's is "two_years").
    assert "两学年内上门家访" not in html


def test_an_export_of_the_families_behind_a_figure_says_which_class(app, client, login, world):
    """The export's audit entry named the rule but not the class or teacher whose families
    left GridApp (the page view's entry did)."""
    login(world.district_supervisor_name)
    url = (
        f"/schools/{world.school_a}/coverage/families?rule=teacher&class_id={world.class_a1}"
        f"&teacher_id={world.head_teacher}&format=xlsx"
    )
    assert client.get(url).status_code == 200
    with app.app_context():
        entry = db.session.scalars(
            db.select(audit.AuditEntry).where(
                audit.AuditEntry.action == "reports.coverage_families.export"
            )
        ).one()
        assert entry.detail["class_id"] == world.class_a1
        assert entry.detail["teacher_id"] == world.head_teacher
        assert entry.school_id == world.school_a


def test_a_subject_teacher_does_not_see_the_class_focus_figure_on_its_dashboard(
    client, login, world
):
    """The class dashboard showed every teacher of the class its focus figure (met / total),
    which the class worklist hides from them: from it moving after a colleague's door visit
    they learn who the focus students are (contacts.permissions.sees_focus_figure)."""
    import io

    from openpyxl import load_workbook

    url = f"/classes/{world.class_a1}/dashboard"
    for who in (world.head_teacher_name, world.principal_name, world.district_supervisor_name):
        login(who)
        html = client.get(url).get_data(as_text=True)
        assert "重点对象上门家访" in html and "重点学生上门家访" in html, who
    login(world.subject_teacher_name)
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "重点对象上门家访" not in html and "重点学生上门家访" not in html
    assert "两学年内上门家访" in html  # the other figures stay
    sheet = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").data)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "重点对象上门家访" not in cells and "两学年内上门家访" in cells
