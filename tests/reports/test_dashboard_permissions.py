"""The permission matrix of the dashboards (issue 18 item 1): every route × every role of the
world (tests/matrix.py). A city's or province's bureau is not one of the world's roles: its
scope is tested in tests/reports/test_dashboards.py."""

from __future__ import annotations

import pytest

from ..matrix import LEADERS_AND_DISTRICT, cases, check

DISTRICTS = {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200}

MATRIX = [
    # A region's dashboard is its bureau's: no district, school or family sees it.
    ("GET", "/regions/{city}", "reports.region_dashboard", {}, None),
    ("GET", "/district", "reports.district_dashboard", DISTRICTS, None),
    (
        "GET",
        "/districts/{district}",
        "reports.district_dashboard_of",
        {"district_supervisor": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/dashboard",
        "reports.school_dashboard",
        LEADERS_AND_DISTRICT,
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/dashboard",
        "reports.class_dashboard",
        LEADERS_AND_DISTRICT | {"head_teacher": 200, "subject_teacher": 200},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
