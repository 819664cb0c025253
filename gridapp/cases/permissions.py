"""Who may see an opinion case. Handling it is for the school's leaders (`is_school_leader`)."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.cases.models import Case, Letter
from gridapp.core.permissions import Need, load, register
from gridapp.schools.permissions import (
    district_school_ids,
    headed_class_ids,
    leader_school_ids,
)


def can_case(user: User, need: Need, case: Case) -> bool:
    """An opinion case: the school's leaders handle it; its assignee answers it; the grid teachers
    who relayed it follow it; the district's supervisors see it (without the writer's identity)."""
    if need is Need.VIEW:
        if case.school_id in leader_school_ids(user):
            return True
        if user.is_district and case.school_id in district_school_ids(user):
            return True
        # Staff of the school only: a teacher who has left keeps no access.
        if case.school_id not in user.staff_school_ids:
            return False
        if case.recorded_by_id == user.id or case.assignee_id == user.id:
            return True
        if case.grid_id is not None:
            grid = case.grid
            return grid is not None and (
                user.id in {grid.grid_teacher_id, grid.deputy_id}
                or grid.class_id in headed_class_ids(user)
            )
    return False


register(Case, can_case)


def can_letter(user: User, need: Need, letter: Letter) -> bool:
    """A letter to the mailbox, through the permission layer only for its writer: the parent
    account it was signed with (a named letter) sees and rates it. Staff reach letters through
    their cases; an anonymous letter belongs to no account."""
    return need is Need.VIEW and letter.guardian_user_id == user.id


register(Letter, can_letter)


def load_case(case_id: int, need: Need = Need.VIEW, options=()) -> Case:
    """The case, if the current user may `need` it; 404 otherwise."""
    return load(Case, case_id, need, options)


def load_own_letter(letter_id: int) -> Letter:
    """A signed-in parent's own named letter; 404 for anyone else's (or an anonymous one)."""
    return load(Letter, letter_id, Need.VIEW, options=(joinedload(Letter.case),))
