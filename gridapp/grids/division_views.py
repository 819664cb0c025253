"""Dividing a class's families into grids, moving a family, and a grid's settings (name and grid
teachers). Routes of the grids blueprint (gridapp.grids.views)."""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import (
    attempt,
    form_errors_text,
    form_page,
    reload_to,
    submit,
)
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import Need, require
from gridapp.grids import services
from gridapp.grids.forms import (
    GridCountForm,
    GridForm,
    MoveFamilyForm,
)
from gridapp.grids.models import (
    Grid,
)
from gridapp.grids.permissions import load_grid
from gridapp.grids.views import bp
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    can_divide_class,
    load_class,
    load_class_for_staff,
)


def _me() -> User:
    return current_user._get_current_object()


def _render_class_grids(
    school_class: SchoolClass, may_divide: bool, k: int | None, error=None, hx_trigger=None
):
    """The class's grids with their families (or, before there are any, the proposal), from
    one read of the class's families."""
    families = services.class_families(school_class.id)
    by_id = {f.family_id: f for f in families}
    grids = services.class_grids_with_keepers(school_class.id)
    members: dict[int, list] = {g.id: [] for g in grids}
    placed = set()
    for m in services.class_members(school_class.id):
        if m.family_id in by_id:
            members[m.grid_id].append(by_id[m.family_id])
            placed.add(m.family_id)
    if k is None:
        k = services.default_grid_count(len(families))
    proposal = []
    if not grids and families:
        try:
            proposal = services.propose(families, k)
        except RuleViolation as e:
            error = error or e.message
    return page_or_fragment(
        "grids/class_grids.html",
        "grids/_partials/class_grids.html",
        status_code=422 if error else 200,
        hx_trigger=hx_trigger,
        school_class=school_class,
        grids=grids,
        members=members,
        unassigned=[f for f in families if f.family_id not in placed] if grids else [],
        proposal=proposal,
        k=k,
        error=error,
        may_divide=may_divide,
        n_families=len(families),
    )


@bp.route("/classes/<int:class_id>/grids", methods=["GET", "POST"])
@login_required
def class_grids(class_id: int):
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    may_divide = can_divide_class(user, school_class)
    k = int_arg("grids", None, hi=services.MAX_GRIDS)
    error = None
    if request.method == "POST":
        require(may_divide)
        form = GridCountForm()
        k = form.grids.data or 0
        done = submit(
            form, lambda: services.create_grids(user, school_class, k),
            then=url_for(".class_grids", class_id=school_class.id),
            message=_("已划分 %(n)d 个网格，请检查并指定网格员", n=k),
        )  # fmt: skip
        if done:
            return done
        error = form_errors_text(form)
    return _render_class_grids(school_class, may_divide, k or None, error)


@bp.route("/classes/<int:class_id>/grids/move", methods=["GET", "POST"])
@login_required
def move_family(class_id: int):
    """A family into another grid; answered with the class's grids (the htmx fragment, with a
    toast), or with them again and the refusal above them."""
    user = _me()
    school_class = load_class(class_id, Need.VIEW)
    require(can_divide_class(user, school_class))
    if request.method == "GET":
        return reload_to(url_for(".class_grids", class_id=school_class.id))
    form = MoveFamilyForm()
    done, target = attempt(
        form,
        lambda: services.move_family(
            user, school_class, form.family_id.data or 0, form.grid_id.data or 0
        ),
    )
    if not done:
        return _render_class_grids(school_class, True, None, form_errors_text(form))
    return _render_class_grids(
        school_class, True, None, hx_trigger={"toast": _("已移入%(g)s", g=target.name)}
    )


def _teacher_choices(school_class: SchoolClass, empty: str | None):
    ids = services.class_teacher_ids(school_class)
    users = services.user_names(ids)
    choices = [(u.id, u.name) for u in users]
    return ([("", empty)] if empty is not None else []) + choices


@bp.route("/grids/<int:grid_id>/settings", methods=["GET", "POST"])
@login_required
def grid_settings(grid_id: int):
    user = _me()
    grid = load_grid(grid_id, Need.MANAGE, options=(joinedload(Grid.school_class),))
    form = GridForm(obj=grid if request.method == "GET" else None)
    form.grid_teacher_id.choices = _teacher_choices(grid.school_class, None)
    form.deputy_id.choices = _teacher_choices(grid.school_class, _("（不设副网格员）"))

    def save():
        services.update_grid(
            user, grid, form.name.data, form.grid_teacher_id.data, form.deputy_id.data
        )

    then = url_for(".class_grids", class_id=grid.class_id)
    done = submit(form, save, then=then, message=_("网格已保存"))
    if done:
        return done
    return form_page("grids/grid_settings.html", form, grid=grid)
