"""Parents' pages of satisfaction surveys: the open surveys of their children's schools, and
answering one once, anonymously. The leaders' and the district's pages are in leader_views.py
(routes of the same blueprint)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user, login_required

from gridapp.core.forms import form_page, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import today
from gridapp.people.permissions import guardian_school_ids
from gridapp.surveys import services
from gridapp.surveys.forms import answer_form_class
from gridapp.surveys.permissions import load_survey

bp = Blueprint("surveys", __name__)


@bp.get("/surveys")
@login_required
def index():
    """A parent's surveys: those of their children's schools that are open, coming, or that
    they answered."""
    user = real_user(current_user)
    require(user.is_guardian)
    rows = services.parent_surveys(user, guardian_school_ids(user), today())
    return render_template("surveys/index.html", rows=rows)


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def answer(survey_id: int):
    """The survey for a parent of one of its school's pupils (404 for anyone else): a rating
    per question and a comment, sent once; shown again with everything kept on an error."""
    user = real_user(current_user)
    survey = load_survey(survey_id, Need.EDIT)
    questions = survey.questions
    form = answer_form_class(questions)()
    state = services.window(survey, today())
    answered = services.has_answered(survey.id, user.id)
    done = submit(
        form,
        lambda: services.answer(user, survey, form.ratings(), form.comment.data or "", today()),
        then=url_for(".answer", survey_id=survey.id),
        message=_("提交成功，感谢您的参与！"),
    )
    if done:
        return done
    return form_page(
        "surveys/answer.html", form, survey=survey, questions=questions, state=state,
        answered=answered, labels=services.RATING_LABELS,
    )  # fmt: skip
