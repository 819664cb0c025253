"""Forms for students."""

from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from gridapp.core.forms import Form, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.people.models import Gender


class StudentForm(Form):
    name = StringField(
        _l("姓名"),
        [DataRequired(_l("请填写姓名")), Length(max=50), no_control_chars],
        filters=[strip],
    )
    gender = SelectField(_l("性别"), choices=Gender.choices)
    birth_on = DateField(_l("出生日期"), [Optional()], render_kw={"placeholder": "2015-06-01"})
    address = StringField(
        _l("家庭住址"), [Optional(), Length(max=200), no_control_chars], filters=[strip]
    )
    community = StringField(
        _l("居住小区"), [Optional(), Length(max=100), no_control_chars], filters=[strip]
    )
