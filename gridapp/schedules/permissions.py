"""Who sees and changes a contact schedule: a teacher their own items, a class's teachers the
class's, its head teacher and the school's leaders build it and move its items."""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.core.permissions import Need, load, register
from gridapp.schedules.models import ScheduleItem
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    headed_class_ids,
    is_school_leader,
    sees_sensitive_in_class,
    taught_class_ids,
)


def may_build_class(user: User, school_class: SchoolClass) -> bool:
    """The class's schedule is built by its head teacher and the school's leaders (principal,
    Party secretary, admin) (seed 004 §2: 教师联系学生家长安排表)."""
    return school_class.id in headed_class_ids(user) or is_school_leader(
        user, school_class.school_id
    )


def can_item(user: User, need: Need, item: ScheduleItem) -> bool:
    """An item: its teacher, the class's teachers (Need.VIEW) and the school's leaders see it;
    its teacher, the class's head teacher and the school's leaders move it (Need.EDIT). Its
    teacher only while they hold the teacher role at the item's school: one who has left the
    school no longer sees the family behind it. Anyone else: 404."""
    leads = is_school_leader(user, item.school_id)
    own = item.teacher_id == user.id and user.has_role(Role.TEACHER, item.school_id)
    if need is Need.VIEW:
        return leads or own or item.class_id in taught_class_ids(user)
    if need is Need.EDIT:
        return leads or own or item.class_id in headed_class_ids(user)
    return False


register(ScheduleItem, can_item)


def shown_rule(user: User, item: ScheduleItem) -> str:
    """The rule the item is for, as `user` may read it: its own teacher, the class's head
    teacher and the school's leaders read it; the class's other teachers read no rule on a
    colleague's item (""), since a focus door visit ("focus") names the family a focus student,
    and naming every rule but that one would name it too (their worklist hides the focus rule:
    contacts.worklists._lines)."""
    if item.teacher_id == user.id or sees_sensitive_in_class(user, item.class_id, item.school_id):
        return item.rule
    return ""


def load_item(item_id: int, need: Need = Need.VIEW) -> ScheduleItem:
    """The schedule item, if the current user may `need` it (`can_item`); 404 otherwise."""
    return load(ScheduleItem, item_id, need)
