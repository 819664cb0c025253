"""The permission matrix of the cases routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    (
        "GET",
        "/schools/{school_a}/cases",
        "cases.school_cases",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/cases/{case}",
        "cases.case",
        {
            r: 200
            for r in (
                "school_admin",
                "principal",
                "subject_teacher",
                "head_teacher",
                "district_supervisor",
                "district_admin",
            )
        },
        None,
    ),  # fmt: skip,
    (
        "GET",
        "/schools/{school_a}/cases/new",
        "cases.register_case",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/cases/{case}/moves/note",
        "cases.move",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    ("POST", "/cases/{case}/approval", "cases.approval", {"principal": 409}, None),
    (
        "POST",
        "/cases/{case}/supervision",
        "cases.supervise",
        {"district_supervisor": 422, "district_admin": 422},
        None,
    ),
    ("GET", "/cases/{case}/attachments/1", "cases.attachment", {}, None),
    (
        "GET",
        "/my/cases",
        "cases.my_cases",
        {
            r: 200
            for r in (
                "school_admin",
                "principal",
                "head_teacher",
                "subject_teacher",
                "other_class_teacher",
                "other_school_admin",
                "other_school_teacher",
            )
        },
        None,
    ),  # fmt: skip,
    (
        "GET",
        "/schools/{school_a}/case-settings",
        "cases.case_settings",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/case-settings",
        "cases.case_settings",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    (
        "GET",
        "/district/calendar",
        "cases.district_calendar",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    ("POST", "/district/calendar", "cases.district_calendar", {"district_admin": 422}, None),
    ("GET", "/my/letters", "cases.my_letters", {"parent": 200, "other_parent": 200}, None),
    # Nobody's letter in the world: 404 for everyone (the writer's own is tested apart).
    ("POST", "/my/letters/999999/rating", "cases.rate_letter", {}, None),
    # ---- the public mailbox ----
    ("GET", "/mailbox", "mailbox.write", {r: 200 for r in EVERYONE}, 200),
    ("GET", "/mailbox/receipt", "mailbox.receipt", {r: 303 for r in EVERYONE}, 303),
    ("GET", "/mailbox/captcha", "mailbox.captcha", {r: 200 for r in EVERYONE}, 200),
    ("GET", "/mailbox/captcha/nope.png", "mailbox.captcha_image", {}, 404),
    ("GET", "/mailbox/track", "mailbox.track", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/mailbox/track/rating", "mailbox.rate", {}, 404),
    ("POST", "/cases/{case}/reply", "cases.reply", {"school_admin": 422, "principal": 422}, None),
    ("POST", "/cases/{case}/told", "cases.family_told", {"subject_teacher": 409}, None),
    # ---- a parent's opinion on a contact raised as a case (issue 21): its authors (the head
    # teacher recorded it with the subject teacher) and the school's leaders; the sibling's head
    # teacher at school B reads the record but raises nothing for school A. No category: 422.
    (
        "POST",
        "/contacts/{contact}/case",
        "cases.raise_from_contact",
        {r: 422 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "GET",
        "/contacts/{contact}/case",
        "cases.raise_from_contact",
        {r: 303 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
