"""The permission matrix of the dossiers routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    (
        "GET",
        "/students/{student}/dossier.pdf",
        "dossiers.dossier",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/dossiers",
        "dossiers.class_dossiers",
        {r: 303 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    ("GET", "/dossier-jobs/{dossier_job}", "dossiers.dossier_job", {"head_teacher": 200}, None),
    (
        "GET",
        "/dossier-jobs/{dossier_job}/file",
        "dossiers.dossier_job_file",
        {"head_teacher": 410},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
