"""Forms for the school calendar, classes and teaching assignments."""

from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from gridapp.core.forms import (
    CodeField,
    Form,
    IntegerField,
    LineField,
    PhoneLineField,
    no_control_chars,
    optional_int,
    strip,
)
from gridapp.core.i18n import lazy_gettext as _l

DATE_MSG = _l("请输入有效日期，例如 2026-09-01")


class SchoolYearForm(Form):
    name = StringField(
        _l("学年名称"),
        [DataRequired(_l("请填写学年名称")), Length(max=40), no_control_chars],
        filters=[strip],
        description=_l("例如 2027—2028学年"),
    )
    first_starts_on = DateField(_l("第一学期开始"), [InputRequired(DATE_MSG)])
    first_ends_on = DateField(_l("第一学期结束"), [InputRequired(DATE_MSG)])
    second_starts_on = DateField(_l("第二学期开始"), [InputRequired(DATE_MSG)])
    second_ends_on = DateField(_l("第二学期结束"), [InputRequired(DATE_MSG)])


class SemesterForm(Form):
    starts_on = DateField(_l("开始日期"), [InputRequired(DATE_MSG)])
    ends_on = DateField(_l("结束日期"), [InputRequired(DATE_MSG)])


class ClassForm(Form):
    level = SelectField(_l("年级"), coerce=int, validate_choice=True)
    number = IntegerField(
        _l("班号"),
        [InputRequired(_l("请填写班号")), NumberRange(1, 99, _l("班号须在 1 到 99 之间"))],
    )
    enrolment_year = IntegerField(
        _l("入学年份"),
        [InputRequired(_l("请填写入学年份")), NumberRange(1990, 2100, _l("请填写有效年份"))],
    )
    head_teacher_id = SelectField(_l("班主任"), coerce=optional_int, validators=[Optional()])


class HeadTeacherForm(Form):
    head_teacher_id = SelectField(_l("班主任"), coerce=optional_int, validators=[Optional()])


class AssignmentForm(Form):
    teacher_id = SelectField(
        _l("任课教师"), coerce=optional_int, validators=[DataRequired(_l("请选择任课教师"))]
    )
    subject = StringField(
        _l("学科"),
        [DataRequired(_l("请填写学科")), Length(max=20), no_control_chars],
        filters=[strip],
    )


class SchoolForm(Form):
    name = StringField(
        _l("学校名称"),
        [DataRequired(_l("请填写学校名称")), Length(max=100), no_control_chars],
        filters=[strip],
    )
    code = CodeField(
        _l("学校代码"), [DataRequired(_l("请填写学校代码")), Length(max=32), no_control_chars]
    )
    kind = SelectField(_l("学校类型"), choices=[])
    address = StringField(
        _l("地址"), [Optional(), Length(max=200), no_control_chars], filters=[strip]
    )
    phone = LineField(_l("电话"), [Optional(), Length(max=40), no_control_chars])


class HotlineForm(Form):
    """The school's hotline (校长热线, seed 004 §15): a number and its staffed hours."""

    phone = PhoneLineField(
        _l("热线电话"),
        [Optional(), Length(max=40, message=_l("电话号码不能超过 40 个字符"))],
        description=_l("例如 0573-82345678；全角数字和各种横线都可以。清空则不再公布"),
    )
    hours = StringField(
        _l("值守时间"),
        [Optional(), Length(max=100, message=_l("内容不能超过 100 字")), no_control_chars],
        filters=[strip],
        description=_l("例如 工作日 8:00—17:30"),
    )
