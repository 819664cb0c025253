"""A demo satisfaction survey for the first school: this semester's, open for two weeks from
today with the default questions, for the demo parent to answer (seed 004 §22)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core.i18n import gettext
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.schools.models import School
from gridapp.schools.services import current_semester
from gridapp.surveys import services


def build(today: date, school: School) -> int:
    """Publish the survey; returns how many were made (0 without a principal or semester)."""
    principal = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .limit(1)
    )
    semester = current_semester(school.id, today)
    if principal is None or semester is None:
        return 0
    data = services.SurveyData(
        title=f"{semester.name}家长满意度调查",
        intro="感谢您对学校工作的支持！问卷匿名填写，约需 2 分钟。",
        school_year_id=semester.school_year_id, semester_id=semester.id,
        opens_on=today, closes_on=today + timedelta(days=14),
        questions=[gettext(q) for q in services.DEFAULT_QUESTIONS],
    )  # fmt: skip
    survey = services.create_survey(principal, school, data, today)
    services.publish(principal, survey, today, now())
    db.session.flush()
    return 1
