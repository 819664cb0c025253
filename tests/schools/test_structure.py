"""School structure: school years and semesters, the current semester, classes and teachers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.schools.models import SchoolClass, SchoolYear, Semester, TeachingAssignment
from gridapp.schools.services import current_semester
from tests import factories as f

NEXT_YEAR = {
    "name": "2027—2028学年",
    "first_starts_on": "2027-09-01",
    "first_ends_on": "2028-01-20",
    "second_starts_on": "2028-02-21",
    "second_ends_on": "2028-07-01",
}


def _error(html: str, field: str) -> str:
    m = re.search(rf'id="{field}-error">(.*?)</small>', html, re.S)
    return m.group(1) if m else ""


def _chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action)))


# ---- school years ---------------------------------------------------------------------------------


def test_school_admin_adds_a_school_year_with_two_semesters(app, client, world, login):
    login(world.school_admin_name)
    r = client.post(f"/schools/{world.school_a}/calendar", data=NEXT_YEAR)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/schools/{world.school_a}/calendar"
    with app.app_context():
        year = db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2027—2028学年"))
        assert year.school_id == world.school_a
        assert (year.starts_on, year.ends_on) == (date(2027, 9, 1), date(2028, 7, 1))
        assert [(s.number, s.starts_on, s.ends_on, s.school_id) for s in year.semesters] == [
            (1, date(2027, 9, 1), date(2028, 1, 20), world.school_a),
            (2, date(2028, 2, 21), date(2028, 7, 1), world.school_a),
        ]
    assert "school_year.create" in _actions(app)
    html = client.get(f"/schools/{world.school_a}/calendar").get_data(as_text=True)
    assert "2027—2028学年第二学期" in html


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"first_ends_on": "2027-08-01"}, "first_ends_on", "第一学期的结束日期须晚于开始日期"),
        (
            {"second_starts_on": "2028-01-10"},
            "second_starts_on",
            "第二学期须在第一学期结束之后开始",
        ),
        ({"second_ends_on": "2028-02-01"}, "second_ends_on", "第二学期的结束日期须晚于开始日期"),
        ({"second_ends_on": "2028-12-01"}, "second_ends_on", "一个学年不能超过一年"),
        (  # overlaps the world's 2026—2027 school year (2026-09-01 to 2027-07-03)
            {
                "first_starts_on": "2027-06-01",
                "first_ends_on": "2027-12-31",
                "second_starts_on": "2028-01-10",
                "second_ends_on": "2028-05-30",
            },
            "first_starts_on",
            "与已有学年的日期重叠",
        ),
        ({"name": "2026—2027学年"}, "name", "该学年已存在"),
        ({"first_starts_on": "2027-02-30"}, "first_starts_on", "有效的日期"),
        ({"first_starts_on": ""}, "first_starts_on", "请输入有效日期"),
        ({"name": ""}, "name", "请填写学年名称"),
    ],
)
def test_bad_school_year_is_422_in_chinese_and_keeps_input(
    app, client, world, login, changes, field, message
):
    login(world.school_admin_name)
    data = {**NEXT_YEAR, **changes}
    r = client.post(f"/schools/{world.school_a}/calendar", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in _error(html, field)
    for key, value in data.items():
        if value:
            assert f'value="{value}"' in html, key
    with app.app_context():
        assert (
            db.session.scalar(select(SchoolYear).where(SchoolYear.name == "2027—2028学年")) is None
        )
        assert len(db.session.scalars(select(Semester)).all()) == 3  # the world's three


def test_same_dates_in_another_school_do_not_overlap(client, world, login):
    login(world.district_admin_name)
    r = client.post(f"/schools/{world.school_b}/calendar", data=NEXT_YEAR)
    assert r.status_code == 303


def test_teacher_cannot_add_a_school_year(client, world, login):
    login(world.principal_name)  # sees the calendar, may not change it
    assert client.get(f"/schools/{world.school_a}/calendar").status_code == 200
    assert client.post(f"/schools/{world.school_a}/calendar", data=NEXT_YEAR).status_code == 404


# ---- current semester -----------------------------------------------------------------------------


@pytest.fixture
def calendar(app):
    """A school with two school years: 2026—2027 and 2027—2028, two semesters each."""
    with app.app_context():
        school = f.SchoolFactory()
        ids = {}
        for y in (2026, 2027):
            year = f.SchoolYearFactory(
                school=school,
                name=f"{y}—{y + 1}学年",
                starts_on=date(y, 9, 1),
                ends_on=date(y + 1, 7, 3),
            )
            first = f.SemesterFactory(
                school_year=year, number=1, starts_on=date(y, 9, 1), ends_on=date(y + 1, 1, 23)
            )
            second = f.SemesterFactory(
                school_year=year, number=2, starts_on=date(y + 1, 2, 20), ends_on=date(y + 1, 7, 3)
            )
            ids[(y, 1)], ids[(y, 2)] = first.id, second.id
        db.session.commit()
        return school.id, ids


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 9, 1), (2026, 1)),  # first day of term
        (date(2026, 11, 11), (2026, 1)),
        (date(2027, 1, 23), (2026, 1)),  # last day of term
        (date(2027, 2, 1), (2026, 1)),  # winter holiday: the semester that just ended
        (date(2027, 2, 19), (2026, 1)),
        (date(2027, 2, 20), (2026, 2)),  # first day of the spring term
        (date(2027, 7, 3), (2026, 2)),
        (date(2027, 8, 15), (2026, 2)),  # summer holiday
        (date(2027, 9, 1), (2027, 1)),  # the next school year begins
        (date(2030, 1, 1), (2027, 2)),  # after the last known semester
        (date(2026, 3, 1), (2026, 1)),  # before any semester: the first one to come
    ],
)
def test_current_semester(app, calendar, day, expected):
    school_id, ids = calendar
    with app.app_context():
        assert current_semester(school_id, day).id == ids[expected]


def test_current_semester_of_a_school_without_calendar(ctx):
    school = f.SchoolFactory()
    ctx.flush()
    assert current_semester(school.id, date(2026, 10, 1)) is None


# ---- classes --------------------------------------------------------------------------------------


def _new_class(client, school_id, **changes):
    data = {"level": "3", "number": "5", "enrolment_year": "2024", "head_teacher_id": ""}
    data.update(changes)
    return client.post(f"/schools/{school_id}/classes/new", data=data)


def test_create_class(app, client, world, login):
    login(world.school_admin_name)
    r = _new_class(client, world.school_a, head_teacher_id=str(world.subject_teacher))
    assert r.status_code == 303
    with app.app_context():
        sc = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "三年级（5）班"))
        assert sc.school_id == world.school_a
        assert sc.head_teacher_id == world.subject_teacher
        assert sc.enrolment_year == 2024
    assert r.headers["Location"] == f"/classes/{sc.id}/edit"
    assert "class.create" in _actions(app)


def test_create_class_in_a_new_grade_creates_the_grade(app, client, world, login):
    login(world.school_admin_name)
    assert _new_class(client, world.school_a, level="1", number="1").status_code == 303
    with app.app_context():
        sc = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "一年级（1）班"))
        assert sc.grade.level == 1


def test_duplicate_class_is_422(app, client, world, login):
    login(world.school_admin_name)
    r = _new_class(client, world.school_a, number="1")  # 三年级（1）班 exists
    assert r.status_code == 422
    assert "三年级（1）班 已存在" in _error(r.get_data(as_text=True), "number")
    with app.app_context():
        assert len(db.session.scalars(select(SchoolClass)).all()) == 4


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"number": "0"}, "number"),
        ({"number": "abc"}, "number"),
        ({"level": "7"}, "level"),  # a primary school has no 七年级
        ({"enrolment_year": "1800"}, "enrolment_year"),
    ],
)
def test_invalid_class_is_422(client, world, login, changes, field):
    login(world.school_admin_name)
    r = _new_class(client, world.school_a, **changes)
    assert r.status_code == 422
    assert _chinese(_error(r.get_data(as_text=True), field))


def test_head_teacher_from_another_school_is_refused(app, client, world, login):
    login(world.school_admin_name)
    r = _new_class(client, world.school_a, head_teacher_id=str(world.other_school_teacher))
    assert r.status_code == 422
    assert _chinese(_error(r.get_data(as_text=True), "head_teacher_id"))

    r = client.post(
        f"/classes/{world.class_a1}/edit",
        data={"head-head_teacher_id": str(world.other_school_teacher)},
    )
    assert r.status_code == 422
    assert _chinese(_error(r.get_data(as_text=True), "head-head_teacher_id"))
    with app.app_context():
        assert db.session.get(SchoolClass, world.class_a1).head_teacher_id == world.head_teacher


def test_change_and_clear_head_teacher(app, client, world, login):
    login(world.school_admin_name)
    r = client.post(
        f"/classes/{world.class_a1}/edit", data={"head-head_teacher_id": str(world.subject_teacher)}
    )
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(SchoolClass, world.class_a1).head_teacher_id == world.subject_teacher
    r = client.post(f"/classes/{world.class_a1}/edit", data={"head-head_teacher_id": ""})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(SchoolClass, world.class_a1).head_teacher_id is None
    assert _actions(app).count("class.head_teacher") == 2


def test_add_and_remove_teaching_assignment(app, client, world, login):
    login(world.school_admin_name)
    data = {"assign-teacher_id": str(world.other_class_teacher), "assign-subject": "英语"}
    r = client.post(f"/classes/{world.class_a1}/edit", data=data)
    assert r.status_code == 303
    with app.app_context():
        assignment = db.session.scalar(
            select(TeachingAssignment).where(TeachingAssignment.subject == "英语")
        )
        assert (assignment.teacher_id, assignment.class_id) == (
            world.other_class_teacher,
            world.class_a1,
        )
        assignment_id = assignment.id
    # The new subject teacher now sees the class.
    teacher = app.test_client()
    teacher.post(
        "/login", data={"username": world.other_class_teacher_name, "password": "gridapp-test-1"}
    )
    assert teacher.get(f"/classes/{world.class_a1}").status_code == 200

    # The same assignment twice is refused beside the subject.
    r = client.post(f"/classes/{world.class_a1}/edit", data=data)
    assert r.status_code == 422
    assert "该教师已任教本班的这门学科" in _error(r.get_data(as_text=True), "assign-subject")

    r = client.post(f"/assignments/{assignment_id}/remove")
    assert r.status_code == 303
    assert r.headers["Location"] == f"/classes/{world.class_a1}/edit"
    with app.app_context():
        assert db.session.get(TeachingAssignment, assignment_id) is None
    assert teacher.get(f"/classes/{world.class_a1}").status_code == 404
    actions = _actions(app)
    assert "assignment.create" in actions
    assert "assignment.remove" in actions


def test_assignment_needs_a_teacher_of_the_school(client, world, login):
    login(world.school_admin_name)
    r = client.post(
        f"/classes/{world.class_a1}/edit",
        data={"assign-teacher_id": str(world.other_school_teacher), "assign-subject": "英语"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/classes/{world.class_a1}/edit", data={"assign-teacher_id": "", "assign-subject": "英语"}
    )
    assert r.status_code == 422
    assert "请选择任课教师" in r.get_data(as_text=True)


def test_other_school_admin_cannot_change_the_class(client, world, login):
    login(world.other_school_admin_name)
    assert client.get(f"/classes/{world.class_a1}/edit").status_code == 404
    assert _new_class(client, world.school_a).status_code == 404
    assert client.post(f"/assignments/{world.assignment}/remove").status_code == 404
