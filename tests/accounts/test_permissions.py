"""The permission matrix of the accounts routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    ("GET", "/login", "accounts.login", {r: 302 for r in EVERYONE}, 200),
    ("POST", "/logout", "accounts.logout", {r: 303 for r in EVERYONE}, 303),
    ("GET", "/account", "accounts.account", {r: 200 for r in EVERYONE}, None),
    ("GET", "/invite/not-a-real-token", "accounts.invitation", {r: 404 for r in EVERYONE}, 404),
    (
        "GET",
        "/admin/users",
        "accounts_admin.users",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/admin/users/new",
        "accounts_admin.new_user",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/admin/users/{head_teacher}",
        "accounts_admin.edit_user",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "POST",
        "/admin/users/{head_teacher}/invitation",
        "accounts_admin.invite_user",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
