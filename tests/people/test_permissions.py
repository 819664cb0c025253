"""The permission matrix of the people routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, TEACHERS, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    (
        "GET",
        "/students/{student}/edit",
        "people.edit_student",
        {"school_admin": 200, "principal": 200, "head_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/{guardian}/account",
        "people.guardian_account",
        {"school_admin": 200, "principal": 200, "head_teacher": 200},
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
    # Focus categories marked and ended from the student page (issue 21 item 5): the class's
    # head teacher and the school's leaders; an empty form is answered 422 beside its fields.
    *[
        (
            method,
            f"/students/{{student}}/focus/{action}",
            f"people.{action}_focus",
            {r: status for r in ("head_teacher", "principal", "school_admin")},
            None,
        )
        for action in ("mark", "end")
        for method, status in (("GET", 200), ("POST", 422))
    ],  # fmt: skip
    (
        "GET",
        "/students/{student}/status",
        "people.student_status",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/status",
        "people.student_status",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    (
        "POST",
        "/students/{student}/status/999999/undo",
        "people.undo_student_status",
        {"school_admin": 404, "principal": 404},
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/students/new",
        "people.new_student",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/students/new",
        "people.new_student",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    (
        "GET",
        "/students/{student}/move",
        "people.move_student",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/move",
        "people.move_student",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    (
        "GET",
        "/students/{student}/guardians/new",
        "people.new_guardian",
        {"school_admin": 200, "principal": 200, "head_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/new",
        "people.new_guardian",
        {"school_admin": 422, "principal": 422, "head_teacher": 422},
        None,
    ),
    (
        "GET",
        "/students/{student}/guardians/{guardian}/edit",
        "people.edit_guardian",
        {"school_admin": 200, "principal": 200, "head_teacher": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/{guardian}/edit",
        "people.edit_guardian",
        {"school_admin": 422, "principal": 422, "head_teacher": 422},
        None,
    ),
    (
        "GET",
        "/students/{student}/guardians/link",
        "people.link_guardian",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/link",
        "people.link_guardian",
        {"school_admin": 422, "principal": 422},
        None,
    ),
    (
        "POST",
        "/students/{student}/guardians/{guardian}/unlink",
        "people.unlink_guardian",
        {"school_admin": 303, "principal": 303},
        None,
    ),
    ("GET", "/my/classes", "classes.my_classes", {r: 200 for r in TEACHERS}, None),
    # Parents' activation (issue 15 item 7): letters for the school's admin and principal and
    # the class's head teacher; the outbox for the school admin; /activate for anyone.
    (
        "GET",
        "/classes/{class_a1}/letters",
        "activation.letters",
        {r: 200 for r in ("school_admin", "principal", "head_teacher")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/letters",
        "activation.letters_pdf",
        {r: 422 for r in ("school_admin", "principal", "head_teacher")},  # not confirmed
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/letters/sms",
        "activation.letters_sms",
        {r: 422 for r in ("school_admin", "principal", "head_teacher")},  # not confirmed
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/letters/jobs/{letters_job}",
        "activation.letters_job",
        {r: 200 for r in ("school_admin", "principal", "head_teacher")},
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/letters/jobs/{letters_job}/file",
        "activation.letters_job_file",
        {r: 410 for r in ("school_admin", "principal", "head_teacher")},  # the file is gone
        None,
    ),
    (
        "GET",
        "/classes/{class_a2}/letters/jobs/{letters_job}",
        "activation.letters_job",
        {r: 404 for r in ("school_admin", "principal")},  # a job of another class
        None,
    ),
    ("GET", "/schools/{school_a}/outbox", "activation.outbox_page", {"school_admin": 200}, None),
    (
        "POST",
        "/schools/{school_a}/outbox/999999/retry",
        "activation.outbox_retry",
        {},  # no such message of the school: 404 for everyone signed in
        None,
    ),
    ("GET", "/activate", "activation.activate", {r: 200 for r in EVERYONE}, 200),
    (
        "GET",
        "/classes/{class_a1}",
        "classes.class_page",
        {
            "school_admin": 200,
            "principal": 200,
            "head_teacher": 200,
            "subject_teacher": 200,
            # The roster: names, communities, guardians. The district admin manages classes;
            # the supervisor sees the class's figures only (issue 20 item 11).
            "district_admin": 200,
        },
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
