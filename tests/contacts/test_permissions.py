"""The permission matrix of the contacts routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import LEADERS_AND_DISTRICT, TEACHERS, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # ---- contacts ----
    (
        "GET",
        "/contacts/{contact}",
        "contacts.contact",
        {
            r: 200
            for r in (
                "head_teacher",
                "subject_teacher",
                "principal",
                "school_admin",
                "other_school_teacher",
                "parent",
            )
        },
        None,
    ),  # fmt: skip,
    ("GET", "/contacts/{contact}/edit", "contacts.edit_contact", {"head_teacher": 200}, None),
    ("POST", "/contacts/{contact}/withdraw", "contacts.withdraw", {"head_teacher": 422}, None),
    ("POST", "/contacts/{contact}/review", "contacts.review", {"principal": 422}, None),
    ("POST", "/contacts/{contact}/evaluation", "contacts.evaluate", {"parent": 422}, None),
    (
        "GET",
        "/contacts/{contact}/photos/{photo}",
        "contacts.photo",
        {
            r: 200
            for r in (
                "head_teacher",
                "subject_teacher",
                "principal",
                "school_admin",
                "other_school_teacher",
            )
        },  # the sibling's teacher at school B
        None,
    ),
    (
        "GET",
        "/contacts/new",
        "contacts.new_contact",
        {
            r: 200
            for r in (
                "head_teacher",
                "subject_teacher",
                "other_class_teacher",
                "other_school_teacher",
                "principal",  # a school's leader records with any of its families (issue 21)
            )
        },
        None,
    ),  # fmt: skip,
    (
        "GET",
        "/contacts/new?student={student}",
        "contacts.new_contact",
        {"head_teacher": 200, "subject_teacher": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/contacts/new?student={student_a2}",
        "contacts.new_contact",
        {"other_class_teacher": 200, "principal": 200},
        None,
    ),
    ("GET", "/contacts", "contacts.contacts", {r: 200 for r in TEACHERS}, None),
    ("GET", "/worklist", "contacts.worklist", {r: 200 for r in TEACHERS}, None),
    ("GET", "/my/contacts", "contacts.parent_contacts", {"parent": 200, "other_parent": 200}, None),
    (
        "GET",
        "/classes/{class_a1}/worklist",
        "contacts.class_worklist",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/contacts",
        "contacts.school_contacts",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    ("GET", "/schools/{school_a}/quotas", "contacts.quotas", LEADERS_AND_DISTRICT, None),
    (
        "POST",
        "/schools/{school_a}/quotas",
        "contacts.quotas",
        {"school_admin": 422, "district_admin": 422},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
