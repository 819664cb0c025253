"""The dashboards with drill-down (issue 18 item 1): a region's (its child regions or districts),
a district's (its schools), a school's (its classes) and a class's (its figures by rule, its
teachers, the families behind each figure). Every figure is read from the kept snapshots
(reports.dashboards); each table exports as .xlsx with `format=xlsx`."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import User
from gridapp.contacts import worklists
from gridapp.contacts.permissions import figure_family_rules, sees_focus_figure
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can, require
from gridapp.core.time import today
from gridapp.core.xlsx import wants_xlsx
from gridapp.extensions import db
from gridapp.reports import dashboard_export, dashboards, figures
from gridapp.reports.blueprint import bp
from gridapp.schools.models import District, Region, TeachingAssignment
from gridapp.schools.permissions import (
    district_school_ids,
    leader_school_ids,
    load_class,
    load_district,
    load_region,
    load_school,
    supervised_region_ids,
)

LIVE_BUDGET = 2.0  # seconds of live computing a page over many schools may spend (issue 17)


def _me() -> User:
    return current_user._get_current_object()


def _crumbs(region: Region | None) -> list[tuple[str, str]]:
    """(name, url) of the regions above, from the top, that the user may open."""
    out = []
    while region is not None:
        if can(_me(), Need.VIEW, region):
            out.append((region.name, url_for("reports.region_dashboard", region_id=region.id)))
        region = region.parent
    return list(reversed(out))


def _case_link(school_id: int | None = None) -> str | None:
    """Where the user reads the cases behind a figure: the district's case page for a bureau,
    the school's case desk for its leaders (`school_id`), else nowhere (None)."""
    user = _me()
    if user.is_district:
        return url_for("reports.district_cases")
    if school_id is not None and school_id in leader_school_ids(user):
        return url_for("cases.school_cases", school_id=school_id)
    return None


def _school_links(rows) -> tuple[dict, dict]:
    """{school id: url} of the cases and of the pairing figures behind each school row (the
    rows are schools of a district the user may open, as their dashboards)."""
    cases = {r.key: _case_link(r.key) for r in rows}
    pairing = {r.key: url_for("reports.pairing_coverage", school_id=r.key) for r in rows}
    return cases, pairing


def _page(title: str, what: str, total, rows, crumbs, links, level_label: str, related=(), **more):
    """The dashboard of `total` with a row per part (`rows`, each linked by `links[key]`), or
    its .xlsx; `related` (label, url) pairs are the pages beside it; `more` goes to the
    template (`case_links`, `pairing_links`: {key: url} of the figures behind a row's cases
    and pairing; `total_case_link`)."""
    labels = worklists.rule_labels()
    if wants_xlsx():
        return dashboard_export.workbook(title, what, total, rows, labels)
    for name in ("case_links", "pairing_links", "total_case_link", "total_pairing_link", "year"):
        more.setdefault(name, None)
    return render_template(
        "reports/dashboard.html",
        title=title,
        what=what,
        level_label=level_label,
        total=total,
        rows=rows,
        links=links,
        crumbs=crumbs,
        related=related,
        labels=labels,
        columns=dashboard_export.COLUMNS,
        chart=dashboard_export.chart(
            _("%(what)s重点学生家访完成率", what=what), [r for r in rows if r.schools]
        ),
        computed_at=total.computed_at,
        **more,
    )


@bp.get("/regions/<int:region_id>")
@login_required
def region_dashboard(region_id: int):
    """A city's or province's dashboard: each child region or district with its figures."""
    region = load_region(region_id)
    rows = dashboards.region_rows(region, today(), live_budget=LIVE_BUDGET)
    db.session.commit()  # what was computed is kept for the next views
    total = dashboards.add_up("region", region.id, region.name, rows)
    links = {}
    for r in rows:
        if r.kind == "region":
            links[r.key] = url_for("reports.region_dashboard", region_id=r.key)
        else:
            links[r.key] = url_for("reports.district_dashboard_of", district_id=r.key)
    what = _("下级地区") if any(r.kind == "region" for r in rows) else _("区县")
    return _page(
        region.name, what, total, rows, _crumbs(region.parent), links, region.level.label,
        total_case_link=_case_link(),
    )  # fmt: skip


def _district_page(district: District):
    schools = dashboards.schools_in([district.id])
    rows = dashboards.school_rows(schools, today(), live_budget=LIVE_BUDGET)
    db.session.commit()
    total = dashboards.add_up("district", district.id, district.name, rows)
    total.left_out = len(schools) - len(rows)
    links = {r.key: url_for("reports.school_dashboard", school_id=r.key) for r in rows}
    related = []
    if district.id == _me().district_id:  # the ranking and case pages are of one's own district
        related = [
            (_("各校家访排名"), url_for("reports.district_coverage")),
            (_("意见督查"), url_for("reports.district_cases")),
        ]
    crumbs = _crumbs(district.region)
    case_links, pairing_links = _school_links(rows)
    return _page(
        district.name, _("学校"), total, rows, crumbs, links, _("区县"), related,
        case_links=case_links, pairing_links=pairing_links, total_case_link=_case_link(),
    )  # fmt: skip


@bp.get("/district")
@login_required
def district_dashboard():
    """The district login's dashboard: its schools' figures (a city's or province's bureau is
    sent to its region's)."""
    user = _me()
    require(user.is_district)
    regions = [r.region_id for r in user.roles if r.region_id is not None]
    if regions and supervised_region_ids(user):
        return redirect(url_for("reports.region_dashboard", region_id=min(regions)))
    return _district_page(load_district(user.district_id))


@bp.get("/districts/<int:district_id>")
@login_required
def district_dashboard_of(district_id: int):
    """A district's dashboard, for its own bureau and the bureaus above it."""
    return _district_page(load_district(district_id))


@bp.get("/schools/<int:school_id>/dashboard")
@login_required
def school_dashboard(school_id: int):
    """A school's dashboard: each class's figures (from the school's snapshot)."""
    school = load_school(school_id, Need.VIEW)
    classes = figures.coverage_classes(school.id)
    rows, computed_at, activity = dashboards.class_rows(school.id, classes, today())
    db.session.commit()
    total = dashboards.add_up("school", school.id, school.name, rows)
    total.computed_at = computed_at
    total.activity = activity  # the school's cases and reception days are no class's
    links = {r.key: url_for("reports.class_dashboard", class_id=r.key) for r in rows}
    district = db.session.get(District, school.district_id)
    crumbs = _crumbs(district.region)
    if can(_me(), Need.VIEW, district):
        crumbs.append(
            (district.name, url_for("reports.district_dashboard_of", district_id=district.id))
        )
    related = [(_("家访统计"), url_for("reports.school_coverage", school_id=school.id))]
    return _page(
        school.name, _("班级"), total, rows, crumbs, links, _("学校"), related,
        total_case_link=_case_link(school.id),
        total_pairing_link=url_for("reports.pairing_coverage", school_id=school.id),
        year=_school_year_figures(school),
    )  # fmt: skip


def _school_year_figures(school) -> dict:
    """The school year's parent school (seed 004 §8: families at the school's target of
    sessions and class hours, courses held) and teachers' yearly obligations (六个一, seed
    003: teachers with all six), with the pages behind them for the school's leaders."""
    from gridapp.reports import obligation_figures, parent_school_figures

    day = today()
    leads = school.id in leader_school_ids(_me())
    return dict(
        parent_school=parent_school_figures.school_figures([school], day)[0],
        obligations=obligation_figures.obligation_figures([school.id], day)[school.id],
        parent_school_link=url_for("parent_school.school_page", school_id=school.id),
        obligations_link=(
            url_for("obligations.school_obligations", school_id=school.id) if leads else None
        ),
    )


@bp.get("/classes/<int:class_id>/dashboard")
@login_required
def class_dashboard(class_id: int):
    """A class's figures: coverage per rule (met / total) with the families behind each for the
    school's leaders, door visits, parents' evaluations, academic reviews, and its teachers."""
    school_class = load_class(class_id, Need.VIEW)
    school = school_class.school
    found = dashboards.class_figures(school_class, today())
    db.session.commit()  # what was computed is kept for the next views
    if found is None:
        abort(404)  # no semester: nothing to show
    figure, teacher_rows, computed_at, school_activity = found
    labels = worklists.rule_labels()
    user = _me()
    # The focus figure: not for the class's other teachers (contacts.permissions).
    shows_focus = sees_focus_figure(user, school_class.id, school.id)
    columns = tuple(c for c in dashboard_export.COLUMNS if shows_focus or c != "focus")
    if wants_xlsx():
        return dashboard_export.class_workbook(
            school_class, figure, labels, school_activity, columns
        )
    teacher_ids = set(
        db.session.scalars(
            db.select(TeachingAssignment.teacher_id).where(
                TeachingAssignment.class_id == school_class.id
            )
        )
    )
    if school_class.head_teacher_id:
        teacher_ids.add(school_class.head_teacher_id)
    names = figures.user_name_keys(teacher_ids)
    teachers = [
        (i, name, teacher_rows.get(i))
        for i, (name, _key) in sorted(names.items(), key=lambda kv: (kv[1][1], kv[0]))
    ]
    # The school's leaders and the bureaus over it drill down to the families behind a figure
    # (coverage_families: a bureau sees names and counts, no focus mark, audited).
    sees_families = school.id in leader_school_ids(user) or school.id in district_school_ids(user)
    return render_template(
        "reports/class_dashboard.html",
        school=school,
        school_class=school_class,
        figure=figure,
        extras=figure.extras,
        activity=figure.activity,
        school_activity=school_activity,
        case_link=_case_link(school.id),
        labels=labels,
        columns=columns,
        shows_focus=shows_focus,
        teachers=teachers,
        head_teacher_id=school_class.head_teacher_id,
        sees_families=sees_families,
        family_rules=figure_family_rules(user, school.id) if sees_families else (),
        may_see_school=can(_me(), Need.VIEW, school),
        computed_at=computed_at,
    )
