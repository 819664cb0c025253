"""Case pages: the school's list of opinions, one case with its history, reply, family told."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gridapp.cases import services
from gridapp.cases.models import Case, CaseEvent, CaseSource, CaseStatus
from gridapp.core.errors import RuleViolation, abort_with
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate
from gridapp.core.permissions import Need, leader_school_ids, load_case, load_school, require
from gridapp.extensions import db
from gridapp.grids.models import Grid

bp = Blueprint("cases", __name__)


@bp.get("/schools/<int:school_id>/cases")
@login_required
def school_cases(school_id: int):
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(current_user._get_current_object()))
    q = select(Case).where(Case.school_id == school.id)
    status = request.args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        q = q.where(Case.status == CaseStatus(status))
    source = request.args.get("source", "")
    if source in {s.value for s in CaseSource}:
        q = q.where(Case.source == CaseSource(source))
    page = paginate(q.options(joinedload(Case.recorded_by)).order_by(Case.id.desc()))
    return page_or_fragment(
        "cases/school_cases.html",
        "cases/_partials/case_rows.html",
        school=school,
        page=page,
        status=status,
        source=source,
        statuses=list(CaseStatus),
        sources=list(CaseSource),
    )


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int):
    user = current_user._get_current_object()
    case = load_case(case_id)
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.id)
    ).all()
    grid = db.session.get(Grid, case.grid_id) if case.grid_id else None
    return render_template(
        "cases/case.html",
        case=case,
        events=events,
        grid=grid,
        can_reply=case.school_id in leader_school_ids(user)
        and case.status in services.TRANSITIONS["reply"][0],
        can_tell=grid is not None
        and user.id in {grid.grid_teacher_id, grid.deputy_id, case.recorded_by_id}
        and case.status is CaseStatus.REPLIED
        and case.family_told_at is None,
    )


@bp.post("/cases/<int:case_id>/reply")
@login_required
def reply(case_id: int):
    user = current_user._get_current_object()
    case = load_case(case_id)
    if case.school_id not in leader_school_ids(user):
        abort(404)
    try:
        services.reply(user, case, request.form.get("reply", ""))
    except PermissionError:
        abort(404)
    except RuleViolation as e:
        abort_with(422, e.message)
    db.session.commit()
    flash(_("已答复，网格员会转告家长"), "success")
    return redirect_303(url_for(".case", case_id=case.id))


@bp.post("/cases/<int:case_id>/told")
@login_required
def family_told(case_id: int):
    user = current_user._get_current_object()
    case = load_case(case_id)
    grid = db.session.get(Grid, case.grid_id) if case.grid_id else None
    if grid is None or user.id not in {grid.grid_teacher_id, grid.deputy_id, case.recorded_by_id}:
        abort(404)
    services.family_told(user, case)
    db.session.commit()
    flash(_("已记录：答复已告知家长"), "success")
    return redirect_303(url_for(".case", case_id=case.id))
