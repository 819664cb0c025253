"""The survey forms with anything typed: a Chinese answer, never a 500 (as tests/test_forms_fuzz.py
does for the other forms)."""

from __future__ import annotations

from hypothesis import example, given
from sqlalchemy import select

from gridapp.extensions import db
from gridapp.surveys.models import SurveyQuestion

from ..test_forms_fuzz import ALLOWED, FUZZ, NUL, choice, date_text, text


def test_the_answer_form(client, world, login, ctx):
    questions = db.session.scalars(
        select(SurveyQuestion.id).where(SurveyQuestion.survey_id == world.survey)
    ).all()
    login(world.parent_name)

    @FUZZ
    @given(rating=choice("1", "5", "５", ""), other=choice("3", "0", "6"), comment=text)
    @example(rating=NUL, other=NUL, comment=NUL)
    def run(rating, other, comment):
        data = {f"q{questions[0]}": rating, "comment": comment}
        data.update({f"q{q}": other for q in questions[1:]})
        r = client.post(f"/surveys/{world.survey}", data=data)
        assert r.status_code in ALLOWED | {409}, r.status_code

    run()


def test_the_new_survey_form(client, world, login):
    login(world.principal_name)

    @FUZZ
    @given(title=text, period=choice(f"s{world.semester_a}", "y1", "s"), opens_on=date_text(),
           closes_on=date_text(), intro=text, questions=text)  # fmt: skip
    @example(title=NUL, period=NUL, opens_on=NUL, closes_on=NUL, intro=NUL, questions=NUL)
    def run(title, period, opens_on, closes_on, intro, questions):
        data = {"title": title, "period": period, "opens_on": opens_on, "closes_on": closes_on,
                "intro": intro, "questions": questions}  # fmt: skip
        r = client.post(f"/schools/{world.school_a}/surveys", data=data)
        assert r.status_code in ALLOWED, r.status_code

    run()
