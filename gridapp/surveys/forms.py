"""Forms of satisfaction surveys: a leader's new survey, a parent's answer (one rating per
question, built for the survey's questions), and the publish / close buttons."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gridapp.core import text
from gridapp.core.forms import DateField, Form, no_control_chars, strip
from gridapp.core.i18n import gettext
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.surveys.models import RATINGS
from gridapp.surveys.services import (
    COMMENT_LIMIT,
    DEFAULT_QUESTIONS,
    MAX_QUESTIONS,
    QUESTION_LIMIT,
    RATING_LABELS,
    TITLE_LIMIT,
)


class SurveyForm(Form):
    title = StringField(
        _l("标题"),
        [DataRequired(_l("请填写标题")), Length(max=TITLE_LIMIT), no_control_chars],
        filters=[strip],
    )
    period = SelectField(_l("学年或学期"), choices=[], validate_choice=False)
    opens_on = DateField(_l("开始日期"), [InputRequired(_l("请填写开始日期，例如 2026-12-01"))])
    closes_on = DateField(_l("结束日期"), [InputRequired(_l("请填写结束日期，例如 2026-12-15"))])
    intro = TextAreaField(
        _l("说明（家长可见，可不填）"),
        [Optional(), Length(max=500), no_control_chars],
        filters=[strip],
        render_kw={"rows": 2},
    )
    questions = TextAreaField(
        _l("问题（每行一个，家长对每个问题打 1 到 5 分）"),
        [
            DataRequired(_l("请至少填写一个问题")),
            Length(max=(QUESTION_LIMIT + 1) * MAX_QUESTIONS),
            no_control_chars,
        ],
        filters=[strip],
        render_kw={"rows": 8},
    )

    def question_list(self) -> list[str]:
        return [line.strip() for line in (self.questions.data or "").splitlines() if line.strip()]

    @staticmethod
    def default_questions() -> str:
        return "\n".join(gettext(q) for q in DEFAULT_QUESTIONS)


def _rating(value):
    """A rating as sent: full-width digits ("５") read as digits; anything else is no rating."""
    if value is None or value == "":
        return None
    try:
        return int(text.normalise_number(str(value)))
    except ValueError:
        return -1


class RatingField(RadioField):
    """A rating from 1 (很不满意) to 5 (很满意); out of range or junk is refused beside it."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", _rating)
        kwargs.setdefault(
            "choices", lambda: [(r, f"{r} {gettext(RATING_LABELS[r])}") for r in RATINGS]
        )
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = _rating(valuelist[0]) if valuelist else None

    def pre_validate(self, form):
        if self.data is not None and self.data not in RATINGS:
            raise ValidationError(gettext("评分只能是 1 到 5 分"))


def answer_form_class(questions):
    """The answer form of a survey: a `RatingField` named `q<id>` per question, and a comment."""

    class AnswerForm(Form):
        comment = TextAreaField(
            _l("意见和建议（可不填，匿名）"),
            [Optional(), Length(max=COMMENT_LIMIT), no_control_chars],
            filters=[strip],
            render_kw={"rows": 4, "maxlength": COMMENT_LIMIT},
        )

        def ratings(self) -> dict[int, int | None]:
            return {q.id: self[f"q{q.id}"].data for q in questions}

    for q in questions:
        setattr(
            AnswerForm,
            f"q{q.id}",
            RatingField(q.text, [InputRequired(_l("请为这一项选择 1 到 5 分"))]),
        )
    return AnswerForm
