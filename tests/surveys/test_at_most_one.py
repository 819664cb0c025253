"""The surveys' "at most one" rules hold when two requests come at the same moment: one answer per
parent and survey, one open survey per school. Each race is run by tests/concurrency.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.core.time import now, today
from gridapp.extensions import db
from gridapp.schools.models import School
from gridapp.surveys import services
from gridapp.surveys.models import (
    Survey,
    SurveyParticipation,
    SurveyRating,
    SurveyResponse,
    SurveyStatus,
)

from ..concurrency import race, refusals
from ..world import survey_data

pytestmark = pytest.mark.commits


def _answer(world, user_id, ratings, comment=""):
    def action():
        survey = db.session.get(Survey, world.survey)
        parent = db.session.get(User, user_id)
        marks = dict(zip([q.id for q in survey.questions], ratings, strict=True))
        services.answer(parent, survey, marks, comment, today())

    return action


def _count(model, survey_id):
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.survey_id == survey_id)
    )


def test_two_answers_of_one_parent_at_once_store_one(app, world):
    results = race(
        app,
        _answer(world, world.parent, [5, 5, 5], "第一个标签页"),
        _answer(world, world.parent, [1, 1, 1], "第二个标签页"),
    )
    assert refusals(results) == ["您已经填写过这份问卷，每位家长只能填写一次。感谢您的参与！"]
    with app.app_context():
        assert _count(SurveyResponse, world.survey) == 1
        assert _count(SurveyParticipation, world.survey) == 1
        assert db.session.scalar(select(func.count()).select_from(SurveyRating)) == 3


def test_two_parents_at_once_each_answer(app, world):
    results = race(
        app,
        _answer(world, world.parent, [5, 4, 3]),
        _answer(world, world.other_parent, [2, 3, 4]),
    )
    assert refusals(results) == []
    with app.app_context():
        assert _count(SurveyResponse, world.survey) == 2


def test_two_leaders_publishing_two_drafts_at_once_publish_one(app, world):
    with app.app_context():
        principal = db.session.get(User, world.principal)
        school = db.session.get(School, world.school_a)
        services.close(principal, db.session.get(Survey, world.survey), now())
        other = services.create_survey(principal, school, survey_data(school, "另一份"), today())
        db.session.commit()
        drafts = [world.survey_draft, other.id]

    def publish(survey_id, user_id):
        def action():
            survey = db.session.get(Survey, survey_id)
            services.publish(db.session.get(User, user_id), survey, today(), now())

        return action

    results = race(app, publish(drafts[0], world.principal), publish(drafts[1], world.school_admin))
    assert refusals(results) == ["本校已有一份正在进行的问卷，请先结束它再发布新的"]
    with app.app_context():
        published = db.session.scalar(
            select(func.count())
            .select_from(Survey)
            .where(Survey.school_id == world.school_a, Survey.status == SurveyStatus.PUBLISHED)
        )
        assert published == 1
