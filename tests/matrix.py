"""The permission matrix's shared part: the world's roles, row expansion and the check.

Each domain lists its routes in tests/<domain>/test_permissions.py (or more modules named
test_*permissions.py) as MATRIX rows
(method, url template, endpoint, {role: status} for the allowed roles, status for anonymous or
None for the login redirect). tests/test_permissions.py fails when a route of the app has no row.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROLES = [
    "anonymous", "district_supervisor", "district_admin", "other_district_supervisor",
    "school_admin", "principal", "head_teacher", "subject_teacher", "other_class_teacher",
    "other_school_admin", "other_school_teacher", "parent", "other_parent",
]  # fmt: skip
STAFF_A = {"school_admin", "principal", "head_teacher", "subject_teacher", "other_class_teacher"}
TEACHERS = {"principal", "head_teacher", "subject_teacher", "other_class_teacher",
            "other_school_teacher"}  # fmt: skip
EVERYONE = set(ROLES) - {"anonymous"}
LEADERS_AND_DISTRICT = {
    "school_admin": 200, "principal": 200, "district_supervisor": 200, "district_admin": 200,
}  # fmt: skip


def cases(matrix) -> list:
    """One pytest param per row and role: out of scope is 404, anonymous is sent to log in."""
    params = []
    for method, url, endpoint, allowed, anon in matrix:
        for role in ROLES:
            if role == "anonymous":
                expected = anon if anon is not None else 302
            else:
                expected = allowed.get(role, 404)
            params.append(pytest.param(method, url, role, expected, id=f"{endpoint}-{role}"))
    return params


def check(client, login, world, method: str, url: str, role: str, expected: int) -> None:
    """Sign in as `role` (unless anonymous), send the request and compare the status."""
    if role != "anonymous":
        login(getattr(world, f"{role}_name"))
    target = url.format(**vars(world))
    r = client.open(target, method=method)
    assert r.status_code == expected, f"{role} {method} {target}: {r.status_code}"
    if expected == 302 and role == "anonymous":
        assert "/login" in r.headers["Location"]


def all_rows() -> dict[str, list]:
    """Every domain's MATRIX, by the test module that lists it."""
    rows = {}
    # test_permissions.py, and more modules of a domain's rows (test_detail_permissions.py).
    for path in sorted(Path(__file__).parent.glob("*/test_*permissions.py")):
        name = f"tests.{path.parent.name}.{path.stem}"
        rows[name] = importlib.import_module(name).MATRIX
    return rows
