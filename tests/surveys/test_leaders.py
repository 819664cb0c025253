"""A school's leaders create, publish and close a survey and read its results; the district reads
every school's (issue 21 item 8, seed 004 §22)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core.audit import AuditEntry
from gridapp.core.time import now, today
from gridapp.extensions import db
from gridapp.schools.models import School
from gridapp.surveys import services
from gridapp.surveys.models import Survey, SurveyQuestion, SurveyStatus

from ..world import survey_data


def _form(world, **over) -> dict:
    data = {
        "title": "2026学年第一学期家长满意度调查",
        "period": f"s{world.semester_a}",
        "opens_on": today().isoformat(),
        "closes_on": (today() + timedelta(days=10)).isoformat(),
        "intro": "",
        "questions": "家校沟通\n家访情况\n总体满意度",
    }
    data.update(over)
    return data


def _surveys(school_id) -> list[Survey]:
    return list(db.session.scalars(select(Survey).where(Survey.school_id == school_id)))


def test_the_new_survey_form_offers_the_default_questions(client, login, world):
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/surveys").text
    assert "书记校长接待日、校长信箱等反映意见的渠道" in page
    assert "本学期家长满意度调查" in page and "下学期问卷（草稿）" in page


def test_a_leader_creates_a_draft_with_its_questions(client, login, world, ctx):
    login(world.school_admin_name)
    before = len(_surveys(world.school_a))
    r = client.post(
        f"/schools/{world.school_a}/surveys", data=_form(world, opens_on="２０２６年１２月１日")
    )
    assert r.status_code == 303
    survey = max(_surveys(world.school_a), key=lambda s: s.id)
    assert len(_surveys(world.school_a)) == before + 1
    assert survey.status is SurveyStatus.DRAFT
    assert survey.opens_on.isoformat() == "2026-12-01"  # full-width digits and 年月日
    assert [q.text for q in survey.questions] == ["家校沟通", "家访情况", "总体满意度"]
    assert survey.period.endswith("第一学期")
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "survey.create", AuditEntry.object_id == survey.id
        )
    )


def test_bad_survey_input_is_named_beside_its_field_and_kept(client, login, world, ctx):
    login(world.principal_name)
    before = len(_surveys(world.school_a))
    cases = [
        (dict(closes_on=(today() - timedelta(days=1)).isoformat(),
              opens_on=(today() - timedelta(days=5)).isoformat()), "结束日期已经过去"),
        (dict(closes_on=today().isoformat(),
              opens_on=(today() + timedelta(days=3)).isoformat()), "结束日期不能早于开始日期"),
        (dict(closes_on="2026-02-30"), "Not a valid date value"),
        (dict(questions="   "), "请至少填写一个问题"),
        (dict(questions="\n".join(f"问题{i}" for i in range(11))), "问题最多 10 个"),
        (dict(questions="家访\n家访"), "有重复的问题"),
        (dict(questions="长" * 201), "每个问题不超过 200 字"),
        (dict(period="y999999"), "请选择本校的学年或学期"),
        (dict(period="junk"), "请选择本校的学年或学期"),
        (dict(title=""), "请填写标题"),
    ]  # fmt: skip
    for over, message in cases:
        r = client.post(f"/schools/{world.school_a}/surveys", data=_form(world, **over))
        assert r.status_code == 422, over
        if message != "Not a valid date value":
            assert message in r.text, (over, message)
        assert "家校沟通" in r.text or "questions" in over
    assert len(_surveys(world.school_a)) == before


def test_another_school_s_year_is_refused(client, login, world, ctx):
    school_b = db.session.get(School, world.school_b)
    login(world.principal_name)
    r = client.post(
        f"/schools/{world.school_a}/surveys",
        data=_form(world, period=f"y{school_b.school_years[0].id}"),
    )
    assert r.status_code == 422
    assert "请选择本校的学年或学期" in r.text


def test_one_open_survey_per_school(client, login, world, ctx):
    login(world.principal_name)
    r = client.post(f"/surveys/{world.survey_draft}/publish")
    assert r.status_code == 409
    assert "本校已有一份正在进行的问卷" in r.text
    assert db.session.get(Survey, world.survey_draft).status is SurveyStatus.DRAFT
    assert client.post(f"/surveys/{world.survey}/close").status_code == 303
    assert client.post(f"/surveys/{world.survey_draft}/publish").status_code == 303
    db.session.expire_all()
    assert db.session.get(Survey, world.survey).status is SurveyStatus.CLOSED
    assert db.session.get(Survey, world.survey_draft).status is SurveyStatus.PUBLISHED
    again = client.post(f"/surveys/{world.survey_draft}/publish")
    assert again.status_code == 409 and "这份问卷已经发布过了" in again.text
    closed = client.post(f"/surveys/{world.survey}/close")
    assert closed.status_code == 409 and "只能结束正在进行的问卷" in closed.text


def test_publishing_closes_a_survey_past_its_end_date(client, login, world, ctx, time_machine):
    principal = db.session.get(User, world.principal)
    school = db.session.get(School, world.school_a)
    time_machine.move_to(now() + timedelta(days=20))
    new = services.create_survey(principal, school, survey_data(school, "寒假前问卷"), today())
    db.session.commit()
    login(world.principal_name)
    assert client.post(f"/surveys/{new.id}/publish").status_code == 303
    db.session.expire_all()
    assert db.session.get(Survey, world.survey).status is SurveyStatus.CLOSED
    assert db.session.get(Survey, new.id).status is SurveyStatus.PUBLISHED


def test_a_draft_past_its_end_date_is_not_published(client, login, world, ctx, time_machine):
    time_machine.move_to(now() + timedelta(days=20))
    login(world.principal_name)
    r = client.post(f"/surveys/{world.survey_draft}/publish")
    assert r.status_code == 409 and "结束日期已经过去" in r.text


def _answer_as(client, login, username, survey_id, ratings, comment=""):
    login(username)
    questions = db.session.scalars(
        select(SurveyQuestion.id)
        .where(SurveyQuestion.survey_id == survey_id)
        .order_by(SurveyQuestion.position)
    ).all()
    data = {f"q{q}": r for q, r in zip(questions, ratings, strict=True)}
    data["comment"] = comment
    assert client.post(f"/surveys/{survey_id}", data=data).status_code == 303


def test_results_show_means_distribution_rate_and_unsigned_comments(client, login, world, ctx):
    _answer_as(client, login, world.parent_name, world.survey, [5, 4, 2], "希望多开家长会")
    _answer_as(client, login, world.other_parent_name, world.survey, [3, 4, 1])
    survey = db.session.get(Survey, world.survey)
    res = services.results(survey)
    assert (res.responses, res.guardians, res.rate) == (2, 2, 1.0)
    assert [q.mean for q in res.questions] == [4.0, 4.0, 1.5]
    assert res.questions[0].distribution == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert res.mean == 19 / 6
    assert res.comments == ["希望多开家长会"]
    login(world.principal_name)
    page = client.get(f"/surveys/{world.survey}/results").text
    assert "希望多开家长会" in page and "100.0%" in page and "1.50" in page
    # Nothing on the page names a parent who answered.
    for who in ("李芳", "parent", world.other_parent_name):
        assert who not in page.split("<main")[1], who


def test_the_district_table_lists_every_school_and_marks_low_results(client, login, world, ctx):
    _answer_as(client, login, world.parent_name, world.survey_b, [2, 2, 3])
    login(world.district_supervisor_name)
    page = client.get("/district/surveys").text
    assert "南湖区实验小学" in page and "南湖区第一初级中学" in page
    assert "秀洲区实验小学" not in page  # another district's school
    assert "偏低" in page and "2.33" in page
    rows = services.district_table({world.school_a, world.school_b})
    by_school = {r.school.id: r for r in rows}
    assert by_school[world.school_b].low and by_school[world.school_b].responses == 1
    assert by_school[world.school_a].mean is None and not by_school[world.school_a].low
    # The supervisor opens a school's results from the table.
    assert client.get(f"/surveys/{world.survey_b}/results").status_code == 200


def test_a_school_without_a_published_survey_says_so(client, login, world, ctx):
    survey = db.session.get(Survey, world.survey_b)
    survey.status = SurveyStatus.DRAFT
    db.session.commit()
    login(world.district_supervisor_name)
    page = client.get("/district/surveys").text
    assert "未发布" in page


def test_results_and_the_district_table_export_to_excel_without_names(client, login, world, ctx):
    import io

    from openpyxl import load_workbook

    _answer_as(client, login, world.parent_name, world.survey, [5, 4, 2], "=希望多开家长会")
    login(world.principal_name)
    assert "导出 Excel" in client.get(f"/surveys/{world.survey}/results").text
    r = client.get(f"/surveys/{world.survey}/results?format=xlsx")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["各题结果", "意见和建议"]
    rows = list(book["各题结果"].iter_rows(min_row=3, values_only=True))
    assert rows[0][1:3] == (1, 5) and rows[0][7] == 1  # one rating, mean 5, one "5"
    comment = book["意见和建议"]["A3"]
    assert comment.value == "=希望多开家长会" and comment.data_type == "s"  # text, no formula
    cells = " ".join(str(c) for s in book for row in s.iter_rows(values_only=True) for c in row)
    assert "李芳" not in cells and world.parent_name not in cells
    login(world.district_supervisor_name)
    r = client.get("/district/surveys?format=xlsx")
    names = [
        row[0]
        for row in load_workbook(io.BytesIO(r.data)).active.iter_rows(min_row=3, values_only=True)
    ]
    assert "南湖区实验小学" in names and "秀洲区实验小学" not in names
    # Another school's leader: 404, as for the page.
    login(world.other_school_admin_name)
    assert client.get(f"/surveys/{world.survey}/results?format=xlsx").status_code == 404
