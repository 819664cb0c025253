"""The permission matrix of the roster routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

SCHOOL_LEADERS = {"school_admin": 200, "principal": 200}

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # Export (issue 15 item 8): phones and ID numbers, so those who see sensitive data only.
    (
        "GET",
        "/classes/{class_a1}/roster.xlsx",
        "roster.export_class",
        {**SCHOOL_LEADERS, "head_teacher": 200},
        None,
    ),
    ("GET", "/schools/{school_a}/roster.xlsx", "roster.export_school", SCHOOL_LEADERS, None),
    ("GET", "/schools/{school_a}/guardians.xlsx", "roster.export_guardians", SCHOOL_LEADERS, None),
    ("GET", "/schools/{school_a}/roster/export", "roster.export_page", SCHOOL_LEADERS, None),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
