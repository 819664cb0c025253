"""The permission matrix of the contact schedule and trip routes (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

TEACHERS_200 = {"principal": 200, "head_teacher": 200, "subject_teacher": 200,
                "other_class_teacher": 200, "other_school_teacher": 200}  # fmt: skip
TEACHERS_303 = {role: 303 for role in TEACHERS_200}
CLASS_STAFF = {"school_admin": 200, "principal": 200, "head_teacher": 200, "subject_teacher": 200}
BUILDERS = {"school_admin": 200, "principal": 200, "head_teacher": 200}
LEADERS = {"school_admin": 200, "principal": 200}


def _as(roles: dict, status: int) -> dict:
    return {role: status for role in roles}


MATRIX = [
    ("GET", "/my/schedule", "schedules.my_schedule", TEACHERS_200, None),
    ("GET", "/classes/{class_a1}/schedule", "schedules.class_schedule", CLASS_STAFF, None),
    # Adding an item: the head teacher and the leaders (an empty form: 422 beside the fields).
    ("POST", "/classes/{class_a1}/schedule", "schedules.class_schedule", _as(BUILDERS, 422), None),
    (
        "GET",
        "/classes/{class_a2}/schedule",
        "schedules.class_schedule",
        {"school_admin": 200, "principal": 200, "other_class_teacher": 200},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/classes/{class_b1}/schedule",
        "schedules.class_schedule",
        {"other_school_admin": 200, "other_school_teacher": 200},
        None,
    ),  # fmt: skip
    ("GET", "/classes/{class_a1}/schedule/build", "schedules.build_class", BUILDERS, None),
    (
        "POST",
        "/classes/{class_a1}/schedule/build",
        "schedules.build_class",
        _as(BUILDERS, 303),
        None,
    ),  # fmt: skip
    ("GET", "/schools/{school_a}/schedule", "schedules.school_schedule", LEADERS, None),
    (
        "GET",
        "/schools/{school_a}/schedule?format=xlsx",
        "schedules.school_schedule",
        LEADERS,
        None,
    ),  # fmt: skip
    (
        "GET",
        "/schools/{school_b}/schedule",
        "schedules.school_schedule",
        {"other_school_admin": 200},
        None,
    ),  # fmt: skip
    ("GET", "/schools/{school_a}/schedule/build", "schedules.build_school", LEADERS, None),
    (
        "POST",
        "/schools/{school_a}/schedule/build",
        "schedules.build_school",
        _as(LEADERS, 303),
        None,
    ),  # fmt: skip
    # Moving the head teacher's item: they, and the leaders; a form without a week is 422.
    ("POST", "/schedule-items/{schedule_item}/move", "schedules.move", _as(BUILDERS, 422), None),
    ("GET", "/schedule-items/{schedule_item}/move", "schedules.move", _as(BUILDERS, 200), None),
    ("GET", "/my/trips", "schedules.trips", TEACHERS_200, None),
    ("POST", "/my/trips", "schedules.trips", TEACHERS_303, None),
    ("GET", "/my/trips/next", "schedules.trip_next", TEACHERS_303, None),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
