"""Forms of the roster import: the upload, the confirmation, marking absent students, the split
of an automatic family link."""

from __future__ import annotations

from wtforms import BooleanField, FileField, HiddenField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from gridapp.core.forms import Form, IntegerField
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.people.models import StudentStatus
from gridapp.roster import kinds


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(k.name, str(k.label)) for k in kinds.all_kinds()]


class UploadForm(Form):
    """A roster file and what it holds (a registered kind)."""

    kind = SelectField(_l("名单类型"), choices=[], default="students")
    file = FileField(_l("名单文件（.xlsx 或 .csv）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def validate_file(self, field):
        from wtforms import ValidationError

        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("请选择要导入的名单文件"))


class CommitForm(Form):
    """The confirmation of a preview: its file (pending token), kind, and — for a file with
    error rows — the number of error rows the admin agreed to skip."""

    token = HiddenField(validators=[InputRequired()])
    kind = HiddenField(validators=[InputRequired()])
    skip = BooleanField()
    skip_errors = IntegerField(default=0)


class AbsentForm(Form):
    """Students absent from a file, marked left or transferred."""

    status = SelectField(
        _l("标记为"),
        choices=[
            SelectChoice(s.value, s.label) for s in (StudentStatus.LEFT, StudentStatus.TRANSFERRED)
        ],
    )
    student_ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    back = HiddenField()

    def validate_student_ids(self, field):
        field.data = [i for i in field.data or [] if isinstance(i, int) and 0 < i < 2**31]


class SplitForm(Form):
    """The admin confirms splitting a wrong automatic family link."""

    confirm = BooleanField(_l("我已核对：这名学生与该家庭没有关系，拆分为独立家庭"),
                           validators=[InputRequired(_l("请勾选确认后再拆分"))])  # fmt: skip
