"""Grid pages: dividing a class into grids, the grid teacher's grid, and the grid family log."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.contacts import worklists
from gridapp.core import audit
from gridapp.core.forms import (
    form_status,
    reload_to,
    submit,
)
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.grids import services
from gridapp.grids.forms import (
    GridLogForm,
)
from gridapp.grids.models import (
    Grid,
    GridLogKind,
)
from gridapp.grids.permissions import can_plan_activity, load_grid
from gridapp.people import services as people_services
from gridapp.schools.permissions import (
    headed_class_ids,
    leader_school_ids,
    sees_sensitive_in_class,
    taught_class_ids,
)

bp = Blueprint("grids", __name__)


def _me() -> User:
    return current_user._get_current_object()


# ---- the grid teacher's grid ----------------------------------------------------------------------


@bp.get("/grids/<int:grid_id>")
@login_required
def grid_page(grid_id: int, log=None, relay=None):
    """The grid's families, their logs and cases. `log` or `relay` is a family's form shown
    again with its error (family id, form)."""
    user = _me()
    grid = load_grid(
        grid_id,
        Need.VIEW,
        options=(
            joinedload(Grid.school_class),
            joinedload(Grid.grid_teacher),
            joinedload(Grid.deputy),
        ),
    )
    families = services.grid_families(grid)
    keepers = {grid.grid_teacher_id, grid.deputy_id}
    show_focus = (
        user.id in keepers
        or grid.class_id in headed_class_ids(user)
        or grid.school_id in leader_school_ids(user)
    )
    owed = {}
    focus = set()
    period, lines, _coverage = worklists.class_work(grid.school_class, today(), show_focus)
    if period:
        for line in lines:
            owed[line.family_id] = line.owed
            if line.is_focus:
                focus.add(line.family_id)
    from gridapp.cases.models import CaseCategory

    student_ids = [sid for fam in families for sid, _name in fam["students"]]
    focus_of = people_services.open_focus(student_ids) if show_focus else {}
    sees_sensitive = sees_sensitive_in_class(user, grid.class_id, grid.school_id)
    attended = services.attendance_counts(
        [f["family_id"] for f in families],
        period.counts_from if period else None,
        period.counts_until if period else None,
    )
    activities = services.recent_activities(grid)
    cases = services.grid_cases(grid)
    # The families' grid logs are shown with their text (the family's circumstances): each view
    # of them is in the audit log, with how many were shown and how many of a sensitive
    # category (issue 20 item 3).
    shown = [(f["family_id"], e) for f in families for e in f["logs"]]
    if shown:
        sensitive_logs = sum(
            1
            for _f, e in shown
            if e.focus_change and e.focus_category is not None and e.focus_category.sensitive
            and sees_sensitive
        )  # fmt: skip
        audit.record(
            user, "grids.logs.view", grid, school_id=grid.school_id,
            families=len({f for f, _e in shown}), grid_logs=len(shown),
            sensitive=sensitive_logs or None,
        )  # fmt: skip
        db.session.commit()
    return render_template(
        "grids/grid.html",
        cases=cases,
        categories=list(CaseCategory),
        grid=grid,
        families=families,
        owed=owed,
        focus=focus,
        can_log=can(user, Need.EDIT, grid),
        focus_of=focus_of,
        sees_sensitive=sees_sensitive,
        focus_choices=services.focus_choices(user, grid),
        attended=attended,
        activities=activities,
        may_plan=can_plan_activity(user, grid.school_class, grid),
        log_form=GridLogForm(happened_on=today()),
        log=log or (None, None),
        relay=relay or (None, None),
        kinds=list(GridLogKind),
        today=today(),
    ), form_status(log and log[1], relay and relay[1])


@bp.route("/grids/<int:grid_id>/logs", methods=["GET", "POST"])
@login_required
def add_log(grid_id: int):
    user = _me()
    grid = load_grid(grid_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".grid_page", grid_id=grid.id))
    form = GridLogForm()
    done = submit(
        form,
        lambda: services.add_log(
            user, grid, form.family_id.data, GridLogKind(form.kind.data), form.happened_on.data,
            form.text.data, today(), services.parse_focus(form.focus_student.data, form.focus.data),
        ),
        then=url_for(".grid_page", grid_id=grid.id) + f"#family-{form.family_id.data}",
        message=_("已记入网格档案"),
    )  # fmt: skip
    return done or grid_page(grid.id, log=(form.family_id.data, form))


@bp.route("/grids/<int:grid_id>/relays", methods=["GET", "POST"])
@login_required
def relay(grid_id: int):
    """The grid teacher relays a parent's opinion: it becomes a case for the school."""
    from gridapp.cases import services as cases
    from gridapp.cases.forms import RelayForm
    from gridapp.cases.models import CaseCategory

    user = _me()
    grid = load_grid(grid_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".grid_page", grid_id=grid.id))
    form = RelayForm()
    done = submit(
        form,
        lambda: cases.relay_from_grid(
            user, grid, form.family_id.data or 0, CaseCategory(form.category.data),
            form.words.data or "", form.wants_answer.data, received_on=form.received_on.data,
        ),
        then=lambda case: url_for(".grid_page", grid_id=grid.id) + f"#family-{case.family_id}",
        message=lambda case: _("已转达学校，编号 #%(n)d", n=case.id),
    )  # fmt: skip
    return done or grid_page(grid.id, relay=(form.family_id.data, form))


@bp.get("/my/grids")
@login_required
def my_grids():
    user = _me()
    headed = headed_class_ids(user)
    grids = services.my_grids(user, headed)
    sizes = services.grid_sizes({g.class_id for g in grids}) if grids else {}
    headed_without = services.headed_classes_without_grids(headed) if headed else []
    if not grids and not headed_without and not taught_class_ids(user):
        abort(404)
    return render_template(
        "grids/my_grids.html", grids=grids, sizes=sizes, headed_without=headed_without
    )
