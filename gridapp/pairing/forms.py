"""The school leaders' pairing forms: pairing a Party-member teacher with students, applying the
proposal, ending and moving a pairing, the school's pairing settings, and the marks on students
in need (a head teacher's or leader's, and a leader's decision on one).

The rules (Party-member flag, school, one active pairing, dates, N) are the services'
(gridapp.pairing.services): ids are read here as whole numbers only, so that a wrong one gets the
service's Chinese message beside its field."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms import Form as _SubForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from gridapp.core import text
from gridapp.core.forms import Form, IntegerField, RowList, no_control_chars, optional_int
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.pairing.models import NeedDecision
from gridapp.pairing.services import REASON_LIMIT

# A form names at most this many students at once (a school's unpaired list fits in it).
MAX_STUDENTS_AT_ONCE = 200


def _reason(label, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        [Length(max=REASON_LIMIT, message=_l("内容不能超过 500 字")), no_control_chars],
        render_kw={"rows": 3, "maxlength": REASON_LIMIT},
        **kwargs,
    )


class IdListField(SelectMultipleField):
    """Ids of rows ticked in a list written out by the template (students to pair). Any whole
    number is taken (the service says in Chinese why one is refused); junk is no row (-1, which
    no row has), and more than `MAX_STUDENTS_AT_ONCE` is an error beside the field."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", [])
        kwargs.setdefault("coerce", int)
        super().__init__(label, validators, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        ids = []
        for value in valuelist:
            number = text.small_id(value)
            ids.append(number if number else -1)
        self.data = list(dict.fromkeys(ids))

    def pre_validate(self, form):
        if len(self.data or []) > MAX_STUDENTS_AT_ONCE:
            raise ValidationError(
                _l("一次最多选择 %(n)d 名学生", n=MAX_STUDENTS_AT_ONCE)
            )  # fmt: skip


def _printable(value):
    # A search needs no control characters, and PostgreSQL refuses a NUL in a parameter.
    return (
        "".join(c for c in value if c >= " " and c != "\x7f") if isinstance(value, str) else value
    )


def _optional_id(value):
    """A select's optional id: "" is None; junk or a number no row can have is -1 (no row), so
    the service answers in Chinese (never a 500 from the database's integer range)."""
    number = optional_int(value if not isinstance(value, str) else text.normalise_number(value))
    return number if number is None or 0 < number < 2**31 else -1


def _teacher_select(label, blank) -> SelectField:
    # Choices are the school's Party-member teachers (set by the view); another id is left to the
    # service, which names the refusal ("不是党员教师") beside the field.
    return SelectField(
        label, coerce=_optional_id, choices=[SelectChoice("", blank)], validate_choice=False
    )


class PairForm(Form):
    """Pair one Party-member teacher with several students of the school (seed 004 §10)."""

    teacher_id = _teacher_select(_l("党员教师"), _l("请选择"))
    student_ids = IdListField(_l("结对学生"))
    q = StringField(
        _l("查找本校学生"), [Length(max=50)], filters=[_printable], render_kw={"maxlength": 50}
    )
    starts_on = DateField(_l("开始日期"))
    reason = _reason(_l("结对原因"), description=_l("学生的困难，选填"))
    confirm_over_cap = BooleanField(_l("确认超过上限仍结对"))


class ProposalRow(_SubForm):
    """One line of the proposal: the student and the teacher the leader keeps (none: skip)."""

    student_id = IntegerField()
    teacher_id = _teacher_select(_l("结对教师"), _l("暂不结对"))


class ProposalForm(Form):
    """The proposal reviewed by the leader, applied in one step. `pair_rows` (set by the view)
    says which row each pair sent to services.apply_proposal came from, so that a refusal is
    shown beside its row."""

    rows = RowList(FormField(ProposalRow), max_entries=MAX_STUDENTS_AT_ONCE)
    starts_on = DateField(_l("开始日期"))
    pair_rows: list[int] = []

    def add_violation(self, violation) -> None:
        index = getattr(violation, "pair_index", None)
        if violation.field in ("teacher_id", "student_ids") and index is not None:
            select = self.rows[self.pair_rows[index]].teacher_id
            select.errors = list(select.errors) + [violation.message]
            self.form_errors.append(violation.message)
            return
        super().add_violation(violation)


class EndForm(Form):
    """End a pairing on a day with a reason."""

    ends_on = DateField(_l("结束日期"))
    end_reason = _reason(_l("结束原因"))


class MoveForm(Form):
    """Move the student to another Party-member teacher from a day, with the reason."""

    teacher_id = _teacher_select(_l("改由哪位党员教师结对"), _l("请选择"))
    ends_on = DateField(_l("调整日期"))
    end_reason = _reason(_l("调整原因"))
    confirm_over_cap = BooleanField(_l("确认超过上限仍结对"))


class SettingsForm(Form):
    """The school's N of 1+N, the support log's rhythm and the days a new pairing has for its
    plan (the service says the ranges)."""

    max_students = IntegerField(_l("每位党员教师结对学生上限（N）"))
    log_every_days = IntegerField(_l("帮扶记录间隔（天）"))
    plan_within_days = IntegerField(_l("新结对须在几天内制定帮扶方案"))


class NeedMarkForm(Form):
    """Add a student to those in need, or propose removing one, with the reason."""

    decision = RadioField(
        _l("申请"), choices=lambda: [SelectChoice(d.value, d.label) for d in NeedDecision]
    )
    reason = _reason(_l("原因"))


class DecideMarkForm(Form):
    """A leader's answer to a head teacher's mark: confirm ("1") or reject ("0")."""

    confirm = HiddenField()

    def validate_confirm(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError(_l("请选择同意或不同意"))
