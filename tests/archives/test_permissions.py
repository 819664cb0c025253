"""The permission matrix of the archives routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    (
        "GET",
        "/students/{student}",
        "archives.student",
        {
            "school_admin": 200,
            "principal": 200,
            "head_teacher": 200,
            "subject_teacher": 200,
            "parent": 200,
        },
        None,
    ),
    (
        "GET",
        "/students/{student}/archive",
        "archives.archive_page",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/students/{student}/sensitive",
        "archives.reveal_sensitive",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "GET",
        "/students/{student}/sensitive/edit",
        "archives.edit_sensitive",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
