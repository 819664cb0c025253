"""Forms for students."""

from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from gridapp.core.forms import CodeField, Form, NameField, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.people.models import INACTIVE_STATUSES, Gender, StudentSensitive, StudentStatus


class StudentForm(Form):
    name = NameField(_l("姓名"), [DataRequired(_l("请填写姓名")), Length(max=50), no_control_chars])
    gender = SelectField(_l("性别"), choices=Gender.choices)
    birth_on = DateField(_l("出生日期"), [Optional()], render_kw={"placeholder": "2015-06-01"})
    address = StringField(
        _l("家庭住址"), [Optional(), Length(max=200), no_control_chars], filters=[strip]
    )
    community = StringField(
        _l("居住小区"), [Optional(), Length(max=100), no_control_chars], filters=[strip]
    )


def _sensitive_text(label):
    # The service checks the length (and says so beside the field); nothing is dropped here.
    return TextAreaField(label, [Optional(), no_control_chars], render_kw={"rows": 3})


class SensitiveForm(Form):
    """A student's sensitive record (health, finances, parents' marriage, psychology, ID)."""

    health = _sensitive_text(_l("疾病与残疾"))
    finances = _sensitive_text(_l("家庭经济状况"))
    parents_marriage = _sensitive_text(_l("父母婚姻状况"))
    psychology = _sensitive_text(_l("心理情况"))
    id_number = CodeField(
        _l("身份证号"), [Optional(), no_control_chars],
        render_kw={"maxlength": 18, "autocomplete": "off"},
    )  # fmt: skip

    def values(self) -> dict[str, str]:
        """The record as the service takes it: field → text."""
        return {name: self[name].data or "" for name in StudentSensitive.FIELDS}


class DossierForm(Form):
    """Dossiers of a class in the background: all its students or the ticked ones, the sections,
    with the sensitive section or not, one PDF or a ZIP of one PDF each."""

    student_ids = SelectMultipleField(coerce=str, choices=[], validate_choice=False)
    sections = SelectMultipleField(coerce=str, choices=[], validate_choice=False)
    sensitive = BooleanField(_l("包含敏感信息（仅有权限者生效，记入审计日志）"))
    format = RadioField(
        choices=[SelectChoice("zip", _l("每人一份，打包为 ZIP")),
                 SelectChoice("pdf", _l("合并为一个 PDF"))],
        default="zip", validate_choice=False,
    )  # fmt: skip

    def chosen(self) -> set[int]:
        """The ticked students' ids (none ticked: the whole class)."""
        return {int(v) for v in self.student_ids.data or [] if v.isdecimal() and len(v) < 10}


class StudentStatusForm(Form):
    """Mark a student transferred, left or graduated from a date, or back at school (在读)."""

    to_status = SelectField(_l("学籍状态"), choices=[])
    on = DateField(_l("生效日期"), [DataRequired(_l("请填写日期"))])
    reason = StringField(
        _l("原因（选填）"), [Optional(), Length(max=200), no_control_chars], filters=[strip]
    )

    def __init__(self, *args, active: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if active:
            self.to_status.choices = [(s.value, s.label) for s in INACTIVE_STATUSES]
        else:
            self.to_status.choices = [(StudentStatus.ACTIVE.value, StudentStatus.ACTIVE.label)]
