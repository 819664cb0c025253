"""The permission matrix of the parent-school routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import LEADERS_AND_DISTRICT, cases, check

LEADERS = {"principal": 200, "school_admin": 200}
STAFF_A = {"principal": 200, "school_admin": 200, "head_teacher": 200, "subject_teacher": 200,
           "other_class_teacher": 200}  # fmt: skip
DISTRICT = {"district_supervisor": 200, "district_admin": 200}
ATTENDANCE = {"principal": 303, "school_admin": 303, "head_teacher": 303, "subject_teacher": 303}

MATRIX = [
    # ---- the school's page: its leaders and the district ----
    ("GET", "/schools/{school_a}/parent-school", "parent_school.school_page",
     LEADERS_AND_DISTRICT, None),
    ("POST", "/schools/{school_a}/parent-school/target", "parent_school.target",
     {"principal": 422, "school_admin": 422}, None),
    ("GET", "/schools/{school_a}/parent-school/target", "parent_school.target",
     {"principal": 303, "school_admin": 303}, None),
    # ---- courses: the leaders publish, edit and cancel ----
    ("GET", "/schools/{school_a}/parent-school/courses/new", "parent_school.new_course",
     LEADERS, None),
    ("POST", "/schools/{school_a}/parent-school/courses/new", "parent_school.new_course",
     {"principal": 422, "school_admin": 422}, None),
    ("GET", "/parent-school/courses/{course}", "parent_school.course", STAFF_A | DISTRICT, None),
    ("GET", "/parent-school/courses/{course_b}", "parent_school.course",
     {"other_school_admin": 200, "other_school_teacher": 200} | DISTRICT, None),
    ("GET", "/parent-school/courses/{course}/edit", "parent_school.edit_course", LEADERS, None),
    ("POST", "/parent-school/courses/{course}/edit", "parent_school.edit_course",
     {"principal": 422, "school_admin": 422}, None),
    ("POST", "/parent-school/courses/{course}/cancel", "parent_school.cancel_course",
     {"principal": 303, "school_admin": 303}, None),
    ("GET", "/parent-school/courses/{course}/cancel", "parent_school.cancel_course",
     {"principal": 303, "school_admin": 303}, None),
    # ---- a class's sign-in sheet: the leaders and the class's teachers ----
    ("POST", "/parent-school/courses/{course}/classes/{class_a1}/attendance",
     "parent_school.attendance", ATTENDANCE, None),
    ("GET", "/parent-school/courses/{course}/classes/{class_a1}/attendance",
     "parent_school.attendance", ATTENDANCE, None),
    ("POST", "/parent-school/courses/{course}/classes/{class_b1}/attendance",
     "parent_school.attendance", {}, None),
    # ---- materials: the school's staff and its pupils' parents ----
    ("GET", "/parent-school/courses/{course}/materials/{material}", "parent_school.material",
     STAFF_A | {"parent": 200, "other_parent": 200}, None),
    ("GET", "/parent-school/courses/{course_b}/materials/{material}", "parent_school.material",
     {"other_school_admin": 404}, None),
    # ---- a class's families below target ----
    ("GET", "/classes/{class_a1}/parent-school", "parent_school.class_page",
     {"principal": 200, "school_admin": 200, "head_teacher": 200, "subject_teacher": 200},
     None),
    # ---- a guardian's page (a teacher's classes and the courses for one who is no guardian) ----
    ("GET", "/my/parent-school", "parent_school.mine",
     {"parent": 200, "other_parent": 200, "head_teacher": 200, "subject_teacher": 200,
      "other_class_teacher": 200, "other_school_teacher": 200}, None),
    ("POST", "/my/parent-school", "parent_school.mine",
     {"parent": 422, "other_parent": 422}, None),
]  # fmt: skip


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
