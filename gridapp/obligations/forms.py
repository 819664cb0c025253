"""Forms of the yearly obligations: a teacher's upload, a leader's return with a reason."""

from __future__ import annotations

from wtforms import FileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gridapp.core.forms import Form, KeptFilesField, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.obligations.models import DOCUMENT_ITEMS
from gridapp.obligations.services import NOTE_LIMIT, REASON_LIMIT

ACCEPT = (
    "application/pdf,image/jpeg,image/png,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,.docx"
)


class UploadForm(Form):
    """A document for one of the items that take one (models.DOCUMENT_ITEMS). The file is read
    with core.storage.chosen_files before validation, so it is kept when the form comes back."""

    item = SelectField(
        _l("项目"), choices=[], validators=[DataRequired(_l("请选择要上传材料的项目"))]
    )
    file = FileField(
        _l("文件"),
        description=_l("PDF、Word（.docx）、JPEG 或 PNG，不超过 5 MB"),
        render_kw={"accept": ACCEPT},
    )
    kept_file = KeptFilesField()  # the file chosen on an earlier try (core.storage)
    note = TextAreaField(
        _l("说明（选填）"), [Optional(), Length(max=NOTE_LIMIT), no_control_chars],
        filters=[strip], render_kw={"rows": 2},
    )  # fmt: skip

    def set_choices(self) -> None:
        self.item.choices = [(i.value, i.label) for i in DOCUMENT_ITEMS]


class ReturnForm(Form):
    """A leader returns a document: the reason the teacher sees."""

    reason = TextAreaField(
        _l("退回原因"),
        [DataRequired(_l("请写明退回的原因")), Length(max=REASON_LIMIT), no_control_chars],
        filters=[strip], render_kw={"rows": 2},
    )  # fmt: skip
