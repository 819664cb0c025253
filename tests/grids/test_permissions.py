"""The permission matrix of the grids routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # ---- grids ----
    (
        "GET",
        "/classes/{class_a1}/grids",
        "grids.class_grids",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/grids",
        "grids.class_grids",
        {"head_teacher": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/grids/move",
        "grids.move_family",
        {"head_teacher": 422, "school_admin": 422},
        None,
    ),
    (
        "GET",
        "/grids/{grid}/settings",
        "grids.grid_settings",
        {"head_teacher": 200, "school_admin": 200},
        None,
    ),
    (
        "GET",
        "/grids/{grid}",
        "grids.grid_page",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/grids/{grid}/logs",
        "grids.add_log",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
    (
        "GET",
        "/my/grids",
        "grids.my_grids",
        {
            r: 200
            for r in (
                "head_teacher",
                "subject_teacher",
                "other_class_teacher",
                "other_school_teacher",
            )
        },
        None,
    ),  # fmt: skip,
    (
        "GET",
        "/classes/{class_a1}/activities",
        "grids.class_activities",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/activities",
        "grids.class_activities",
        {r: 422 for r in ("head_teacher", "subject_teacher", "school_admin")},
        None,
    ),
    (
        "GET",
        "/activities/{activity}",
        "grids.activity",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/activities/{activity}/attendance",
        "grids.activity_attendance",
        {r: 303 for r in ("head_teacher", "subject_teacher", "school_admin")},
        None,
    ),
    # ---- cases ----
    (
        "POST",
        "/grids/{grid}/relays",
        "grids.relay",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
