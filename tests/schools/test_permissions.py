"""The permission matrix of the schools routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    ("GET", "/schools/new", "schools.new_school", {"district_admin": 200}, None),
    (
        "GET",
        "/schools/{school_a}/edit",
        "schools.edit_school",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/calendar",
        "schools.calendar",
        {"school_admin": 200, "principal": 200, "district_supervisor": 200, "district_admin": 200},
        None,
    ),
    # The hotline (校长热线): the school's leaders and the district admin; sending the form
    # empty withdraws it (303).
    (
        "GET",
        "/schools/{school_a}/hotline",
        "schools.hotline",
        {"school_admin": 200, "principal": 200, "district_admin": 200},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/hotline",
        "schools.hotline",
        {"school_admin": 303, "principal": 303, "district_admin": 303},
        None,
    ),
    (
        "GET",
        "/semesters/{semester_a}/edit",
        "schools.edit_semester",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/classes/new",
        "schools.new_class",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/edit",
        "schools.edit_class",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "POST",
        "/assignments/{assignment}/remove",
        "schools.remove_assignment",
        {"school_admin": 303, "district_admin": 303},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
