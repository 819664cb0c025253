"""Who may see, run and sign families in at a parent-school course."""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.core.permissions import Need, load, register
from gridapp.parent_school.models import ParentCourse
from gridapp.people.permissions import guardian_school_ids
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    district_school_ids,
    is_school_leader,
    taught_class_ids,
)


def can_course(user: User, need: Need, course: ParentCourse) -> bool:
    """A course: the school's leaders (principal, Party secretary, admin) publish, edit and
    cancel it (Need.MANAGE); they, the school's teachers and the district see it (Need.VIEW);
    a guardian with a child at the school reads it and its materials (Need.EDIT: what a parent
    does with a course). Anyone else: 404."""
    sid = course.school_id
    leads = is_school_leader(user, sid)
    if need is Need.MANAGE:
        return leads
    if need is Need.VIEW:
        return leads or user.has_role(Role.TEACHER, sid) or sid in district_school_ids(user)
    if need is Need.EDIT:
        return leads or user.has_role(Role.TEACHER, sid) or sid in guardian_school_ids(user)
    return False


register(ParentCourse, can_course)


def may_mark(user: User, course: ParentCourse, school_class: SchoolClass) -> bool:
    """Who ticks a class's families present: the school's leaders, and the class's teachers."""
    return school_class.school_id == course.school_id and (
        is_school_leader(user, course.school_id) or school_class.id in taught_class_ids(user)
    )


def load_course(course_id: int, need: Need = Need.VIEW) -> ParentCourse:
    """The course, if the current user may `need` it (see `can_course`); 404 otherwise."""
    return load(ParentCourse, course_id, need, related=("school",))
