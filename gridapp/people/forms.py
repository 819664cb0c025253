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

from gridapp.core.forms import CodeField, Form, NameField, PhoneField, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.people.models import (
    INACTIVE_STATUSES,
    Gender,
    Relation,
    StudentSensitive,
    StudentStatus,
)


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


class StudentMoveForm(Form):
    """Move a student to another class of the school from a date (调班)."""

    class_id = SelectField(_l("调入班级"), coerce=str, choices=[], validate_choice=False)
    on = DateField(_l("调班日期"), [DataRequired(_l("请填写日期"))])

    def chosen_class_id(self) -> int | None:
        value = (self.class_id.data or "").strip()
        return int(value) if value.isdecimal() and len(value) < 10 else None


class GuardianForm(Form):
    """A guardian of a student: name, relation, phones, workplace, primary contact or not."""

    name = NameField(_l("姓名"), [DataRequired(_l("请填写姓名")), Length(max=50), no_control_chars])
    relation = SelectField(_l("关系"), choices=Relation.choices)
    mobile = PhoneField(
        _l("手机"), [DataRequired(_l("请填写手机号码"))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )  # fmt: skip
    other_phone = StringField(
        _l("其他电话（选填）"), [Optional(), Length(max=20), no_control_chars], filters=[strip]
    )
    workplace = StringField(
        _l("工作单位（选填）"), [Optional(), Length(max=100), no_control_chars], filters=[strip]
    )
    is_primary = BooleanField(_l("主要联系人"))


class GuardianLinkForm(Form):
    """Link a guardian who is already in the district (a sibling's parent), found by mobile."""

    mobile = PhoneField(
        _l("家长手机号"), [DataRequired(_l("请填写手机号码"))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )  # fmt: skip


class NewStudentForm(StudentForm):
    """A new student of a class with a first (required) and a second (optional) guardian."""

    student_number = CodeField(
        _l("学号"), [DataRequired(_l("请填写学号")), Length(max=32), no_control_chars]
    )
    from_on = DateField(_l("入班日期"), [DataRequired(_l("请填写日期"))])
    g1_name = NameField(
        _l("监护人姓名"), [DataRequired(_l("请填写姓名")), Length(max=50), no_control_chars]
    )
    g1_relation = SelectField(_l("关系"), choices=Relation.choices)
    g1_mobile = PhoneField(
        _l("手机"), [DataRequired(_l("请填写手机号码"))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )  # fmt: skip
    g2_name = NameField(
        _l("第二监护人姓名（选填）"), [Optional(), Length(max=50), no_control_chars]
    )
    g2_relation = SelectField(_l("关系"), choices=Relation.choices, default="mother")
    g2_mobile = PhoneField(
        _l("手机"), [Optional()], render_kw={"inputmode": "tel", "autocomplete": "off"}
    )

    def guardians(self) -> list[tuple[str, str, str]]:
        """(name, relation, mobile) of each guardian filled in."""
        out = [(self.g1_name.data, self.g1_relation.data, self.g1_mobile.data)]
        if self.g2_name.data or self.g2_mobile.data:
            out.append((self.g2_name.data or "", self.g2_relation.data, self.g2_mobile.data or ""))
        return out


FOCUS_REASON_LIMIT = 200


def _focus_reason(label):
    return TextAreaField(
        label,
        [
            DataRequired(_l("请填写原因")),
            Length(max=FOCUS_REASON_LIMIT, message=_l("原因不能超过 200 字")),
            no_control_chars,
        ],
        render_kw={"rows": 2, "maxlength": FOCUS_REASON_LIMIT},
    )


class FocusMarkForm(Form):
    """Mark a student as a focus student of a category from a date, with the reason (issue 21
    item 5). The category is checked by the service (an unknown one is refused beside it)."""

    category = SelectField(
        _l("重点对象类别"),
        [DataRequired(_l("请选择重点对象类别"))],
        choices=[],
        validate_choice=False,
    )
    on = DateField(_l("起始日期"), [DataRequired(_l("请填写正确的日期，例如 2026-11-20"))])
    reason = _focus_reason(_l("原因"))

    def __init__(self, *args, **kwargs):
        # Both forms are on the student page: their fields' names and ids must differ.
        kwargs.setdefault("prefix", "mark")
        super().__init__(*args, **kwargs)


class FocusEndForm(Form):
    """End one of a student's open focus categories on a date, with the reason."""

    category = SelectField(
        _l("解除的类别"),
        [DataRequired(_l("请选择要解除的类别"))],
        choices=[],
        validate_choice=False,
    )
    on = DateField(_l("解除日期"), [DataRequired(_l("请填写正确的日期，例如 2026-11-20"))])
    reason = _focus_reason(_l("解除原因"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "end")
        super().__init__(*args, **kwargs)
