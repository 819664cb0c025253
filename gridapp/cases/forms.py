"""Forms of the closed loop: the public mailbox, tracking, staff registration, assignment."""

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from gridapp.cases.models import CaseCategory
from gridapp.core.forms import Form, mobile_phone, no_control_chars, optional_int, strip
from gridapp.core.i18n import lazy_gettext as _l


class LetterForm(Form):
    school_id = SelectField(_l("写给哪所学校"), coerce=optional_int, choices=[])
    category = SelectField(_l("类别"), choices=CaseCategory.choices)
    subject = StringField(
        _l("标题"), [DataRequired(_l("请填写标题")), Length(max=100), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    content = TextAreaField(
        _l("内容"), [DataRequired(_l("请填写信件内容")), Length(max=5000), no_control_chars],
        filters=[strip], render_kw={"rows": 8},
    )  # fmt: skip
    anonymous = BooleanField(_l("匿名（不留姓名、电话和班级）"))
    name = StringField(
        _l("您的姓名"), [Optional(), Length(max=40), no_control_chars], filters=[strip]
    )
    phone = StringField(_l("联系电话"), [Optional(), mobile_phone], filters=[strip])
    child_class = StringField(
        _l("孩子的班级"), [Optional(), Length(max=40), no_control_chars], filters=[strip],
        render_kw={"placeholder": "三年级（2）班"},
    )  # fmt: skip
    captcha_token = HiddenField()
    captcha = StringField(
        _l("验证码"), [DataRequired(_l("请输入图中的验证码")), Length(max=8)], filters=[strip],
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )  # fmt: skip

    def validate_school_id(self, field):
        if field.data is None:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("请选择学校"))


class TrackForm(Form):
    code = StringField(
        _l("查询码"), [DataRequired(_l("请输入查询码")), Length(max=40)], filters=[strip],
        render_kw={"autocomplete": "off", "placeholder": "XXXX-XXXX-XXXX"},
    )  # fmt: skip


class RateForm(Form):
    code = HiddenField()
    rating = RadioField(
        _l("您对答复的评价"), coerce=optional_int,
        choices=[SelectChoice(n, str(n)) for n in (5, 4, 3, 2, 1)],
        validators=[InputRequired(_l("请选择 1 到 5 分"))],
    )  # fmt: skip
    comment = TextAreaField(
        _l("您的意见（选填）"), [Optional(), Length(max=2000), no_control_chars], filters=[strip],
        render_kw={"rows": 2},
    )  # fmt: skip


class RegisterCaseForm(Form):
    source = SelectField(_l("来源"), choices=[])
    category = SelectField(_l("类别"), choices=CaseCategory.choices)
    subject = StringField(
        _l("标题"), [DataRequired(_l("请填写标题")), Length(max=100), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    words = TextAreaField(
        _l("家长的原话"), [DataRequired(_l("请填写家长的意见或诉求")), Length(max=2000),
                          no_control_chars],
        filters=[strip], render_kw={"rows": 5},
    )  # fmt: skip
    wants_answer = BooleanField(_l("家长希望得到答复"), default=True)


class AssignForm(Form):
    assignee_id = SelectField(_l("承办人"), coerce=optional_int, choices=[])
    department = StringField(_l("或承办部门"), [Optional(), Length(max=40)], filters=[strip])
    workdays = IntegerField(
        _l("办理期限（工作日）"), [Optional(), NumberRange(1, 60, _l("须在 1 到 60 之间"))]
    )
    note = TextAreaField(_l("交办说明"), [Optional(), Length(max=2000)], filters=[strip],
                         render_kw={"rows": 2})  # fmt: skip
