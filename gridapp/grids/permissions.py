"""Who may see and keep parent grids, plan guidance activities and record their attendance."""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.core.permissions import Need, load, register
from gridapp.extensions import db
from gridapp.grids.models import Grid, GuidanceActivity
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    can_divide_class,
    headed_class_ids,
    leader_school_ids,
    sees_sensitive_in_class,
    taught_class_ids,
)


def can_grid(user: User, need: Need, grid: Grid) -> bool:
    """A parent grid: its grid teachers keep it (and its family log); the class's head teacher
    and the school's admin divide the class; the class's teachers and the leaders see it."""
    keepers = {grid.grid_teacher_id, grid.deputy_id} - {None}
    if need is Need.VIEW:
        return (
            user.id in keepers
            or grid.class_id in taught_class_ids(user)
            or grid.school_id in leader_school_ids(user)
        )
    if need is Need.EDIT:  # write the family log, relay opinions
        return (user.id in keepers and user.has_role(Role.TEACHER, grid.school_id)) or (
            grid.class_id in headed_class_ids(user)
        )
    if need is Need.MANAGE:  # rename, grid teachers, move families
        return grid.class_id in headed_class_ids(user) or user.has_role(
            Role.SCHOOL_ADMIN, grid.school_id
        )
    return False


def can_plan_activity(user: User, school_class: SchoolClass, grid: Grid | None) -> bool:
    """A class activity: its head teacher or the school admin; a grid activity: also the grid's
    keepers."""
    if can_divide_class(user, school_class):
        return True
    return grid is not None and grid.class_id == school_class.id and can_grid(user, Need.EDIT, grid)


def can_activity(user: User, need: Need, activity: GuidanceActivity) -> bool:
    """A guidance activity: the class's teachers and the school's leaders see it; whoever may plan
    it (and its author) records attendance."""
    if need is Need.VIEW:
        return activity.class_id in taught_class_ids(
            user
        ) or activity.school_id in leader_school_ids(user)
    if need is Need.EDIT:
        if activity.created_by_id == user.id and activity.class_id in taught_class_ids(user):
            return True
        if activity.class_id in headed_class_ids(user) or user.has_role(
            Role.SCHOOL_ADMIN, activity.school_id
        ):
            return True
        grid = db.session.get(Grid, activity.grid_id) if activity.grid_id else None
        return grid is not None and can_grid(user, Need.EDIT, grid)
    return False


def can_change_focus_in_grid(user: User, grid: Grid) -> bool:
    """Who marks or ends a focus category from a grid's log: those who see the class's sensitive
    data, and the grid's keepers (ordinary categories only: see `focus_choices`)."""
    return sees_sensitive_in_class(user, grid.class_id, grid.school_id) or can_grid(
        user, Need.EDIT, grid
    )


register(Grid, can_grid)
register(GuidanceActivity, can_activity)


def load_grid(grid_id: int, need: Need = Need.VIEW, options=()) -> Grid:
    """The grid, if the current user may `need` it; 404 otherwise."""
    return load(Grid, grid_id, need, options)


def load_activity(activity_id: int, need: Need = Need.VIEW, options=()) -> GuidanceActivity:
    """The guidance activity, if the current user may `need` it; 404 otherwise."""
    return load(GuidanceActivity, activity_id, need, options)
