"""The parent-school pages as their users see them: publishing with bad input (422, nothing
lost), the course page's code, the staff sheet, the guardian's code form, the figures and their
Excel export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.parent_school.models import CourseSignIn, ParentCourse
from gridapp.people.models import Student

from ..world import tiny_jpeg


def _course_form(**over):
    data = {
        "title": "亲子沟通的艺术", "speaker": "周敏", "held_on": "2026-12-05",
        "starts_at": "19:00", "ends_at": "20:30", "hours": "１.５", "audience": "school",
        "delivery": "in_person", "place": "报告厅", "link": "",
    }  # fmt: skip
    data.update(over)
    return data


def test_publish_end_before_start_keeps_everything(client, login, world, ctx):
    login(world.principal_name)
    data = _course_form(ends_at="18:00")
    data["materials"] = [(io.BytesIO(tiny_jpeg()), "家长讲义.jpg")]
    r = client.post(
        f"/schools/{world.school_a}/parent-school/courses/new", data=data,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "结束时间必须晚于开始时间" in page
    assert "亲子沟通的艺术" in page and "家长讲义.jpg" in page  # typed text and chosen file kept
    assert db.session.scalar(select(func.count()).select_from(ParentCourse)) == 2


def test_publish_with_kept_material(client, login, world, ctx):
    login(world.principal_name)
    data = _course_form(hours="abc")
    data["materials"] = [(io.BytesIO(tiny_jpeg()), "讲义.jpg")]
    r = client.post(
        f"/schools/{world.school_a}/parent-school/courses/new", data=data,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 422 and "课时请填写数字" in r.get_data(as_text=True)
    import re

    token = re.search(r'name="kept_materials" value="([^"]+)"', r.get_data(as_text=True))[1]
    r = client.post(
        f"/schools/{world.school_a}/parent-school/courses/new",
        data=_course_form(kept_materials=token), content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    course = db.session.scalar(select(ParentCourse).where(ParentCourse.title == "亲子沟通的艺术"))
    assert course.hours_label == "1.5" and [m.name for m in course.materials] == ["讲义.jpg"]


def test_bad_inputs_never_500(client, login, world, ctx):
    login(world.principal_name)
    for over in (
        {"held_on": "明天"}, {"starts_at": "25:99"}, {"hours": "0"}, {"hours": "1.25"},
        {"audience": "grades"}, {"delivery": "online"}, {"delivery": "online", "link": "ftp://x"},
        {"grade_ids": "abc", "audience": "grades"}, {"hours": "1e999"}, {"title": ""},
    ):  # fmt: skip
        r = client.post(
            f"/schools/{world.school_a}/parent-school/courses/new", data=_course_form(**over)
        )
        assert r.status_code == 422, over


def test_course_page_shows_the_code_to_staff_and_the_sheet(client, login, world, ctx):
    login(world.head_teacher_name)
    course = db.session.get(ParentCourse, world.course)
    page = client.get(f"/parent-school/courses/{course.id}").get_data(as_text=True)
    assert course.code in page and "已签到 0 / 2 户" in page
    family = db.session.get(Student, world.student).family_id
    r = client.post(
        f"/parent-school/courses/{course.id}/classes/{world.class_a1}/attendance",
        data={"family_ids": [str(family)]},
    )
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CourseSignIn)) == 1
    r = client.post(
        f"/parent-school/courses/{course.id}/classes/{world.class_a1}/attendance",
        data={"family_ids": ["999999"]},
    )
    assert r.status_code == 422


def test_a_sheet_opened_before_a_code_sign_in_does_not_sign_that_family_out(
    client, login, world, ctx
):
    """The teacher opens the sheet as the course begins; a parent then signs in with the code;
    the teacher ticks another family and saves: the parent's sign-in, never shown on the sheet,
    stays. Unticking a family the sheet showed present still signs it out."""
    from gridapp.accounts.models import User
    from gridapp.core.time import now
    from gridapp.parent_school import services

    login(world.head_teacher_name)
    course = db.session.get(ParentCourse, world.course)
    url = f"/parent-school/courses/{course.id}/classes/{world.class_a1}/attendance"
    page = client.get(f"/parent-school/courses/{course.id}").get_data(as_text=True)
    assert 'name="shown_present" value=""' in page  # nobody in when the sheet was opened
    family = db.session.get(Student, world.student).family_id
    other = db.session.get(Student, world.other_student).family_id
    services.sign_in_with_code(db.session.get(User, world.parent), course.code, now())
    ctx.commit()
    assert services.signed_in_families(course.id) == {family}
    r = client.post(url, data={"family_ids": [str(other)], "shown_present": ""})
    assert r.status_code == 303
    assert services.signed_in_families(course.id) == {family, other}
    page = client.get(f"/parent-school/courses/{course.id}").get_data(as_text=True)
    shown = page.split('name="shown_present" value="')[1].split('"')[0]
    assert set(shown.split(",")) == {str(family), str(other)}
    r = client.post(url, data={"family_ids": [str(other)], "shown_present": shown})
    assert r.status_code == 303
    assert services.signed_in_families(course.id) == {other}
    # Ids as typed anywhere: a superscript two (a digit to str.isdigit, not to int) is 2 once
    # normalised, a full-width id is the id, the rest is left out; never a 500.
    r = client.post(url, data={"family_ids": [str(other)], "shown_present": "²,①,x,９９９"})
    assert r.status_code == 303
    assert services.signed_in_families(course.id) == {other}
    full_width = str(other).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    r = client.post(url, data={"family_ids": [], "shown_present": f"²,{full_width}"})
    assert r.status_code == 303 and services.signed_in_families(course.id) == set()


def test_an_evening_course_code_open_past_midnight_says_the_next_day(client, login, world, ctx):
    """A course 21:00–23:00: its code is good until 01:00 of the next day, said so (a bare
    "01:00" read at 23:30 looks like an hour already past)."""
    from datetime import datetime

    import time_machine

    from gridapp.accounts.models import User
    from gridapp.core.time import SHANGHAI, now
    from gridapp.parent_school import services
    from gridapp.schools.models import School

    from ..world import course_data

    course = services.publish_course(
        db.session.get(User, world.principal), db.session.get(School, world.school_a),
        course_data("夜间课堂", starts=(21, 0), ends=(23, 0)), [], now(),
    )  # fmt: skip
    ctx.commit()
    login(world.head_teacher_name)
    with time_machine.travel(datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI), tick=False):
        page = client.get(f"/parent-school/courses/{course.id}").get_data(as_text=True)
    assert course.code in page and "有效至 次日 01:00" in page


@pytest.mark.parametrize("teacher", ["head_teacher", "subject_teacher"])
def test_a_teacher_of_the_class_finds_the_courses_on_their_page(client, login, world, teacher):
    """A class's teachers show the code in the room and mark the class's sheet on a course's
    page, yet no page of theirs linked to one (only the leaders' school page lists them): the
    head teacher's and the other teachers' (a Party teacher who teaches the class) too, from
    their navigation."""
    login(getattr(world, f"{teacher}_name"))
    assert 'href="/my/parent-school"' in client.get("/").get_data(as_text=True)
    page = client.get("/my/parent-school").get_data(as_text=True)
    link = f'href="/parent-school/courses/{world.course}"'
    assert "本学年课程" in page and link in page
    assert f"/parent-school/courses/{world.course_b}" not in page  # another school's
    r = client.get(f"/parent-school/courses/{world.course}")
    assert r.status_code == 200 and "签到码" in r.get_data(as_text=True)


def test_district_sees_the_course_but_not_the_code(client, login, world, ctx):
    login(world.district_supervisor_name)
    course = db.session.get(ParentCourse, world.course)
    page = client.get(f"/parent-school/courses/{course.id}").get_data(as_text=True)
    assert course.title in page and course.code not in page


def test_guardian_signs_in_on_their_page(client, login, world, ctx):
    login(world.parent_name)
    course = db.session.get(ParentCourse, world.course)
    r = client.post("/my/parent-school", data={"code": "XXXXXX"})
    assert r.status_code == 422 and "签到码不正确" in r.get_data(as_text=True)
    r = client.post("/my/parent-school", data={"code": course.code}, follow_redirects=True)
    assert r.status_code == 200 and "签到成功" in r.get_data(as_text=True)
    r = client.post("/my/parent-school", data={"code": course.code})
    assert r.status_code == 422 and "不必重复签到" in r.get_data(as_text=True)
    page = client.get("/my/parent-school").get_data(as_text=True)
    assert "1 次" in page and "目标 4 次" in page


def test_cancel_then_cancel_again_is_409(client, login, world, ctx):
    login(world.principal_name)
    assert client.post(f"/parent-school/courses/{world.course}/cancel").status_code == 303
    assert client.post(f"/parent-school/courses/{world.course}/cancel").status_code == 409


def test_target_form_refuses_zero(client, login, world, ctx):
    login(world.principal_name)
    r = client.post(
        f"/schools/{world.school_a}/parent-school/target",
        data={"target_sessions": "0", "target_hours": "8"},
    )
    assert r.status_code == 422 and "1 到 100" in r.get_data(as_text=True)
    r = client.post(
        f"/schools/{world.school_a}/parent-school/target",
        data={"target_sessions": "３", "target_hours": "6"},
    )
    assert r.status_code == 303


def test_exports(client, login, world, ctx):
    login(world.principal_name)
    r = client.get(f"/schools/{world.school_a}/parent-school?format=xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["课程", "各班参与情况"]
    assert wb["课程"]["C3"].value == "家庭教育中的有效沟通"
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}/parent-school?format=xlsx")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(min_row=3, values_only=True))
    assert sorted(row[0] for row in rows) == sorted(["王小明", "张伟"])
    page = client.get(f"/classes/{world.class_a1}/parent-school").get_data(as_text=True)
    assert "未达标的家庭（2 户）" in page


def test_material_download_names_the_file(client, login, world, ctx):
    login(world.parent_name)
    r = client.get(f"/parent-school/courses/{world.course}/materials/{world.material}")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert "filename*=UTF-8''%E8%AE%B2%E4%B9%89.jpg" in r.headers["Content-Disposition"]


def test_edit_for_grades_online_and_remove_material(client, login, world, ctx):
    from gridapp.schools.models import SchoolClass

    login(world.principal_name)
    grade = db.session.get(SchoolClass, world.class_a1).grade_id
    page = client.get(f"/parent-school/courses/{world.course}/edit").get_data(as_text=True)
    assert "家庭教育中的有效沟通" in page and "讲义.jpg" in page
    data = _course_form(
        title="改为线上", audience="grades", grade_ids=str(grade), delivery="online",
        link="https://meeting.example.cn/1", removed_materials=str(world.material),
    )  # fmt: skip
    r = client.post(f"/parent-school/courses/{world.course}/edit", data=data)
    assert r.status_code == 303
    db.session.expire_all()
    course = db.session.get(ParentCourse, world.course)
    assert course.title == "改为线上" and course.link.startswith("https://")
    assert course.place == "" and course.materials == []
    assert [g.grade_id for g in course.grades] == [grade]
    # The parent's child is in that grade: the course is still on their page.
    login(world.parent_name)
    assert "改为线上" in client.get("/my/parent-school").get_data(as_text=True)


def test_cancelled_course_cannot_be_edited(client, login, world, ctx):
    login(world.principal_name)
    client.post(f"/parent-school/courses/{world.course}/cancel")
    r = client.post(f"/parent-school/courses/{world.course}/edit", data=_course_form())
    assert r.status_code == 409 and "已经取消" in r.get_data(as_text=True)


def test_a_bureau_sees_the_materials_names_without_a_link_it_cannot_open(client, login, world):
    """A security review: the district's course page linked to materials that answer it 404."""
    login(world.district_supervisor_name)
    page = client.get(f"/parent-school/courses/{world.course}").get_data(as_text=True)
    assert "讲义" in page and f"/materials/{world.material}" not in page
    login(world.principal_name)
    page = client.get(f"/parent-school/courses/{world.course}").get_data(as_text=True)
    assert f"/materials/{world.material}" in page
