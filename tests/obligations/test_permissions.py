"""The permission matrix of the obligations routes (tests/matrix.py): a teacher sees their own,
the school's leaders every teacher's of the school; another school's teachers and documents,
the district and parents get 404."""

from __future__ import annotations

import pytest

from ..matrix import cases, check
from .documents import with_documents, year_of

TEACHERS = {r: 200 for r in ("principal", "head_teacher", "subject_teacher",
                             "other_class_teacher", "other_school_teacher")}  # fmt: skip
LEADERS = {"principal": 200, "school_admin": 200}


def _as(statuses: dict, status: int) -> dict:
    return {role: status for role in statuses}


MATRIX = [
    ("GET", "/my/obligations", "obligations.my_obligations", TEACHERS, None),
    ("POST", "/my/obligations", "obligations.my_obligations", _as(TEACHERS, 422), None),
    (
        "GET",
        "/my/obligations?school={school_b}",
        "obligations.my_obligations",
        {"other_school_teacher": 200},
        None,
    ),  # fmt: skip
    ("GET", "/schools/{school_a}/obligations", "obligations.school_obligations", LEADERS, None),
    (
        "GET",
        "/schools/{school_a}/obligations?format=xlsx",
        "obligations.school_obligations",
        LEADERS,
        None,
    ),  # fmt: skip
    (
        "GET",
        "/schools/{school_b}/obligations",
        "obligations.school_obligations",
        {"other_school_admin": 200},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/schools/{school_a}/obligations/teachers/{head_teacher}",
        "obligations.teacher_obligations",
        LEADERS,
        None,
    ),  # fmt: skip
    # Another school's teacher through school A's address: 404 for everyone.
    (
        "GET",
        "/schools/{school_a}/obligations/teachers/{other_school_teacher}",
        "obligations.teacher_obligations",
        {},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/obligations/documents/{document}",
        "obligations.document",
        {"head_teacher": 200, **LEADERS},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/obligations/documents/{document_b}",
        "obligations.document",
        {"other_school_teacher": 200, "other_school_admin": 200},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/obligations/documents/{document}/accept",
        "obligations.accept",
        _as(LEADERS, 303),
        None,
    ),  # fmt: skip
    (
        "POST",
        "/obligations/documents/{document}/accept",
        "obligations.accept",
        _as(LEADERS, 303),
        None,
    ),  # fmt: skip
    (
        "POST",
        "/obligations/documents/{document_b}/accept",
        "obligations.accept",
        {"other_school_admin": 303},
        None,
    ),  # fmt: skip
    (
        "GET",
        "/obligations/documents/{document}/return",
        "obligations.return_document",
        _as(LEADERS, 303),
        None,
    ),  # fmt: skip
    # No reason given: the form comes back (422) for those who may return it.
    (
        "POST",
        "/obligations/documents/{document}/return",
        "obligations.return_document",
        _as(LEADERS, 422),
        None,
    ),  # fmt: skip
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, ctx, world, method, url, role, expected):
    check(client, login, with_documents(world), method, url, role, expected)


def test_another_schools_year_is_404(client, login, ctx, world):
    w = with_documents(world)
    login(w.principal_name)
    other = year_of(w.school_b).id
    assert client.get(f"/schools/{w.school_a}/obligations?year={other}").status_code == 404
    login(w.head_teacher_name)
    assert client.get(f"/my/obligations?year={other}").status_code == 404
    assert client.get(f"/my/obligations?school={w.school_b}").status_code == 404
