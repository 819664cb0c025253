"""The permission matrix of the school leaders' pairing pages and the need marks (tests/matrix.py):
the school's principal and admin; the district, other schools and teachers get 404."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

LEADERS = ("principal", "school_admin")
MARKERS = ("principal", "school_admin", "head_teacher")  # services.may_mark_need

MATRIX = [
    ("GET", "/schools/{school_a}/pairing", "pairing.school_pairing",
     {r: 200 for r in LEADERS}, None),
    ("GET", "/schools/{school_a}/pairing/proposal", "pairing.proposal",
     {r: 200 for r in LEADERS}, None),
    ("POST", "/schools/{school_a}/pairing/proposal", "pairing.proposal",
     {r: 422 for r in LEADERS}, None),
    ("GET", "/schools/{school_a}/pairing/new", "pairing.new_pairing",
     {r: 200 for r in LEADERS}, None),
    ("POST", "/schools/{school_a}/pairing/new", "pairing.new_pairing",
     {r: 422 for r in LEADERS}, None),
    ("GET", "/schools/{school_a}/pairing/settings", "pairing.pairing_settings",
     {r: 200 for r in LEADERS}, None),
    ("POST", "/schools/{school_a}/pairing/settings", "pairing.pairing_settings",
     {r: 422 for r in LEADERS}, None),
    ("GET", "/pairings/{pairing}/end", "pairing.end_pairing", {r: 200 for r in LEADERS}, None),
    ("POST", "/pairings/{pairing}/end", "pairing.end_pairing", {r: 422 for r in LEADERS}, None),
    ("GET", "/pairings/{pairing}/move", "pairing.move_pairing", {r: 200 for r in LEADERS}, None),
    ("POST", "/pairings/{pairing}/move", "pairing.move_pairing", {r: 422 for r in LEADERS},
     None),
    ("GET", "/students/{student}/need", "pairing.student_need", {r: 200 for r in MARKERS}, None),
    ("POST", "/students/{student}/need", "pairing.student_need", {r: 422 for r in MARKERS},
     None),
    ("GET", "/schools/{school_a}/pairing/marks/{mark}/decide", "pairing.decide_mark",
     {r: 303 for r in LEADERS}, None),
    ("POST", "/schools/{school_a}/pairing/marks/{mark}/decide", "pairing.decide_mark",
     {r: 422 for r in LEADERS}, None),
]  # fmt: skip


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, paired_world, method, url, role, expected):
    check(client, login, paired_world, method, url, role, expected)


@pytest.mark.parametrize(
    "url",
    [
        "/schools/{school_b}/pairing",  # another school's leader page, as school A's principal
        "/schools/{school_b}/pairing/new",
        "/schools/{school_b}/pairing/marks/{mark}/decide",  # A's mark under B's address
        "/students/{student_c1}/need",
        "/pairings/999999/end",
    ],
)
def test_out_of_scope_is_404(client, login, paired_world, url):
    login(paired_world.principal_name)
    assert client.get(url.format(**vars(paired_world))).status_code == 404
