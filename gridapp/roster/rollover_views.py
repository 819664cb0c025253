"""The school-year rollover pages (issue 15 item 9): the preview with the next year's dates, the
commit, and the undo (routes on the roster blueprint; the school's admin only)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.core.forms import ActionForm, form_status, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.roster import rollover as service
from gridapp.roster.models import Rollover
from gridapp.roster.views import bp
from gridapp.schools.forms import SchoolYearForm
from gridapp.schools.permissions import load_school
from gridapp.schools.services import SchoolYearData


def _school(school_id: int):
    school = load_school(school_id, Need.VIEW)
    if not current_user.has_role(Role.SCHOOL_ADMIN, school.id):
        abort(404)
    return school


def _page(school, plan, form, undo_form, status=200):
    record = service.latest_rollover(school.id)
    return (
        render_template(
            "roster/rollover.html",
            school=school,
            plan=plan,
            form=form,
            undo_form=undo_form,
            record=record,
            contacts=service.new_year_contacts(record) if record else 0,
        ),
        status,
    )


@bp.route("/schools/<int:school_id>/rollover", methods=["GET", "POST"])
@login_required
def rollover(school_id: int):
    """The dry-run preview (GET) and the commit (POST, one transaction)."""
    school = _school(school_id)
    plan = service.preview(school, today())
    if plan.to_year is None:
        form = SchoolYearForm()
        if not form.is_submitted() and plan.year_data is not None:
            for name, value in vars(plan.year_data).items():
                form[name].data = value
    else:
        form = ActionForm()

    def commit():
        data = None
        if plan.to_year is None:
            data = SchoolYearData(
                name=form.name.data, first_starts_on=form.first_starts_on.data,
                first_ends_on=form.first_ends_on.data, second_starts_on=form.second_starts_on.data,
                second_ends_on=form.second_ends_on.data,
            )  # fmt: skip
        return service.rollover(current_user, school, today(), data)

    done = submit(
        form,
        commit,
        then=url_for("roster.rollover", school_id=school.id),
        message=_("已完成学年升级"),
    )
    if done:
        return done
    return _page(school, plan, form, ActionForm(formdata=None), form_status(form))


@bp.route("/schools/<int:school_id>/rollover/undo", methods=["GET", "POST"])
@login_required
def undo_rollover(school_id: int):
    """Undo the school's last rollover, until the new year's first contact."""
    school = _school(school_id)
    page = url_for("roster.rollover", school_id=school.id)
    if request.method == "GET":
        return reload_to(page)
    record = service.latest_rollover(school.id)
    if record is None:
        abort(404)
    form = ActionForm()
    done = submit(
        form,
        lambda: service.undo_rollover(current_user, db.session.get(Rollover, record.id)),
        then=page,
        message=_("已撤销学年升级"),
    )
    if done:
        return done
    plan = service.preview(school, today())
    return _page(school, plan, ActionForm(formdata=None), form, form_status(form))
