"""The leaders' and the district's pages of satisfaction surveys: a school's surveys (new,
publish, close), a survey's results, and the district's table. Routes of the surveys blueprint
(gridapp.surveys.views)."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.core.forms import ActionForm, form_status, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import now, today
from gridapp.core.xlsx import wants_xlsx
from gridapp.schools.models import School
from gridapp.schools.permissions import district_school_ids, leader_school_ids, load_school
from gridapp.schools.services import current_semester
from gridapp.surveys import export, services
from gridapp.surveys.forms import SurveyForm
from gridapp.surveys.permissions import load_survey
from gridapp.surveys.views import bp


@bp.route("/schools/<int:school_id>/surveys", methods=["GET", "POST"])
@login_required
def school_surveys(school_id: int):
    """The school's surveys with their response counts, and a new one (a draft) for its
    leaders."""
    user = real_user(current_user)
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(user))
    form = SurveyForm()
    form.period.choices = services.period_choices(school.id)
    if request.method == "GET":
        semester = current_semester(school.id, today())
        form.period.data = f"s{semester.id}" if semester else None
        form.opens_on.data = today()
        form.closes_on.data = today() + timedelta(days=14)
        form.questions.data = form.default_questions()
    else:

        def create():
            year_id, semester_id = services.period_of(form.period.data)
            data = services.SurveyData(
                title=form.title.data or "", intro=form.intro.data or "",
                school_year_id=year_id or 0, semester_id=semester_id,
                opens_on=form.opens_on.data, closes_on=form.closes_on.data,
                questions=form.question_list(),
            )  # fmt: skip
            return services.create_survey(user, school, data, today()).id

        done = submit(
            form, create, then=lambda _id: url_for(".school_surveys", school_id=school.id),
            message=_("问卷已保存为草稿，检查无误后请发布"),
        )  # fmt: skip
        if done:
            return done
    return _school_page(school, form)


def _school_page(school: School, form: SurveyForm, action: tuple[int, ActionForm] | None = None):
    """The school's surveys page; `action` is a survey's publish or close form refused."""
    surveys = services.school_surveys(school.id)
    return render_template(
        "surveys/school.html", school=school, form=form, surveys=surveys,
        counts=services.response_counts([s.id for s in surveys]),
        guardians=services.guardian_counts([school.id]).get(school.id, 0),
        action=action or (None, fresh(ActionForm)), today=today(), window=services.window,
    ), form_status(form, action and action[1])  # fmt: skip


def _move(survey_id: int, move, message: str):
    user = real_user(current_user)
    survey = load_survey(survey_id, Need.MANAGE)
    page = url_for(".school_surveys", school_id=survey.school_id)
    if request.method == "GET":
        return reload_to(page)
    form = ActionForm()
    done = submit(form, lambda: move(user, survey), then=page, message=message)
    if done:
        return done
    school = load_school(survey.school_id, Need.VIEW)
    empty = SurveyForm(formdata=None)
    empty.period.choices = services.period_choices(school.id)
    empty.questions.data = empty.default_questions()
    return _school_page(school, empty, action=(survey.id, form))


@bp.route("/surveys/<int:survey_id>/publish", methods=["GET", "POST"])
@login_required
def publish(survey_id: int):
    """Publish a draft (parents see it from its opening date)."""
    return _move(
        survey_id,
        lambda user, survey: services.publish(user, survey, today(), now()),
        _("问卷已发布，家长可以在开始日期后填写"),
    )


@bp.route("/surveys/<int:survey_id>/close", methods=["GET", "POST"])
@login_required
def close(survey_id: int):
    """End a published survey now."""
    return _move(
        survey_id, lambda user, survey: services.close(user, survey, now()), _("问卷已结束")
    )


@bp.get("/surveys/<int:survey_id>/results")
@login_required
def results(survey_id: int):
    """A survey's results for the school's leaders and the district (no parent is named)."""
    user = real_user(current_user)
    survey = load_survey(survey_id, Need.VIEW)
    if wants_xlsx():
        return export.results_workbook(services.results(survey))
    return render_template(
        "surveys/results.html", survey=survey, results=services.results(survey),
        labels=services.RATING_LABELS, state=services.window(survey, today()),
        leads=survey.school_id in leader_school_ids(user), district=user.is_district,
    )  # fmt: skip


@bp.get("/district/surveys")
@login_required
def district():
    """The district's table: each school's latest survey, its response rate and mean, the
    schools whose results are low marked (seed 004 §22)."""
    user = real_user(current_user)
    require(user.is_district)
    rows = services.district_table(district_school_ids(user))
    if wants_xlsx():
        return export.district_workbook(rows)
    return render_template("surveys/district.html", rows=rows, low=services.LOW_MEAN)
