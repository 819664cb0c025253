"""1+N pairing figures (issue 16 item 6): a school's coverage per class, the unpaired students
behind a class's figure (school leaders only), the district's schools ranked by the share paired
(figures only, never names), and the principal's semester summary of all pairings as a page and
a PDF (school leaders only: it names students; every view and export audited)."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user, login_required

from gridapp.contacts import rules
from gridapp.core import audit, storage
from gridapp.core.i18n import gettext as _
from gridapp.core.pdf import render
from gridapp.core.permissions import Need, require
from gridapp.core.time import format_datetime, now, today
from gridapp.core.xlsx import wants_xlsx
from gridapp.extensions import db
from gridapp.reports import figures, pairing_export, pairing_figures
from gridapp.reports.blueprint import bp
from gridapp.reports.pairing_figures import PairingFigures
from gridapp.schools.models import School
from gridapp.schools.permissions import district_school_ids, leader_school_ids, load_school


def _me():
    return current_user._get_current_object()


def _led_school(school_id: int) -> School:
    """The school, for its leaders only (the district sees figures, never names): 404 else."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    return school


@bp.get("/schools/<int:school_id>/pairing/coverage")
@login_required
def pairing_coverage(school_id: int):
    """Per class: students in need, paired, the share paired, support entries this semester per
    pairing, overdue plans; the school's total. Leaders may open a class's unpaired students."""
    school = load_school(school_id, Need.VIEW)
    coverage = pairing_figures.pairing_coverage([school.id], today())
    rows = [
        (c, coverage.classes.get(c.id) or PairingFigures(key=c.id))
        for c in pairing_figures.coverage_class_rows(school.id)
        if c.closed_on is None or c.id in coverage.classes
    ]
    if wants_xlsx():
        return pairing_export.school_workbook(school, rows, coverage.schools[school.id])
    return render_template(
        "reports/pairing_coverage.html",
        school=school,
        rows=rows,
        total=coverage.schools[school.id],
        semester=coverage.semesters.get(school.id),
        is_leader=school.id in leader_school_ids(_me()),
    )


@bp.get("/schools/<int:school_id>/pairing/coverage/classes/<int:class_id>")
@login_required
def pairing_unpaired(school_id: int, class_id: int):
    """The class's students in need who are not paired (names: the school's leaders only)."""
    school = _led_school(school_id)
    classes = {c.id: c for c in pairing_figures.coverage_class_rows(school.id)}
    require(class_id in classes)
    return render_template(
        "reports/pairing_unpaired.html",
        school=school,
        school_class=classes[class_id],
        students=pairing_figures.unpaired_in_class(school.id, class_id),
    )


@bp.get("/district/pairing")
@login_required
def district_pairing():
    """The district's schools by the share of their students in need who are paired (shares
    that show alike, in whole percent, rank equal; a school with nobody in need has no share
    and comes last), and the district's total. Figures only."""
    school_ids = sorted(district_school_ids(_me()))
    require(bool(school_ids))
    coverage = pairing_figures.pairing_coverage(school_ids, today())
    ranking = rules.ranked(list(coverage.schools.values()), key=lambda r: r.whole_percent)
    schools = {s.id: s for s in figures.schools_by_ids(school_ids)}
    if wants_xlsx():
        return pairing_export.district_workbook(ranking, schools, coverage.total)
    return render_template(
        "reports/district_pairing.html",
        ranking=ranking,
        schools=schools,
        total=coverage.total,
        semesters=coverage.semesters,
    )


def _summary_context(school: School) -> dict:
    return {"school": school, "summary": pairing_figures.semester_summary(school.id, today())}


@bp.get("/schools/<int:school_id>/pairing/summary")
@login_required
def pairing_summary(school_id: int):
    """The principal's semester summary of all pairings: each Party-member teacher, their
    students, plan, support entries, door visits and what is overdue. Audited."""
    school = _led_school(school_id)
    context = _summary_context(school)
    audit.record(_me(), "pairing.summary.view", school_id=school.id,
                 pairings=context["summary"].rows)  # fmt: skip
    db.session.commit()
    return render_template("reports/pairing_summary.html", **context)


@bp.get("/schools/<int:school_id>/pairing/summary.pdf")
@login_required
def pairing_summary_pdf(school_id: int):
    """The same summary as a PDF (core/pdf.py), with the exporter's name and the time as a
    watermark. Audited."""
    school = _led_school(school_id)
    user = _me()
    context = _summary_context(school)
    html = render_template(
        "reports/pairing_summary_pdf.html",
        exporter=user.name,
        exported_at=format_datetime(now()),
        **context,
    )
    pdf = render(html)
    audit.record(user, "pairing.summary.export", school_id=school.id,
                 pairings=context["summary"].rows)  # fmt: skip
    db.session.commit()
    name = _("%(school)s-结对帮扶学期汇总-%(on)s.pdf", school=school.name, on=today().isoformat())
    disposition = storage.content_disposition(name, f"pairing-summary-{school.id}.pdf",
                                              inline=True)  # fmt: skip
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})
