"""Forms for recording a contact, reviewing it, withdrawing it, rating it, and the quota numbers."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from gridapp.accounts.forms import MultiCheckboxField
from gridapp.contacts.models import ContactForm, FiguresCount, QuotaRule
from gridapp.contacts.services import TEXT_LIMIT, pledge_label
from gridapp.core.forms import (
    Form,
    IntegerField,
    KeptFilesField,
    no_control_chars,
    optional_int,
    strip,
)
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.schools.models import BreakCountsFor

_TEXT = [Optional(), Length(max=TEXT_LIMIT, message=_l("内容不能超过 2000 字")), no_control_chars]


def _text(label, description=None):
    return TextAreaField(
        label, _TEXT, filters=[strip], description=description, render_kw={"rows": 3}
    )


class ContactRecordForm(Form):
    """家访情况记录表: the visit record of DOMAIN.md, mobile-first."""

    client_token = HiddenField()
    students = MultiCheckboxField(
        _l("涉及的学生"),
        coerce=int,
        choices=[],
        validators=[DataRequired(_l("请至少选择一名学生"))],
    )
    contact_on = DateField(_l("联系日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))])
    form = SelectField(_l("联系方式"), choices=ContactForm.choices)
    teacher_ids = MultiCheckboxField(_l("同行教师"), coerce=int, choices=[])
    # A group visit, a parents' meeting or a meeting at school: the other families present.
    group_students = MultiCheckboxField(
        _l("同时参加的其他家庭"), coerce=int, choices=[],
        description=_l("团体家访、亲子家长会、到校座谈可以一条记录记下所有到场的家庭，每个家庭都计入"),
    )  # fmt: skip
    place = StringField(
        _l("地点"), [Optional(), Length(max=200), no_control_chars], filters=[strip]
    )
    members_met = StringField(
        _l("见到的家庭成员"),
        [Optional(), Length(max=200), no_control_chars],
        filters=[strip],
        description=_l("例如 母亲、祖母"),
    )
    # 联合家访 (seed 002 §5): people from outside the school, in words.
    joint_visitors = StringField(
        _l("联合家访的校外人员"),
        [Optional(), Length(max=200, message=_l("内容不能超过 200 字")), no_control_chars],
        filters=[strip],
        description=_l("例如 社区网格员张某、妇联李某、关工委王某；没有可不填"),
    )
    family_situation = _text(_l("家庭情况"))
    habits_at_home = _text(_l("学生在家表现、学习和生活习惯"))
    growth_environment = _text(
        _l("成长环境"), _l("包括上下学路上的安全、住处附近有无危险水域（防溺水）")
    )
    said_about_school = _text(_l("向家长介绍的在校情况"))
    guidance_given = _text(_l("家庭教育指导"))
    parents_opinions = _text(_l("家长的意见和建议"))
    follow_up = _text(_l("后续跟进"))
    # A follow-up visit with a due date (回访, seed 001 八必访): it stays on the worklist until
    # a later record of the family is linked to it.
    follow_up_form = SelectField(
        _l("安排回访"),
        choices=lambda: [("", _l("不安排回访"))] + ContactForm.choices(),
        default="",
    )
    follow_up_due_on = DateField(
        _l("回访截止日期"), [Optional()], description=_l("不能早于本次联系日期")
    )
    # The family's open follow-ups this record meets (choices set by the view).
    meets_follow_up = SelectField(_l("这是哪项回访"), choices=[], default="", validate_choice=False)
    photos = MultipleFileField(
        _l("照片"),
        description=_l("最多 5 张，每张不超过 5 MB，JPEG 或 PNG；位置信息会被去除"),
        render_kw={"accept": "image/jpeg,image/png", "multiple": True},
    )
    kept_photos = KeptFilesField()  # photos chosen on an earlier try (core.storage)
    # Seed 000 三.4: the door visit sees the drowning-prevention letter delivered.
    drowning_letter_delivered = BooleanField(
        _l("教育部防溺水“六不准”致家长一封信已送达这个家庭"),
        description=_l("上门家访时了解送达情况后勾选；其他联系方式不记录此项"),
    )
    # Its label is the one list of the integrity rules (services.pledge_label), set when bound.
    pledge_confirmed = BooleanField(_l("我确认遵守家访纪律"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pledge_confirmed.label.text = pledge_label()


class ReviewForm(Form):
    decision = RadioField(
        _l("审核结果"),
        choices=lambda: [("approve", _l("审核通过")), ("return", _l("退回修改"))],
        validators=[InputRequired(_l("请选择审核结果"))],
    )
    comment = TextAreaField(
        _l("意见"),
        [Optional(), Length(max=TEXT_LIMIT), no_control_chars],
        filters=[strip],
        render_kw={"rows": 2},
    )


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("撤回原因"),
        [DataRequired(_l("请说明撤回的原因")), Length(max=TEXT_LIMIT), no_control_chars],
        filters=[strip],
        render_kw={"rows": 2},
    )


class EvaluationForm(Form):
    rating = RadioField(
        _l("评分"),
        coerce=int,
        choices=lambda: [(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")],
        validators=[InputRequired(_l("请选择 1 到 5 星"))],
    )
    feelings = TextAreaField(
        _l("感受"),
        [Optional(), Length(max=TEXT_LIMIT), no_control_chars],
        filters=[strip],
        render_kw={"rows": 3},
    )
    suggestions = TextAreaField(
        _l("建议"),
        [Optional(), Length(max=TEXT_LIMIT), no_control_chars],
        filters=[strip],
        render_kw={"rows": 3},
    )
    # 师德师风 (seed 000 三.5 听取师德师风方面的意见): a rating of its own, which a parent may
    # leave out ("" is None).
    conduct_rating = RadioField(
        _l("老师的师德师风"),
        coerce=optional_int,
        choices=lambda: [(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★"),
                         ("", _l("不评"))],
        invalid_choice_message=_l("师德师风请选择 1 到 5 星，或不评"),
    )  # fmt: skip
    conduct_opinion = TextAreaField(
        _l("对老师师德师风的意见"),
        [Optional(), Length(max=TEXT_LIMIT), no_control_chars],
        filters=[strip],
        description=_l("例如 是否收受礼品、接受宴请，言行是否得体；选填"),
        render_kw={"rows": 2},
    )


def _number_present(form, field) -> None:
    if field.data is None:
        raise StopValidation(_l("请填写 1 到 60 之间的整数"))


def quota_form_class():
    """One integer field per rule, named by the rule's value."""

    class QuotaForm(Form):
        pass

    for rule in QuotaRule:
        setattr(
            QuotaForm,
            rule.value,
            IntegerField(
                _l(rule._label),
                [
                    InputRequired(_l("请填写 0 到 20 之间的整数")),
                    NumberRange(0, 20, _l("请填写 0 到 20 之间的整数")),
                ],
            ),
        )
    QuotaForm.figures_count = SelectField(
        _l("统计计入哪些记录"),
        choices=FiguresCount.choices,
        description=_l("被退回的记录在修改后重新计入"),
    )
    QuotaForm.late_entry_days = IntegerField(
        _l("联系后超过几天录入算补录"),
        # Not sent at all (an older form): the school's number stays (the view's data).
        [_number_present, NumberRange(1, 60, _l("请填写 1 到 60 之间的整数"))],
    )
    QuotaForm.break_counts_for = SelectField(
        _l("假期中的家校联系计入"), choices=BreakCountsFor.choices,
        description=_l("两个学期之间（寒暑假）的联系计入哪个学期"),
    )  # fmt: skip
    return QuotaForm


QuotaForm = quota_form_class()

__all__ = [
    "ContactRecordForm",
    "EvaluationForm",
    "QuotaForm",
    "ReviewForm",
    "WithdrawForm",
]
