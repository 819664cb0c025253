"""The opinion desk: a school's cases with their filters, registering a case, the cases assigned
to a teacher and a parent's own letters. Routes of the cases blueprint (gridapp.cases.views)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.cases import services
from gridapp.cases.forms import (
    RegisterCaseForm,
)
from gridapp.cases.models import Case, CaseCategory, CaseSource, CaseStatus, Letter
from gridapp.cases.views import bp
from gridapp.core.forms import form_page, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.schools.permissions import leader_school_ids, load_school


def _me() -> User:
    return current_user._get_current_object()


def _filtered(q, args):
    status = args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        q = q.where(Case.status == CaseStatus(status))
    source = args.get("source", "")
    if source in {s.value for s in CaseSource}:
        q = q.where(Case.source == CaseSource(source))
    category = args.get("category", "")
    if category in {c.value for c in CaseCategory}:
        q = q.where(Case.category == CaseCategory(category))
    view = args.get("view", "")
    if view == "overdue":
        q = q.where(Case.status.in_(sorted(services.OPEN)), Case.due_on < today())
    elif view == "approval":
        q = q.where(Case.reply_draft != "", Case.status.in_(sorted(services.OPEN)))
    elif view == "open":
        q = q.where(Case.status.in_(sorted(services.OPEN | {CaseStatus.COLLECTED})))
    return q, {"status": status, "source": source, "category": category, "view": view}


def _desk_counts(school_ids) -> dict:
    """The desk's figures in one query: by state, overdue, waiting for approval."""
    open_states = sorted(services.OPEN)
    row = db.session.execute(
        select(
            func.count().label("total"),
            func.sum(sql_case((Case.status == CaseStatus.COLLECTED, 1), else_=0)).label("new"),
            func.sum(sql_case((Case.status.in_(open_states), 1), else_=0)).label("open"),
            func.sum(
                sql_case(((Case.status.in_(open_states)) & (Case.due_on < today()), 1), else_=0)
            ).label("overdue"),
            func.sum(
                sql_case(((Case.status.in_(open_states)) & (Case.reply_draft != ""), 1), else_=0)
            ).label("approval"),
        ).where(Case.school_id.in_(sorted(school_ids)))
    ).one()
    return {k: int(getattr(row, k) or 0) for k in ("total", "new", "open", "overdue", "approval")}


@bp.get("/schools/<int:school_id>/cases")
@login_required
def school_cases(school_id: int):
    """The principal's desk: the school's cases by state and deadline, what waits for approval."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    q, filters = _filtered(select(Case).where(Case.school_id == school.id), request.args)
    order = (
        (Case.due_on.is_(None), Case.due_on, Case.id)
        if filters["view"] in {"overdue", "open"}
        else (Case.id.desc(),)
    )
    page = paginate(q.options(joinedload(Case.assignee)).order_by(*order))
    return page_or_fragment(
        "cases/school_cases.html",
        "cases/_partials/case_rows.html",
        school=school,
        page=page,
        counts=_desk_counts({school.id}),
        statuses=list(CaseStatus),
        sources=list(CaseSource),
        categories=list(CaseCategory),
        today=today(),
        **filters,
    )


@bp.route("/schools/<int:school_id>/cases/new", methods=["GET", "POST"])
@login_required
def register_case(school_id: int):
    """A paper letter, a walk-in, a hotline call or an online message, registered by staff."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    form = RegisterCaseForm()
    form.source.choices = [(s.value, s.label) for s in services.STAFF_SOURCES]
    done = submit(
        form,
        lambda: services.register_by_staff(
            _me(), school.id, CaseSource(form.source.data), CaseCategory(form.category.data),
            form.subject.data, form.words.data, form.wants_answer.data,
        ),
        then=lambda case: url_for(".case", case_id=case.id),
        message=lambda case: _("已登记，编号 #%(n)d", n=case.id),
    )  # fmt: skip
    if done:
        return done
    return form_page("cases/register_case.html", form, school=school)


@bp.get("/my/cases")
@login_required
def my_cases():
    """Cases assigned to me, nearest deadline first."""
    user = _me()
    q = (
        select(Case)
        .where(
            Case.assignee_id == user.id,
            Case.school_id.in_(sorted(user.staff_school_ids)),
        )
        .order_by(Case.status.in_(sorted(services.OPEN)).desc(), Case.due_on, Case.id)
    )
    page = paginate(q)
    if not page.total and not user.staff_school_ids:
        abort(404)
    return render_template("cases/my_cases.html", page=page, today=today())


@bp.get("/my/letters")
@login_required
def my_letters():
    """A logged-in parent's named letters to the mailbox, with their status and public replies."""
    user = _me()
    if not user.is_guardian:
        abort(404)
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.guardian_user_id == user.id)
        .options(joinedload(Letter.case))
        .order_by(Letter.id.desc())
        .limit(100)
    ).all()
    return render_template("cases/my_letters.html", letters=letters)
