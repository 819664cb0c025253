"""Forms of reception days: publishing a day or a recurring pattern, booking, cancelling."""

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from gridapp.core.forms import (
    ClassNameField,
    CodeField,
    Form,
    IntegerField,
    NameField,
    PhoneField,
    no_control_chars,
    optional_int,
    strip,
)
from gridapp.core.i18n import lazy_gettext as _l

WEEKDAYS = [SelectChoice(i, label) for i, label in enumerate(
    [_l("星期一"), _l("星期二"), _l("星期三"), _l("星期四"), _l("星期五"), _l("星期六"), _l("星期日")]
)]  # fmt: skip


class DayForm(Form):
    kind = SelectField(
        _l("方式"),
        choices=[SelectChoice("once", _l("单次")), SelectChoice("monthly", _l("每月固定"))],
    )
    on = DateField(_l("日期"), [Optional()])
    nth = SelectField(
        _l("每月第几个"), coerce=int, choices=[SelectChoice(n, str(n)) for n in range(1, 6)]
    )
    weekday = SelectField(_l("星期几"), coerce=int, choices=WEEKDAYS)
    months = IntegerField(_l("连续几个月"), [Optional(), NumberRange(1, 12)], default=3)
    starts = TimeField(_l("开始"), [InputRequired(_l("请填写开始时间"))])
    ends = TimeField(_l("结束"), [InputRequired(_l("请填写结束时间"))])
    room = StringField(_l("地点"), [DataRequired(_l("请填写地点")), Length(max=60),
                                   no_control_chars], filters=[strip])  # fmt: skip
    slot_minutes = IntegerField(
        _l("每个时段（分钟）"), [InputRequired(), NumberRange(5, 240)], default=20
    )
    capacity = IntegerField(
        _l("每个时段可约人数"), [InputRequired(), NumberRange(1, 50)], default=2
    )
    buffer_minutes = IntegerField(
        _l("时段间隔（分钟）"), [InputRequired(), NumberRange(0, 120)], default=5
    )
    opens_days_before = IntegerField(
        _l("提前几天开放预约"), [InputRequired(), NumberRange(0, 60)], default=14
    )
    closes_hours_before = IntegerField(
        _l("提前几小时截止"), [InputRequired(), NumberRange(0, 72)], default=12
    )
    host_ids = SelectMultipleField(_l("接待人"), coerce=int, choices=[])
    allow_guests = BooleanField(_l("允许未注册的家长预约（凭手机号和预约码）"))


class BookingForm(Form):
    token = HiddenField()
    waitlist = BooleanField()  # sent (hidden) when the slot is full: a place on its waitlist
    student_id = SelectField(_l("哪个孩子的事"), coerce=optional_int, choices=[])
    topic = StringField(_l("想谈的话题"), [DataRequired(_l("请填写想谈的话题")), Length(max=100),
                                          no_control_chars], filters=[strip])  # fmt: skip
    description = TextAreaField(_l("简要说明（选填）"), [Optional(), Length(max=1000), no_control_chars],
                                filters=[strip], render_kw={"rows": 3})  # fmt: skip
    guest_name = NameField(_l("您的姓名"), [Optional(), Length(max=40), no_control_chars])
    guest_mobile = PhoneField(_l("手机号码"), [Optional()], render_kw={"inputmode": "tel"})
    guest_class = ClassNameField(_l("孩子的班级"), [Optional(), Length(max=40), no_control_chars],
                                 render_kw={"placeholder": "三年级（2）班"})  # fmt: skip


def _reason(id: str):
    return StringField(
        _l("取消原因"), [Optional(), Length(max=200, message=_l("请填写取消原因（不超过 200 字）")),
                         no_control_chars],
        filters=[strip], id=id, render_kw={"maxlength": 200},
    )  # fmt: skip


class CancelForm(Form):
    """A parent cancels a booking, with a reason (until the cut-off)."""

    reason = _reason("cancel-reason")


class CancelDayForm(Form):
    """A host cancels a reception day; every booked parent is told the reason."""

    reason = _reason("cancel-day-reason")


class LookupForm(Form):
    """A guest finds a booking by its booking code, and may cancel it with a reason."""

    code = CodeField(
        _l("预约码"), [DataRequired(_l("请输入预约码")), Length(max=40)],
        render_kw={"autocomplete": "off", "placeholder": "XXXX-XXXX-XXXX"},
    )  # fmt: skip
    cancel = HiddenField()
    reason = _reason("lookup-reason")


class WalkInForm(Form):
    """A parent who came without booking, registered by the host."""

    guest_name = NameField(
        _l("家长姓名"), [Optional(), Length(max=40), no_control_chars],
        id="walk-in-name",
    )  # fmt: skip
    topic = StringField(
        _l("话题"), [Optional(), Length(max=100), no_control_chars], filters=[strip],
        id="walk-in-topic",
    )  # fmt: skip


class VisitForm(Form):
    """The host's record of a visit: attended or not, the parent's words, notes, the outcome,
    and whether it becomes a case (one form per booking on the day's page)."""

    attended = RadioField(
        _l("是否到访"), choices=[SelectChoice("y", _l("已到")), SelectChoice("n", _l("未到"))],
        default="y", validators=[Optional()],
    )  # fmt: skip
    words = TextAreaField(_l("家长的原话"), [Optional(), no_control_chars], filters=[strip],
                          render_kw={"rows": 2})  # fmt: skip
    notes = TextAreaField(_l("记录"), [Optional(), no_control_chars], filters=[strip],
                          render_kw={"rows": 2})  # fmt: skip
    outcome = TextAreaField(_l("结果"), [Optional(), no_control_chars], filters=[strip],
                            render_kw={"rows": 2})  # fmt: skip
    follow_up = BooleanField(_l("需要跟进：转为意见进入办理流程"))
