"""A parent answers the school's satisfaction survey once, anonymously (issue 21 item 8, seed 004
§22): what is stored, what is refused (closed or not yet open, a missing rating, out of range,
a second answer, another school's survey) with a Chinese message and everything typed kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.surveys.models import (
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyRating,
    SurveyResponse,
)


def _questions(survey_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(SurveyQuestion.id)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(SurveyQuestion.position)
        )
    )


def _answer(survey_id: int, ratings, comment="食堂的饭菜可以再改进。") -> dict:
    data = {f"q{q}": r for q, r in zip(_questions(survey_id), ratings, strict=False)}
    data["comment"] = comment
    return data


def _stored(survey_id: int) -> tuple[int, int, int]:
    """(responses, participations, ratings) of the survey."""

    def count(model, column):
        return db.session.scalar(select(func.count()).select_from(model).where(column == survey_id))

    ratings = db.session.scalar(
        select(func.count())
        .select_from(SurveyRating)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyRating.question_id)
        .where(SurveyQuestion.survey_id == survey_id)
    )
    return (
        count(SurveyResponse, SurveyResponse.survey_id),
        count(SurveyParticipation, SurveyParticipation.survey_id),
        ratings,
    )


def test_a_parent_answers_once_and_nothing_names_them(client, login, world, ctx):
    login(world.parent_name)
    page = client.get(f"/surveys/{world.survey}")
    assert page.status_code == 200
    assert "家校沟通是否及时" in page.text and "很满意" in page.text
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [5, 4, 3]))
    assert r.status_code == 303
    assert _stored(world.survey) == (1, 1, 3)
    response = db.session.scalar(select(SurveyResponse))
    # The answer holds no account, family or time: only the survey, a random id, the comment.
    assert set(SurveyResponse.__table__.c.keys()) == {"id", "survey_id", "comment"}
    assert set(SurveyParticipation.__table__.c.keys()) == {"survey_id", "guardian_user_id"}
    assert len(response.id) == 32 and not response.id.isdigit()
    assert response.comment == "食堂的饭菜可以再改进。"
    assert sorted(r.rating for r in response.ratings) == [3, 4, 5]
    # The parent sees their thanks, and the list says answered.
    assert "您已经填写过这份问卷" in client.get(f"/surveys/{world.survey}").text
    assert "已填写" in client.get("/surveys").text


def test_a_second_answer_is_refused_with_everything_typed_kept(client, login, world, ctx):
    login(world.parent_name)
    client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [5, 5, 5]))
    again = client.post(
        f"/surveys/{world.survey}", data=_answer(world.survey, [1, 2, 1], "第二次写的意见")
    )
    assert again.status_code == 409
    assert "您已经填写过这份问卷，每位家长只能填写一次" in again.text
    assert "第二次写的意见" in again.text  # the comment typed is shown again
    assert again.text.count("checked") == 3  # and the three ratings chosen
    assert _stored(world.survey) == (1, 1, 3)


def test_each_parent_of_the_school_answers_once(client, login, world, ctx):
    for who, ratings in ((world.parent_name, [5, 4, 5]), (world.other_parent_name, [2, 3, 1])):
        login(who)
        assert client.post(f"/surveys/{world.survey}", data=_answer(world.survey, ratings)).status_code == 303  # fmt: skip
    assert _stored(world.survey) == (2, 2, 6)


def test_a_missing_rating_is_named_beside_its_question(client, login, world, ctx):
    login(world.parent_name)
    q1, q2, q3 = _questions(world.survey)
    r = client.post(
        f"/surveys/{world.survey}", data={f"q{q1}": "4", f"q{q3}": "2", "comment": "写了一半"}
    )
    assert r.status_code == 422
    assert "请为这一项选择 1 到 5 分" in r.text
    assert f'id="q{q2}-error"' in r.text
    assert "写了一半" in r.text and r.text.count("checked") == 2
    assert _stored(world.survey) == (0, 0, 0)


def test_ratings_out_of_range_or_junk_are_refused(client, login, world, ctx):
    login(world.parent_name)
    for bad in ("6", "0", "-1", "abc", "3.5", "99999999999999999999", "\x00"):
        r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [5, bad, 4]))
        assert r.status_code == 422, bad
        assert "评分只能是 1 到 5 分" in r.text or "请为这一项选择" in r.text, bad
        assert "食堂的饭菜可以再改进。" in r.text
    assert _stored(world.survey) == (0, 0, 0)


def test_full_width_digits_are_ratings(client, login, world, ctx):
    login(world.parent_name)
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, ["５", "４", " 3 "]))
    assert r.status_code == 303
    assert sorted(db.session.scalars(select(SurveyRating.rating))) == [3, 4, 5]


def test_a_comment_too_long_is_refused_and_kept(client, login, world, ctx):
    login(world.parent_name)
    long = "意" * 1001
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [5, 5, 5], long))
    assert r.status_code == 422
    assert long in r.text
    assert _stored(world.survey) == (0, 0, 0)


def test_no_answer_after_the_survey_is_closed(client, login, world, ctx):
    login(world.principal_name)
    assert client.post(f"/surveys/{world.survey}/close").status_code == 303
    login(world.parent_name)
    assert "问卷已经结束" in client.get(f"/surveys/{world.survey}").text
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [4, 4, 4], "晚了"))
    assert r.status_code == 422
    assert "问卷已经结束，不能再提交了" in r.text and "晚了" in r.text
    assert _stored(world.survey) == (0, 0, 0)


def test_no_answer_after_the_closing_date(client, login, world, ctx, time_machine):
    time_machine.move_to(today() + timedelta(days=15))
    login(world.parent_name)
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [4, 4, 4]))
    assert r.status_code == 422
    assert "问卷已经结束" in r.text
    assert _stored(world.survey) == (0, 0, 0)


def test_no_answer_before_the_opening_date(client, login, world, ctx):
    survey = db.session.get(Survey, world.survey)
    survey.opens_on = today() + timedelta(days=3)
    db.session.commit()
    login(world.parent_name)
    page = client.get(f"/surveys/{world.survey}")
    assert "问卷将于" in page.text and "survey-answer" not in page.text
    assert "将于" in client.get("/surveys").text
    r = client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [4, 4, 4], "早了"))
    assert r.status_code == 422
    assert "问卷将于" in r.text and "早了" in r.text
    assert _stored(world.survey) == (0, 0, 0)


def test_a_parent_of_another_school_gets_404_and_nothing_is_stored(client, login, world, ctx):
    login(world.other_parent_name)  # a child in school A only; the survey is school B's
    assert client.get(f"/surveys/{world.survey_b}").status_code == 404
    r = client.post(f"/surveys/{world.survey_b}", data=_answer(world.survey_b, [1, 1, 1]))
    assert r.status_code == 404
    assert _stored(world.survey_b) == (0, 0, 0)


def test_the_parent_list_shows_each_school_s_open_survey(client, login, world):
    login(world.parent_name)  # children in schools A and B
    page = client.get("/surveys").text
    assert "南湖区实验小学" in page and "南湖区第一初级中学" in page
    assert "下学期问卷（草稿）" not in page
    login(world.other_parent_name)
    page = client.get("/surveys").text
    assert "南湖区实验小学" in page and "南湖区第一初级中学" not in page


def test_the_parent_page_is_in_english_too(client, login, world):
    login(world.parent_name)
    client.post("/lang", data={"lang": "en", "next": "/surveys"})
    page = client.get(f"/surveys/{world.survey}").text
    assert "Very satisfied" in page


def test_the_parent_home_invites_to_the_open_survey_until_answered(client, login, world, ctx):
    login(world.parent_name)
    home = client.get("/").text
    assert f'href="/surveys/{world.survey}"' in home and f'href="/surveys/{world.survey_b}"' in home
    assert "学校邀请您填写“本学期家长满意度调查”" in home
    client.post(f"/surveys/{world.survey}", data=_answer(world.survey, [4, 4, 4]))
    home = client.get("/").text
    assert f'href="/surveys/{world.survey}"' not in home
    assert f'href="/surveys/{world.survey_b}"' in home
