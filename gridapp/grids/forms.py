"""Forms for a grid's name and grid teachers, and for an entry of the grid family log."""

from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gridapp.core.forms import Form, IntegerField, id_field, no_control_chars, optional_int, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.grids.models import GridLogKind


class GridForm(Form):
    name = StringField(
        _l("网格名称"),
        [DataRequired(_l("请填写网格名称")), Length(max=40), no_control_chars],
        filters=[strip],
    )
    grid_teacher_id = SelectField(_l("网格员"), coerce=optional_int, choices=[])
    deputy_id = SelectField(_l("副网格员"), coerce=optional_int, choices=[])


class GridLogForm(Form):
    family_id = id_field()
    kind = SelectField(_l("类别"), choices=GridLogKind.choices)
    happened_on = DateField(_l("日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))])
    text = TextAreaField(
        _l("内容"),
        [DataRequired(_l("请填写内容")), Length(max=2000), no_control_chars],
        filters=[strip],
        render_kw={"rows": 2},
    )
    # A situation change may mark or end a focus category: a student and "mark:<c>" / "end:<c>".
    focus_student = StringField()
    focus = StringField()


class ActivityForm(Form):
    """A guidance activity of the class or of one of its grids."""

    grid_id = SelectField(_l("对象"), coerce=optional_int, choices=[])
    topic = StringField(
        _l("主题"), [DataRequired(_l("请填写活动主题")), Length(max=100), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    held_on = DateField(_l("日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))])
    place = StringField(
        _l("地点"), [DataRequired(_l("请填写地点")), Length(max=100), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    speaker = StringField(
        _l("主讲人"), [DataRequired(_l("请填写主讲人")), Length(max=60), no_control_chars],
        filters=[strip],
    )  # fmt: skip


class GridCountForm(Form):
    """Dividing a class into this many grids (as proposed above the button)."""

    grids = IntegerField(_l("网格数"), [Optional()])


class MoveFamilyForm(Form):
    """A family moved into another grid of its class."""

    family_id = id_field()
    grid_id = id_field()


class AttendanceForm(Form):
    """The families that came to a guidance activity (checked in a list)."""

    family_ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)

    def validate_family_ids(self, field):
        if field.process_errors or any(not 0 < i < 2**31 for i in field.data or []):
            raise ValidationError(_l("出席名单有误，请重新勾选"))
