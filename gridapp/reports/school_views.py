"""Overviews: the district's schools, one school's page of figures, the school's grids and the
district's case statistics."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.contacts import rules
from gridapp.core.permissions import Need, can, require
from gridapp.core.time import today
from gridapp.grids.models import Grid
from gridapp.people.services import class_sizes
from gridapp.reports import figures
from gridapp.reports.blueprint import bp
from gridapp.schools import services as school_services
from gridapp.schools.permissions import (
    district_school_ids,
    is_school_leader,
    load_school,
    visible_school_ids,
)


@bp.get("/schools")
@login_required
def school_index():
    """The district's schools with their counts."""
    require(current_user.is_district)
    rows = figures.school_summary(sorted(visible_school_ids(current_user)))
    return render_template(
        "reports/schools.html", rows=rows, can_add=current_user.has_role(Role.DISTRICT_ADMIN)
    )


@bp.get("/schools/<int:school_id>")
@login_required
def school_overview(school_id: int):
    """One school: its grades and classes with their sizes, the semester and the counts."""
    school = load_school(school_id, Need.VIEW)
    grades = figures.school_grades(school.id)
    sizes = class_sizes([c.id for g in grades for c in g.classes])
    semester = school_services.current_semester(school.id, today())
    summary = figures.school_summary([school.id])[0]
    return render_template(
        "reports/school.html",
        school=school,
        grades=grades,
        sizes=sizes,
        semester=semester,
        summary=summary,
        can_manage=can(current_user, Need.MANAGE, school),
        is_leader=is_school_leader(current_user, school.id),
        may_edit_hotline=is_school_leader(current_user, school.id)
        or can(current_user, Need.MANAGE, school),
    )


@bp.get("/schools/<int:school_id>/grids")
@login_required
def school_grids(school_id: int):
    """Grids per class, families per grid, the grid teachers' work this semester, and the classes
    without grids or grid teachers. A fixed number of queries, whatever the school's size."""
    school = load_school(school_id, Need.VIEW)
    period = rules.period_for(school.id, today())
    classes = figures.school_class_names(school.id)
    grids = figures.school_grids_with_teachers(school.id)
    since, until = (period.counts_from, period.counts_until) if period else (today(), today())
    by_class: dict[int, list[Grid]] = {}
    for g in grids:
        by_class.setdefault(g.class_id, []).append(g)
    return render_template(
        "reports/school_grids.html",
        school=school,
        period=period,
        classes=classes,
        by_class=by_class,
        without_grids=[c for c in classes if c.id not in by_class],
        without_teacher=[g for g in grids if g.grid_teacher_id is None],
        **figures.grid_overview(school.id, since, until),
    )


@bp.get("/district/cases")
@login_required
def district_cases():
    """Every school's cases: counts by category and source, on-time rate, average time to reply,
    and the overdue list. No writer's identity, no family data."""
    user = current_user._get_current_object()
    if not user.is_district:
        abort(404)
    return render_template(
        "reports/district_cases.html",
        today=today(),
        **figures.district_case_stats(district_school_ids(user), today()),
    )
