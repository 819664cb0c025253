"""Who may see, run and answer a satisfaction survey, and see its results."""

from __future__ import annotations

from gridapp.accounts.models import User
from gridapp.core.permissions import Need, load, register
from gridapp.people.permissions import guardian_school_ids
from gridapp.schools.permissions import district_school_ids, is_school_leader
from gridapp.surveys.models import Survey, SurveyStatus


def can_survey(user: User, need: Need, survey: Survey) -> bool:
    """A survey: the school's leaders (principal, Party secretary, admin) run it and read its
    results (Need.MANAGE, Need.VIEW); the district's supervisors read the results of every
    school's published or closed survey (Need.VIEW); a parent of a pupil of the school answers
    it once it is published (Need.EDIT: the answer page). Anyone else: 404."""
    leads = is_school_leader(user, survey.school_id)
    if need is Need.MANAGE:
        return leads
    if need is Need.VIEW:
        return leads or (
            survey.status is not SurveyStatus.DRAFT
            and survey.school_id in district_school_ids(user)
        )
    if need is Need.EDIT:
        return (
            user.is_guardian
            and survey.status is not SurveyStatus.DRAFT
            and survey.school_id in guardian_school_ids(user)
        )
    return False


register(Survey, can_survey)


def load_survey(survey_id: int, need: Need = Need.VIEW) -> Survey:
    """The survey, if the current user may `need` it (see `can_survey`); 404 otherwise."""
    return load(Survey, survey_id, need, related=("school",))
