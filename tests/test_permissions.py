"""The permission matrix: every route × every role, and the status each gets.

A route not listed here fails `test_every_route_is_in_the_matrix`, so no route ships untested.
"""

from __future__ import annotations

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

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    ("GET", "/", "core.home", {r: 200 for r in EVERYONE}, None),
    ("GET", "/healthz", "core.healthz", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/lang", "core.set_language", {r: 303 for r in EVERYONE}, 303),
    ("GET", "/login", "accounts.login", {r: 302 for r in EVERYONE}, 200),
    ("POST", "/logout", "accounts.logout", {r: 303 for r in EVERYONE}, 303),
    ("GET", "/account", "accounts.account", {r: 200 for r in EVERYONE}, None),
    ("GET", "/invite/not-a-real-token", "accounts.invitation", {r: 404 for r in EVERYONE}, 404),
    (
        "GET",
        "/admin/users",
        "accounts_admin.users",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/admin/users/new",
        "accounts_admin.new_user",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/admin/users/{head_teacher}",
        "accounts_admin.edit_user",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "POST",
        "/admin/users/{head_teacher}/invitation",
        "accounts_admin.invite_user",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/admin/audit",
        "accounts_admin.audit_log",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools",
        "schools.index",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    ("GET", "/schools/new", "schools.new_school", {"district_admin": 200}, None),
    (
        "GET",
        "/schools/{school_a}",
        "schools.show",
        {"school_admin": 200, "principal": 200, "district_supervisor": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/edit",
        "schools.edit_school",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/calendar",
        "schools.calendar",
        {"school_admin": 200, "principal": 200, "district_supervisor": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/semesters/{semester_a}/edit",
        "schools.edit_semester",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/classes/new",
        "schools.new_class",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    ("GET", "/my/classes", "schools.my_classes", {r: 200 for r in TEACHERS}, None),
    (
        "GET",
        "/classes/{class_a1}",
        "schools.class_page",
        {
            "school_admin": 200,
            "principal": 200,
            "head_teacher": 200,
            "subject_teacher": 200,
            "district_supervisor": 200,
            "district_admin": 200,
        },
        None,
    ),
    (
        "GET",
        "/classes/{class_a1}/edit",
        "schools.edit_class",
        {"school_admin": 200, "district_admin": 200},
        None,
    ),
    (
        "POST",
        "/assignments/{assignment}/remove",
        "schools.remove_assignment",
        {"school_admin": 303, "district_admin": 303},
        None,
    ),
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
    ),  # fmt: skip
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
            )
        },
        None,
    ),  # fmt: skip
    (
        "GET",
        "/contacts/new?student={student}",
        "contacts.new_contact",
        {"head_teacher": 200, "subject_teacher": 200},
        None,
    ),
    ("GET", "/contacts", "contacts.contacts", {r: 200 for r in TEACHERS}, None),
    ("GET", "/worklist", "contacts.worklist", {r: 200 for r in TEACHERS}, None),
    ("GET", "/worklist/summary", "contacts.worklist_summary", {r: 200 for r in TEACHERS}, None),
    ("GET", "/my/contacts", "contacts.parent_contacts", {"parent": 200, "other_parent": 200}, None),
    (
        "GET",
        "/classes/{class_a1}/worklist",
        "contacts.class_worklist",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    ("GET", "/schools/{school_a}/coverage", "contacts.school_coverage", LEADERS_AND_DISTRICT, None),
    (
        "GET",
        "/schools/{school_a}/coverage/families?rule=teacher",
        "contacts.coverage_families",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/contacts",
        "contacts.school_contacts",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/district/coverage",
        "contacts.district_coverage",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
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
    # ---- grids ----
    (
        "GET",
        "/classes/{class_a1}/grids",
        "grids.class_grids",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/grids",
        "grids.class_grids",
        {"head_teacher": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/grids/move",
        "grids.move_family",
        {"head_teacher": 422, "school_admin": 422},
        None,
    ),
    (
        "GET",
        "/grids/{grid}/settings",
        "grids.grid_settings",
        {"head_teacher": 200, "school_admin": 200},
        None,
    ),
    (
        "GET",
        "/grids/{grid}",
        "grids.grid_page",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/grids/{grid}/logs",
        "grids.add_log",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
    (
        "GET",
        "/my/grids",
        "grids.my_grids",
        {
            r: 200
            for r in (
                "head_teacher",
                "subject_teacher",
                "other_class_teacher",
                "other_school_teacher",
            )
        },
        None,
    ),  # fmt: skip
    ("GET", "/schools/{school_a}/grids", "grids.school_grids", LEADERS_AND_DISTRICT, None),
    (
        "GET",
        "/classes/{class_a1}/activities",
        "grids.class_activities",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/activities",
        "grids.class_activities",
        {r: 422 for r in ("head_teacher", "subject_teacher", "school_admin")},
        None,
    ),
    (
        "GET",
        "/activities/{activity}",
        "grids.activity",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/activities/{activity}/attendance",
        "grids.activity_attendance",
        {r: 303 for r in ("head_teacher", "subject_teacher", "school_admin")},
        None,
    ),
    (
        "POST",
        "/students/{student}/focus",
        "people.reveal_focus",
        {r: 200 for r in ("head_teacher", "principal", "school_admin")},
        None,
    ),
    # ---- cases ----
    (
        "POST",
        "/grids/{grid}/relays",
        "grids.relay",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
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
    ),  # fmt: skip
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
    ),  # fmt: skip
    (
        "GET",
        "/district/cases",
        "cases.district_cases",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
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
    # ---- academic reviews ----
    (
        "GET",
        "/classes/{class_a1}/reviews",
        "reviews.class_reviews",
        {r: 200 for r in ("head_teacher", "subject_teacher", "principal", "school_admin")},
        None,
    ),
    (
        "POST",
        "/classes/{class_a1}/reviews",
        "reviews.class_reviews",
        {"head_teacher": 422, "subject_teacher": 422},
        None,
    ),
    ("POST", "/classes/{class_a1}/reviews/publish", "reviews.publish", {"head_teacher": 303}, None),
    # ---- reception days ----
    ("GET", "/reception", "reception.index", {r: 200 for r in EVERYONE}, 200),
    (
        "GET",
        "/reception/slots/{slot}",
        "reception.book",
        {"parent": 200, "other_parent": 200},
        200,
    ),
    (
        "POST",
        "/reception/slots/{slot}",
        "reception.book",
        {"parent": 422, "other_parent": 422},
        422,
    ),
    (
        "GET",
        "/reception/bookings/{booking}",
        "reception.booked",
        {"parent": 200, "principal": 200, "school_admin": 200},
        404,
    ),
    (
        "GET",
        "/reception/bookings/{booking}.ics",
        "reception.booking_ics",
        {"parent": 200, "principal": 200, "school_admin": 200},
        None,
    ),
    ("POST", "/reception/bookings/{booking}/cancel", "reception.cancel", {"parent": 422}, None),
    (
        "GET",
        "/schools/{school_a}/reception",
        "reception.school_days",
        {"principal": 200, "school_admin": 200},
        None,
    ),
    (
        "POST",
        "/schools/{school_a}/reception",
        "reception.school_days",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "GET",
        "/reception/days/{reception_day}",
        "reception.day",
        {"principal": 200, "school_admin": 200},
        None,
    ),
    (
        "POST",
        "/reception/days/{reception_day}/cancel",
        "reception.cancel_day",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/reception/days/{reception_day}/walk-ins",
        "reception.walk_in",
        {"principal": 422, "school_admin": 422},
        None,
    ),
    (
        "POST",
        "/reception/bookings/{booking}/visit",
        "reception.visit",
        {"principal": 303, "school_admin": 303},
        None,
    ),
    ("GET", "/reception/lookup", "reception.lookup", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/reception/lookup", "reception.lookup", {r: 422 for r in EVERYONE}, 422),
    ("POST", "/notices/read", "core.read_notices", {r: 303 for r in EVERYONE}, None),
    # ---- the public mailbox ----
    ("GET", "/mailbox", "mailbox.write", {r: 200 for r in EVERYONE}, 200),
    ("GET", "/mailbox/receipt", "mailbox.receipt", {r: 303 for r in EVERYONE}, 303),
    ("GET", "/mailbox/captcha", "mailbox.captcha", {r: 200 for r in EVERYONE}, 200),
    ("GET", "/mailbox/captcha/nope.png", "mailbox.captcha_image", {}, 404),
    ("GET", "/mailbox/track", "mailbox.track", {r: 200 for r in EVERYONE}, 200),
    ("POST", "/mailbox/track/rating", "mailbox.rate", {}, 404),
    ("POST", "/cases/{case}/reply", "cases.reply", {"school_admin": 422, "principal": 422}, None),
    ("POST", "/cases/{case}/told", "cases.family_told", {"subject_teacher": 409}, None),
]


def _cases():
    for method, url, endpoint, allowed, anon in MATRIX:
        for role in ROLES:
            if role == "anonymous":
                expected = anon if anon is not None else 302
            else:
                expected = allowed.get(role, 404)
            yield pytest.param(method, url, role, expected, id=f"{endpoint}-{role}")


@pytest.mark.parametrize("method, url, role, expected", list(_cases()))
def test_matrix(client, login, world, method, url, role, expected):
    if role != "anonymous":
        login(getattr(world, f"{role}_name"))
    target = url.format(**vars(world))
    r = client.open(target, method=method)
    assert r.status_code == expected, f"{role} {method} {target}: {r.status_code}"
    if expected == 302 and role == "anonymous":
        assert "/login" in r.headers["Location"]


def test_every_route_is_in_the_matrix(app):
    covered = {endpoint for _, _, endpoint, _, _ in MATRIX}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert routes - covered == set(), "routes without a permission test"


@pytest.mark.parametrize(
    "url",
    [
        "/students/999999",
        "/classes/0",
        "/students/abc",
        "/schools/99999999999999999999",
        "/classes/-1",
        "/admin/users/424242",
        "/semesters/31337/edit",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, login, world, url):
    login(world.school_admin_name)
    assert client.get(url).status_code == 404
