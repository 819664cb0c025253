"""Semester reports as PDF (issue 18 item 6): a school's, for its leaders, and a district's, over
its schools (figures only: no family is named in either). Each is drawn from the same figures
and the same SVG charts as the coverage pages, through the shared renderer (core/pdf.py), and
each download is written to the audit log as an export."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user, login_required

from gridapp.contacts import rules, worklists
from gridapp.core import audit, storage
from gridapp.core.i18n import gettext as _
from gridapp.core.pdf import render
from gridapp.core.permissions import Need, require
from gridapp.core.time import format_datetime, now, today
from gridapp.extensions import db
from gridapp.reports import coverage_export, pairing_figures, semester_report, trends
from gridapp.reports.blueprint import bp
from gridapp.reports.coverage_views import _coverage_context, district_ranking
from gridapp.reports.semester_report import CaseFigures, EvaluationFigures
from gridapp.schools.models import District
from gridapp.schools.permissions import district_school_ids, leader_school_ids, load_school


def _me():
    return current_user._get_current_object()


def _pdf(html: str, name: str, fallback: str) -> Response:
    disposition = storage.content_disposition(name, fallback, inline=True)
    return Response(
        render(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


@bp.get("/schools/<int:school_id>/report.pdf")
@login_required
def school_report_pdf(school_id: int):
    """The school's semester report (its current semester, or `?semester=` of its own): the
    coverage by rule with its counts, the classes ranked with the chart of their scores, the
    trend by week, cases, pairing coverage and parents' evaluations. For the school's leaders;
    audited as an export."""
    school = load_school(school_id, Need.VIEW)
    user = _me()
    require(school.id in leader_school_ids(user))
    context = _coverage_context(school, True)
    period = context["period"]
    if period is None:
        abort(404)
    wins = semester_report.windows([school.id], today(), period.semester_id)
    pairing = pairing_figures.pairing_coverage([school.id], today())
    html = render_template(
        "reports/school_report_pdf.html",
        exporter=user.name,
        exported_at=format_datetime(now()),
        semester=next(s for s in context["semesters"] if s.id == period.semester_id),
        window=wins.get(school.id),
        cases=semester_report.case_figures(wins, today()).get(school.id, CaseFigures()),
        evaluations=semester_report.evaluation_figures(wins).get(school.id, EvaluationFigures()),
        pairing=pairing.schools.get(school.id),
        pairing_semester=pairing.semesters.get(school.id),
        **context,
    )
    audit.record(user, "reports.school_report.export", school, school_id=school.id,
                 semester_id=period.semester_id)  # fmt: skip
    db.session.commit()
    name = _("%(school)s-学期报告-%(on)s.pdf", school=school.name, on=today().isoformat())
    return _pdf(html, name, f"school-report-{school.id}-{today().isoformat()}.pdf")


@bp.get("/district/report.pdf")
@login_required
def district_report_pdf():
    """The district's semester report: its schools ranked by coverage with the chart of their
    scores, the coverage by rule summed over them, the trend by week, and per school its cases,
    pairing coverage and parents' evaluations. Figures only; audited as an export."""
    user = _me()
    school_ids = sorted(district_school_ids(user))
    require(bool(school_ids))
    context = district_ranking(school_ids)
    ranking, names = context["ranking"], context["schools"]
    trend = trends.district_trend(school_ids, today())
    wins = semester_report.windows(school_ids, today())
    cases = semester_report.case_figures(wins, today())
    evaluations = semester_report.evaluation_figures(wins)
    pairing = pairing_figures.pairing_coverage(school_ids, today())
    district = db.session.get(District, user.district_id)
    html = render_template(
        "reports/district_report_pdf.html",
        exporter=user.name,
        exported_at=format_datetime(now()),
        district=district,
        labels=worklists.rule_labels(),
        columns=("teacher",) + rules.CLASS_RULES,
        chart=coverage_export.school_chart(ranking, names),
        trend=trend,
        trend_charts=coverage_export.trend_charts(trend),
        cases=cases,
        cases_total=semester_report.total_of(cases, CaseFigures),
        evaluations=evaluations,
        evaluations_total=semester_report.total_of(evaluations, EvaluationFigures),
        pairing=pairing,
        # The per-school tables in the ranking's order, then the schools without figures.
        ordered=[names[r.key] for _rank, r in ranking]
        + [s for s in names.values() if s.id not in {r.key for _rank, r in ranking}],
        **context,
    )
    audit.record(user, "reports.district_report.export", schools=len(school_ids))
    db.session.commit()
    name = _("%(district)s-学期报告-%(on)s.pdf", district=district.name, on=today().isoformat())
    return _pdf(html, name, f"district-report-{today().isoformat()}.pdf")
