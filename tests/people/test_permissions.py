"""The permission matrix of the people routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    (
        "GET",
        "/students/{student}",
        "people.student",
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
        "/students/{student}/edit",
        "people.edit_student",
        {"school_admin": 200, "head_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/{guardian}/account",
        "people.guardian_account",
        {"school_admin": 200, "head_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/{guardian}/phone",
        "people.reveal_phone",
        {"school_admin": 200, "principal": 200, "head_teacher": 200, "subject_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/focus",
        "people.reveal_focus",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
    # ---- the student archive ----
    (
        "GET",
        "/students/{student}/archive",
        "people.archive_page",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "GET",
        "/students/{student}/dossier.pdf",
        "people.dossier",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/students/{student}/sensitive",
        "people.reveal_sensitive",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "GET",
        "/students/{student}/sensitive/edit",
        "people.edit_sensitive",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/dossiers",
        "people.class_dossiers",
        {r: 303 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    ("GET", "/dossier-jobs/{dossier_job}", "people.dossier_job", {"head_teacher": 200}, None),
    (
        "GET",
        "/dossier-jobs/{dossier_job}/file",
        "people.dossier_job_file",
        {"head_teacher": 410},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
