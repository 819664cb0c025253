"""The permission matrix of the survey routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import LEADERS_AND_DISTRICT, cases, check

LEADERS = {"principal": 200, "school_admin": 200}
PARENTS = {"parent": 200, "other_parent": 200}

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # ---- parents ----
    ("GET", "/surveys", "surveys.index", PARENTS, None),
    ("GET", "/surveys/{survey}", "surveys.answer", PARENTS, None),
    ("POST", "/surveys/{survey}", "surveys.answer", {"parent": 422, "other_parent": 422}, None),
    # School B's survey: the parent has a child there, the other parent has not.
    ("GET", "/surveys/{survey_b}", "surveys.answer", {"parent": 200}, None),
    ("POST", "/surveys/{survey_b}", "surveys.answer", {"parent": 422}, None),
    ("GET", "/surveys/{survey_draft}", "surveys.answer", {}, None),
    # ---- the school's leaders ----
    ("GET", "/schools/{school_a}/surveys", "surveys.school_surveys", LEADERS, None),
    (
        "POST",
        "/schools/{school_a}/surveys",
        "surveys.school_surveys",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "GET",
        "/surveys/{survey_draft}/publish",
        "surveys.publish",
        {"principal": 303, "school_admin": 303},
        None,
    ),
    # School A has an open survey already: one at a time.
    (
        "POST",
        "/surveys/{survey_draft}/publish",
        "surveys.publish",
        {"principal": 409, "school_admin": 409},
        None,
    ),
    (
        "POST",
        "/surveys/{survey}/close",
        "surveys.close",
        {"principal": 303, "school_admin": 303},
        None,
    ),  # fmt: skip
    (
        "POST",
        "/surveys/{survey_draft}/close",
        "surveys.close",
        {"principal": 409, "school_admin": 409},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/surveys/{survey}/close",
        "surveys.close",
        {"principal": 303, "school_admin": 303},
        None,
    ),  # fmt: skip
    # ---- results: the leaders, and the district for a published survey ----
    ("GET", "/surveys/{survey}/results", "surveys.results", LEADERS_AND_DISTRICT, None),
    ("GET", "/surveys/{survey_draft}/results", "surveys.results", LEADERS, None),
    (
        "GET",
        "/surveys/{survey_b}/results",
        "surveys.results",
        {"other_school_admin": 200, "district_supervisor": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/district/surveys",
        "surveys.district",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
