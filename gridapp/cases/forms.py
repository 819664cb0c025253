"""Forms of the closed loop: the public mailbox, tracking, staff registration, assignment."""

import re

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from gridapp.cases.models import CaseCategory
from gridapp.core import text
from gridapp.core.forms import (
    ClassNameField,
    CodeField,
    Form,
    IntegerField,
    KeptFilesField,
    NameField,
    PhoneField,
    id_field,
    no_control_chars,
    optional_int,
    strip,
)
from gridapp.core.i18n import lazy_gettext as _l

_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{9,11}|[1-9]\d{4,7})$")


def any_phone(form, field) -> None:
    """A mobile, a landline with its area code, or a short service number, as typed on a
    Chinese keyboard (full-width digits, spaces, hyphens, brackets, +86), normalised by
    core.text.normalise_phone."""
    value = text.normalise_phone(field.data)
    if value and not _PHONE_RE.match(value):
        raise ValidationError(_l("请输入正确的电话号码，例如 13812345678 或 0573-82345678"))
    field.data = value


class _LetterText(Form):
    """What every letter says, whoever writes it."""

    category = SelectField(_l("类别"), choices=CaseCategory.choices)
    subject = StringField(
        _l("标题"), [DataRequired(_l("请填写标题")), Length(max=100), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    content = TextAreaField(
        _l("内容"), [DataRequired(_l("请填写信件内容")), Length(max=5000), no_control_chars],
        filters=[strip], render_kw={"rows": 8},
    )  # fmt: skip
    kept_attachments = KeptFilesField()  # attachments chosen on an earlier try (core.storage)
    anonymous = BooleanField(_l("匿名（不留姓名、电话和班级）"))


class LetterForm(_LetterText):
    """A letter from anyone: the school, who writes (unless anonymous), and a captcha."""

    school_id = SelectField(_l("写给哪所学校"), coerce=optional_int, choices=[])
    name = NameField(_l("您的姓名"), [Optional(), Length(max=40), no_control_chars])
    phone = PhoneField(_l("联系电话"), [Optional()], render_kw={"inputmode": "tel"})
    child_class = ClassNameField(
        _l("孩子的班级"), [Optional(), Length(max=40), no_control_chars], filters=[strip],
        render_kw={"placeholder": "三年级（2）班"},
    )  # fmt: skip
    captcha_token = HiddenField()
    captcha = CodeField(
        _l("验证码（图中的字符，或算术题的答案）"),
        [DataRequired(_l("请输入图中的字符或算术题的答案")), Length(max=8)],
        render_kw={"autocomplete": "off", "inputmode": "text",
                   "aria-describedby": "captcha-question"},
    )  # fmt: skip

    def validate_school_id(self, field):
        if field.data is None:
            raise ValidationError(_l("请选择学校"))


class ParentLetterForm(_LetterText):
    """A signed-in parent's letter: the child it is about, chosen from their own children (the
    school and class follow); their name and phone come from the account; no captcha."""

    student_id = SelectField(_l("关于哪个孩子"), coerce=optional_int, choices=[])

    def validate_student_id(self, field):
        if field.data is None:
            raise ValidationError(_l("请选择您的孩子"))


class LetterRateForm(Form):
    """A signed-in parent rates the reply to one of their own named letters (no code needed)."""

    rating = RadioField(
        _l("您对答复的评价"), coerce=optional_int,
        choices=[SelectChoice(n, str(n)) for n in (5, 4, 3, 2, 1)],
        validators=[InputRequired(_l("请选择 1 到 5 分"))],
    )  # fmt: skip
    comment = TextAreaField(
        _l("您的意见（选填）"), [Optional(), Length(max=2000), no_control_chars], filters=[strip],
        render_kw={"rows": 2},
    )  # fmt: skip


class TrackForm(Form):
    code = CodeField(
        _l("查询码"), [DataRequired(_l("请输入查询码")), Length(max=40)],
        render_kw={"autocomplete": "off", "placeholder": "XXXX-XXXX-XXXX"},
    )  # fmt: skip


class RateForm(LetterRateForm):
    """A reply rated from the tracking page, whose code says which letter."""

    code = HiddenField()


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
    received_on = DateField(
        _l("收到日期"), [Optional()],
        description=_l("来信、来电或来访的日期；不填为今天。办理期限从这一天起算"),
    )  # fmt: skip
    received_time = TimeField(_l("收到时间（选填）"), [Optional()])
    caller_name = StringField(
        _l("来信来电人姓名（选填）"), [Optional(), Length(max=40), no_control_chars],
        filters=[strip],
    )  # fmt: skip
    caller_phone = StringField(
        _l("联系电话（选填）"), [Optional(), any_phone], filters=[strip],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )  # fmt: skip


class ContactCaseForm(Form):
    """Raise the parent's opinion written on a contact as a case (the words are the record's)."""

    category = SelectField(_l("类别"), choices=CaseCategory.choices, id="contact-case-category")


class AssignForm(Form):
    assignee_id = SelectField(_l("承办人"), coerce=optional_int, choices=[])
    department = StringField(_l("或承办部门"), [Optional(), Length(max=40)], filters=[strip])
    workdays = IntegerField(
        _l("办理期限（工作日）"), [Optional(), NumberRange(1, 60, _l("须在 1 到 60 之间"))]
    )
    note = TextAreaField(_l("交办说明"), [Optional(), Length(max=2000)], filters=[strip],
                         render_kw={"rows": 2})  # fmt: skip


def _text_field(label, *, id: str, rows: int = 2, required: str | None = None):
    """A case's free text: stripped, at most 2,000 characters; the service says what is missing."""
    checks = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label, checks + [Length(max=2000), no_control_chars], filters=[strip], id=id,
        render_kw={"rows": rows, "maxlength": 2000},
    )  # fmt: skip


class SubmitForm(Form):
    """Submitted to a leader, with an optional note."""

    note = _text_field(_l("说明（选填）"), id="submit-note")


class NoteForm(Form):
    """An internal note (never shown to the parent)."""

    note = _text_field(_l("备注"), id="note-note")


class ReplyForm(Form):
    """The answer for the parent."""

    reply = _text_field(_l("答复内容"), id="reply-reply", rows=4)


class ApprovalForm(Form):
    """The principal approves the drafted reply (possibly corrected) or sends it back."""

    decision = HiddenField()
    reply = _text_field(_l("答复内容"), id="approval-reply", rows=4)
    note = StringField(
        _l("退回原因（退回时填写）"), [Optional(), Length(max=2000), no_control_chars],
        filters=[strip], id="approval-note",
    )  # fmt: skip


class MergeForm(Form):
    """A duplicate goes into another case of the school (by its number)."""

    into = IntegerField(
        _l("并入的意见编号"),
        [InputRequired(_l("请填写意见编号")), NumberRange(1, 2**31 - 1, _l("请填写意见编号"))],
        id="merge-into",
    )


class SuperviseForm(Form):
    """A district supervisor's comment (督查), possibly requiring the case handled again."""

    comment = _text_field(_l("督查意见"), id="supervise-comment", rows=3)
    reopen = BooleanField(_l("要求重新办理"), id="supervise-reopen")


class DeadlinesForm(Form):
    """A school's deadline per category in working days, and whether replies need approval.
    One integer field per category, named by the category's value (added below)."""

    action = HiddenField(default="deadlines")
    approval = BooleanField(_l("答复须经校长审核后才告知家长"))


for _category in CaseCategory:
    setattr(
        DeadlinesForm,
        _category.value,
        IntegerField(
            _category.value,
            [
                InputRequired(_l("请填写 1 到 60 之间的整数")),
                NumberRange(1, 60, _l("请填写 1 到 60 之间的整数")),
            ],
            render_kw={"min": 1, "max": 60},
        ),  # fmt: skip
    )


class CannedForm(Form):
    """A canned reply of the school, offered when answering a case of its category."""

    action = HiddenField(default="canned")
    category = SelectField(_l("类别"), choices=CaseCategory.choices, id="canned-category")
    title = StringField(
        _l("标题"), [DataRequired(_l("请填写标题")), Length(max=40), no_control_chars],
        filters=[strip], id="canned-title",
    )  # fmt: skip
    text = TextAreaField(
        _l("答复内容"), [DataRequired(_l("请填写答复内容")), Length(max=2000), no_control_chars],
        filters=[strip], id="canned-text", render_kw={"rows": 3},
    )  # fmt: skip


class ClosureForm(Form):
    """A day the school is closed (not counted in deadlines)."""

    action = HiddenField(default="closure")
    on = DateField(_l("日期"), [InputRequired(_l("请选择日期"))], id="closure-on")
    reason = StringField(
        _l("原因"), [Optional(), Length(max=60), no_control_chars], filters=[strip],
        id="closure-reason", render_kw={"placeholder": _l("原因，例如：校园消杀")},
    )  # fmt: skip


class OfficialDayForm(Form):
    """A day of the official holiday schedule: a holiday, or a working day in exchange."""

    on = DateField(_l("日期"), [InputRequired(_l("请选择日期"))])
    kind = SelectField(
        _l("安排"), choices=[SelectChoice("holiday", _l("放假")), SelectChoice("workday", _l("调休上班"))],
        default="holiday",
    )  # fmt: skip
    name = StringField(
        _l("名称"), [Optional(), Length(max=40), no_control_chars], filters=[strip],
        render_kw={"placeholder": _l("例如：春节")},
    )  # fmt: skip


class RelayForm(Form):
    """A parent's opinion relayed by the grid teacher: it becomes a case for the school."""

    family_id = id_field()
    category = SelectField(
        _l("类别"), choices=CaseCategory.choices,
        validate_choice=False,  # checked below, in Chinese
    )  # fmt: skip
    words = TextAreaField(
        _l("家长的意见或诉求（原话）"), [Optional(), Length(max=2000), no_control_chars],
        filters=[strip], render_kw={"rows": 3},
    )  # fmt: skip
    wants_answer = BooleanField(_l("家长希望得到答复"), default=True)
    received_on = DateField(_l("家长哪天说的（不填为今天）"), [Optional()])

    def validate_category(self, field):
        if field.data not in {c.value for c in CaseCategory}:
            raise ValidationError(_l("请选择意见类别"))
