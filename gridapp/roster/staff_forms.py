"""Forms of the staff import pages: the file to upload, and the confirmation that commits it."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired

from gridapp.core.forms import Form
from gridapp.core.i18n import lazy_gettext as _l


class StaffUploadForm(Form):
    file = FileField(
        _l("教职工名单文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择文件"))]
    )


class StaffCommitForm(Form):
    """The preview's "确认导入": the kept file's signed token (core.storage.keep_pending)."""

    token = HiddenField(validators=[DataRequired(_l("文件已过期，请重新上传"))])


class StaffInviteForm(Form):
    """ "生成设置密码链接" for the staff without a password (CSRF only)."""
