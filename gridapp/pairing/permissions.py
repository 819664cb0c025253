"""Who sees and keeps pairings, their plans and logs, and who decides on students in need.

The plan and the log hold sensitive family data (seed 002 §7, DOMAIN "Privacy"): only the paired
teacher, the head teacher of the student's class and the school's leaders see them; the district
sees figures only. Out of scope is 404 (the loaders)."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from gridapp.accounts.models import Role, User
from gridapp.core.permissions import Need, load, register
from gridapp.pairing.models import NeedMark, Pairing
from gridapp.pairing.services import paired_student_ids
from gridapp.people.permissions import register_student_links
from gridapp.schools.permissions import headed_class_ids, is_school_leader


def can_pairing(user: User, need: Need, pairing: Pairing) -> bool:
    """VIEW (the pairing, its plan and log): its teacher, the head teacher of the student's
    class, the school's leaders. EDIT (write the plan and the log): its teacher while it is
    active and they teach at the school. MANAGE (end it, move the student): the school's
    principal or admin."""
    leader = is_school_leader(user, pairing.school_id)
    if need is Need.VIEW:
        return (
            pairing.teacher_id == user.id
            or leader
            or pairing.student.class_id in headed_class_ids(user)
        )
    if need is Need.EDIT:
        return (
            pairing.teacher_id == user.id
            and pairing.ends_on is None
            and user.has_role(Role.TEACHER, pairing.school_id)
        )
    if need is Need.MANAGE:
        return leader and pairing.ends_on is None
    return False


def can_need_mark(user: User, need: Need, mark: NeedMark) -> bool:
    """A proposal about a student in need: the school's leaders decide it; its author sees it."""
    if need is Need.VIEW:
        return mark.proposed_by_id == user.id or is_school_leader(user, mark.school_id)
    if need is Need.MANAGE:
        return is_school_leader(user, mark.school_id)
    return False


register(Pairing, can_pairing)
register(NeedMark, can_need_mark)
# A paired teacher sees their students and records contacts (回访) with their families.
register_student_links("pairing", paired_student_ids)


def load_pairing(pairing_id: int, need: Need = Need.VIEW) -> Pairing:
    """The pairing (with its student) if the current user may `need` it; 404 otherwise."""
    return load(Pairing, pairing_id, need, options=(joinedload(Pairing.student),))


def load_need_mark(mark_id: int, need: Need = Need.MANAGE) -> NeedMark:
    """A proposal about a student in need, if the current user may `need` it; 404 otherwise."""
    return load(NeedMark, mark_id, need)
