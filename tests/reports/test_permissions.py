"""The permission matrix of the reports routes: every route × every role (tests/matrix.py)."""

from __future__ import annotations

import pytest

from ..matrix import EVERYONE, LEADERS_AND_DISTRICT, TEACHERS, cases, check

# (method, url template, endpoint, {role: status} for the allowed roles; the rest get 404,
#  anonymous gets a redirect to the login page unless `anon` is given)
MATRIX = [
    # The audit log: the district admin (the district's), a school admin (their schools').
    (
        "GET",
        "/admin/audit",
        "reports.audit_log_page",
        {"school_admin": 200, "district_admin": 200, "other_school_admin": 200},
        None,
    ),
    (
        "GET",
        "/district/cases",
        "reports.district_cases",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    ("GET", "/worklist/summary", "reports.worklist_summary", {r: 200 for r in TEACHERS}, None),
    ("GET", "/schools/{school_a}/coverage", "reports.school_coverage", LEADERS_AND_DISTRICT, None),
    (
        "GET",
        "/schools/{school_a}/coverage/families?rule=teacher",
        "reports.coverage_families",
        LEADERS_AND_DISTRICT,  # a bureau: names and counts, no focus mark, audited
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/coverage/families?rule=focus",
        "reports.coverage_families",
        {"school_admin": 200, "principal": 200},  # its families are the focus students
        None,
    ),
    (
        "GET",
        "/district/coverage",
        "reports.district_coverage",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    ("GET", "/", "reports.home", {r: 200 for r in EVERYONE}, None),
    # 1+N pairing figures: the district sees figures, never names (issue 16 item 6).
    (
        "GET",
        "/schools/{school_a}/pairing/coverage",
        "reports.pairing_coverage",
        LEADERS_AND_DISTRICT,
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/pairing/coverage/classes/{class_a1}",
        "reports.pairing_unpaired",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/district/pairing",
        "reports.district_pairing",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/pairing/summary",
        "reports.pairing_summary",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/pairing/summary.pdf",
        "reports.pairing_summary_pdf",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    # Semester reports as PDF (issue 18 item 6): a school's for its leaders, the district's.
    (
        "GET",
        "/schools/{school_a}/report.pdf",
        "reports.school_report_pdf",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/district/report.pdf",
        "reports.district_report_pdf",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    ("GET", "/schools/{school_a}/grids", "reports.school_grids", LEADERS_AND_DISTRICT, None),
    # Each teacher's year in figures (issue 21 item 8): the school's leaders and its district.
    (
        "GET",
        "/schools/{school_a}/teacher-year",
        "reports.teacher_year_page",
        LEADERS_AND_DISTRICT,
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/teacher-year.xlsx",
        "reports.teacher_year_export",
        LEADERS_AND_DISTRICT,
        None,
    ),
    (
        "GET",
        "/schools",
        "reports.school_index",
        {"district_supervisor": 200, "district_admin": 200, "other_district_supervisor": 200},
        None,
    ),
    # The focus rosters (issue 21 item 5): sensitive categories, so never the district.
    (
        "GET",
        "/classes/{class_a1}/focus",
        "reports.class_focus",
        {"school_admin": 200, "principal": 200, "head_teacher": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}/focus",
        "reports.school_focus",
        {"school_admin": 200, "principal": 200},
        None,
    ),
    (
        "GET",
        "/schools/{school_a}",
        "reports.school_overview",
        {"school_admin": 200, "principal": 200, "district_supervisor": 200, "district_admin": 200},
        None,
    ),
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, world, method, url, role, expected):
    check(client, login, world, method, url, role, expected)
