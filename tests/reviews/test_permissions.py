"""The permission matrix of the reviews routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # ---- academic reviews ----
    (
        "GET",
        "/classes/{class_a1}/reviews",
        "reviews.class_reviews",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/reviews",
        "reviews.class_reviews",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
    ("POST", "/classes/{class_a1}/reviews/publish", "reviews.publish", {"head_teacher": 303}, None),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
