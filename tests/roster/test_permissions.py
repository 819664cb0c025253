"""The permission matrix of the roster routes: every route × every role (tests/matrix.py).

Export and import are the school's leaders' (school admin and principal: they see sensitive
family data); teachers, the district and another school's admin get 404."""

from __future__ import annotations

import pytest

from ..matrix import cases, check

SCHOOL_LEADERS = {"school_admin": 200, "principal": 200}
REDIRECT = {"school_admin": 303, "principal": 303}

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # Export (issue 15 item 8): phones and ID numbers, so those who see sensitive data only.
    (
        "GET",
        "/classes/{class_a1}/roster.xlsx",
        "roster.export_class",
        {**SCHOOL_LEADERS, "head_teacher": 200},
        None,
    ),
    ("GET", "/schools/{school_a}/roster.xlsx", "roster.export_school", SCHOOL_LEADERS, None),
    ("GET", "/schools/{school_a}/guardians.xlsx", "roster.export_guardians", SCHOOL_LEADERS, None),
    ("GET", "/schools/{school_a}/roster/export", "roster.export_page", SCHOOL_LEADERS, None),
    # Import (issue 15 items 2-5).
    ("GET", "/schools/{school_a}/roster/import", "roster.import_page", SCHOOL_LEADERS, None),
    # Without a kept file the preview sends back to the upload page; with another user's, 404.
    ("GET", "/schools/{school_a}/roster/import/preview", "roster.import_preview",
     REDIRECT, None),
    ("GET", "/schools/{school_a}/roster/import/commit", "roster.import_commit",
     REDIRECT, None),
    ("GET", "/schools/{school_a}/roster/import/errors.xlsx", "roster.import_errors", {}, None),
    ("GET", "/schools/{school_a}/roster/templates/students.xlsx", "roster.import_template",
     SCHOOL_LEADERS, None),
    ("GET", "/schools/{school_a}/roster/absent", "roster.mark_absent",
     REDIRECT, None),
    ("GET", "/schools/{school_a}/roster/family-links", "roster.family_links", SCHOOL_LEADERS, None),
    # No link in the world: 404 for everyone (tests/roster/test_import_views.py splits one).
    ("GET", "/schools/{school_a}/roster/family-links/1/split", "roster.split_family_link", {},
     None),
    # The job of another user: 404 for everyone but its requester (test_import_views.py).
    ("GET", "/roster/import-jobs/1", "roster.import_job", {}, None),
    # Staff import (issue 15 items 1, 5): the school admin loads the staff list. A POST without a
    # file (or without the preview's token) is the form again with its message.
    (
        "GET",
        "/schools/{school_a}/staff/template.xlsx",
        "roster.staff_template",
        {"school_admin": 200},
        None,
    ),
    ("GET", "/schools/{school_a}/staff/import", "roster.staff_import", {"school_admin": 200}, None),
    (
        "POST",
        "/schools/{school_a}/staff/import",
        "roster.staff_import",
        {"school_admin": 422},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/staff/import/commit",
        "roster.staff_commit",
        {"school_admin": 303},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/staff/import/commit",
        "roster.staff_commit",
        {"school_admin": 422},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/staff/invitations",
        "roster.staff_invitations",
        {"school_admin": 303},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/staff/invitations",
        "roster.staff_invitations",
        {"school_admin": 200},
        None,
    ),
    # School-year rollover (issue 15 item 9): the school admin only.
    ("GET", "/schools/{school_a}/rollover", "roster.rollover", {"school_admin": 200}, None),
    # The world's year has not ended: the commit is refused beside the form.
    ("POST", "/schools/{school_a}/rollover", "roster.rollover", {"school_admin": 422}, None),
    # Nothing to undo yet.
    (
        "POST",
        "/schools/{school_a}/rollover/undo",
        "roster.undo_rollover",
        {"school_admin": 404},
        None,
    ),
]  # fmt: skip


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
