"""Guidance activities (家庭教育指导): planning them for a class or grid, and their attendance.
Routes of the grids blueprint (gridapp.grids.views)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import (
    form_errors_text,
    form_page,
    reload_to,
    submit,
)
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate
from gridapp.core.permissions import Need, can, require
from gridapp.core.time import today
from gridapp.grids import services
from gridapp.grids.forms import (
    ActivityForm,
    AttendanceForm,
)
from gridapp.grids.models import (
    GuidanceActivity,
)
from gridapp.grids.permissions import can_plan_activity, load_activity, load_grid
from gridapp.grids.views import bp
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    load_class_for_staff,
)


def _me() -> User:
    return current_user._get_current_object()


def _plannable_grids(user: User, school_class: SchoolClass) -> list[tuple]:
    """The (value, label) choices of an activity's audience that `user` may plan for."""
    grids = services.class_grids(school_class.id)
    choices = []
    if can_plan_activity(user, school_class, None):
        choices.append(("", _("全班")))
    choices += [(g.id, g.name) for g in grids if can_plan_activity(user, school_class, g)]
    return choices


@bp.route("/classes/<int:class_id>/activities", methods=["GET", "POST"])
@login_required
def class_activities(class_id: int):
    """The class's guidance activities (newest first), and a form for a new one."""
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    choices = _plannable_grids(user, school_class)
    form = ActivityForm(held_on=today()) if request.method == "GET" else ActivityForm()
    form.grid_id.choices = choices
    if request.method == "POST":
        require(bool(choices))

        def create():
            grid = load_grid(form.grid_id.data, Need.VIEW) if form.grid_id.data else None
            if not can_plan_activity(user, school_class, grid):
                raise RuleViolation(_("只能选择本班你负责的网格"), field="grid_id")
            data = services.ActivityData(
                form.topic.data,
                form.held_on.data,
                form.place.data,
                form.speaker.data,
                grid and grid.id,
            )
            return services.create_activity(user, school_class, data, today())

        done = submit(
            form,
            create,
            then=lambda activity: url_for(".activity", activity_id=activity.id),
            message=_("活动已创建，请在活动后登记出席的家庭"),
        )
        if done:
            return done
    pagination = paginate(services.class_activities_query(school_class.id), 20)
    counts = services.activity_attendance_counts([a.id for a in pagination.items])
    return form_page(
        "grids/activities.html",
        form,
        school_class=school_class,
        pagination=pagination,
        counts=counts,
        may_plan=bool(choices),
    )


def _render_activity(activity: GuidanceActivity, error: str | None = None, checked=None):
    families = services.activity_families(activity)
    if checked is None:
        checked = {a.family_id for a in activity.attendance}
    return render_template(
        "grids/activity.html",
        activity=activity,
        families=families,
        checked=checked,
        may_edit=can(_me(), Need.EDIT, activity),
        held=activity.held_on <= today(),
        error=error,
    ), (422 if error else 200)


@bp.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    return _render_activity(
        load_activity(
            activity_id,
            Need.VIEW,
            options=(joinedload(GuidanceActivity.school_class), joinedload(GuidanceActivity.grid)),
        )
    )


@bp.route("/activities/<int:activity_id>/attendance", methods=["GET", "POST"])
@login_required
def activity_attendance(activity_id: int):
    user = _me()
    activity = load_activity(activity_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".activity", activity_id=activity.id))
    form = AttendanceForm()
    family_ids = set(form.family_ids.data or [])
    done = submit(
        form, lambda: services.set_attendance(user, activity, family_ids, today()),
        then=url_for(".activity", activity_id=activity.id),
        message=_("已登记 %(n)d 个家庭出席", n=len(family_ids)),
    )  # fmt: skip
    if done:
        return done
    # The families ticked are shown ticked again, even none at all.
    return _render_activity(activity, form_errors_text(form), family_ids)
