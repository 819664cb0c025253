"""Forms of the parent school: a leader's course, the school's target, a staff sign-in sheet,
and a guardian's sign-in code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import HiddenField, MultipleFileField, RadioField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gridapp.accounts.forms import MultiCheckboxField
from gridapp.core import text
from gridapp.core.forms import (
    CodeField,
    DateField,
    Form,
    IntegerField,
    KeptFilesField,
    TimeField,
    no_control_chars,
    optional_int,
)
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.parent_school.models import CourseDelivery
from gridapp.parent_school.services import LINK_LIMIT, PLACE_LIMIT, SPEAKER_LIMIT, TITLE_LIMIT


class HoursField(StringField):
    """Class hours as typed ("2", "1.5", full-width "１．５"): a Decimal, or None with a message
    beside the field."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        raw = text.nfkc(self.data or "").strip().replace("。", ".")
        self.hours = None
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                value = None
            if value is not None and value.is_finite():
                self.hours = value

    def pre_validate(self, form):
        if (self.data or "").strip() and self.hours is None:
            raise ValidationError(_l("课时请填写数字，例如 2 或 1.5"))


class CourseForm(Form):
    title = StringField(
        _l("课程名称"),
        [DataRequired(_l("请填写课程名称")), Length(max=TITLE_LIMIT), no_control_chars],
    )
    speaker = StringField(
        _l("主讲人"),
        [DataRequired(_l("请填写主讲人")), Length(max=SPEAKER_LIMIT), no_control_chars],
    )
    held_on = DateField(_l("上课日期"), [InputRequired(_l("请填写上课日期，例如 2026-12-05"))])
    starts_at = TimeField(_l("开始时间"), [InputRequired(_l("请填写开始时间，例如 19:00"))])
    ends_at = TimeField(_l("结束时间"), [InputRequired(_l("请填写结束时间，例如 20:30"))])
    hours = HoursField(_l("课时"), [DataRequired(_l("请填写课时，例如 2"))])
    audience = RadioField(
        _l("面向"),
        choices=[
            SelectChoice("school", _l("全校家长")),
            SelectChoice("grades", _l("选定年级的家长")),
        ],
        default="school",
        validate_choice=False,
    )
    grade_ids = MultiCheckboxField(_l("年级"), coerce=optional_int, choices=[])
    delivery = RadioField(
        _l("授课方式"),
        choices=[SelectChoice(d.value, d.label) for d in CourseDelivery],
        default=CourseDelivery.IN_PERSON.value,
        validate_choice=False,
    )
    place = StringField(_l("上课地点"), [Optional(), Length(max=PLACE_LIMIT), no_control_chars])
    link = StringField(_l("线上参加链接"), [Optional(), Length(max=LINK_LIMIT), no_control_chars])
    materials = MultipleFileField(_l("课程资料（PDF 或图片，可多选）"))
    kept_materials = KeptFilesField()
    removed_materials = MultiCheckboxField(_l("移除资料"), coerce=optional_int, choices=[])

    def delivery_value(self) -> CourseDelivery:
        try:
            return CourseDelivery(self.delivery.data)
        except ValueError:
            return CourseDelivery.IN_PERSON


class TargetForm(Form):
    target_sessions = IntegerField(_l("每学年至少参加（次）"), [InputRequired(_l("请填写次数"))])
    target_hours = IntegerField(_l("每学年至少（课时）"), [InputRequired(_l("请填写课时"))])


class AttendanceForm(Form):
    family_ids = MultiCheckboxField(_l("到场家庭"), coerce=optional_int, choices=[])
    # The families the sheet showed ticked when it was opened ("1,2,3"): only they may be
    # unticked; a family that signed in with the code meanwhile stays in.
    shown_present = HiddenField()

    def shown_present_ids(self) -> list[int]:
        raw = (self.shown_present.data or "").split(",")
        return [n for t in raw if (n := text.small_id(t)) is not None]


class CodeForm(Form):
    code = CodeField(
        _l("签到码"),
        [DataRequired(_l("请输入老师展示的签到码")), Length(max=20), no_control_chars],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "inputmode": "text"},
    )
