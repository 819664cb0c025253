"""The permission matrix of the reception routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # ---- reception days ----
    ("GET", "/reception", "reception.index", {r: 200 for r in EVERYONE}, 200),
    (
        "GET",
        "/reception/slots/{slot}",
        "reception.book",
        {"parent": 200, "other_parent": 200},
        200,
    ),
    (
        "POST",
        "/reception/slots/{slot}",
        "reception.book",
        {"parent": 422, "other_parent": 422},
        422,
    ),
    (
        "GET",
        "/reception/bookings/{booking}",
        "reception.booked",
        {"parent": 200, "principal": 200, "school_admin": 200},
        404,
    ),
    (
        "GET",
        "/reception/bookings/{booking}.ics",
        "reception.booking_ics",
        {"parent": 200, "principal": 200, "school_admin": 200},
        None,
    ),
    ("POST", "/reception/bookings/{booking}/cancel", "reception.cancel", {"parent": 422}, None),
    (
        "GET",
        "/schools/{school_a}/reception",
        "reception.school_days",
        {"principal": 200, "school_admin": 200},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/reception",
        "reception.school_days",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "GET",
        "/reception/days/{reception_day}",
        "reception.day",
        {"principal": 200, "school_admin": 200},
        None,
    ),
    (
        "POST",
        "/reception/days/{reception_day}/cancel",
        "reception.cancel_day",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/reception/days/{reception_day}/walk-ins",
        "reception.walk_in",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/reception/bookings/{booking}/visit",
        "reception.visit",
        {"principal": 303, "school_admin": 303},
        None,
    ),
    ("GET", "/reception/lookup", "reception.lookup", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/reception/lookup", "reception.lookup", {r: 422 for r in EVERYONE}, 422),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
