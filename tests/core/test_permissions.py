"""The permission matrix of the core routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    ("GET", "/healthz", "core.healthz", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/lang", "core.set_language", {r: 303 for r in EVERYONE}, 303),
    ("POST", "/notices/read", "core.read_notices", {r: 303 for r in EVERYONE}, None),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
