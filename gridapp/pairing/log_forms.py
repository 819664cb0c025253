"""The support log's form (帮扶记录): when, the kind of help, what was done, the outcome and the
next step; a one-time token so that sending it twice stores one entry."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from gridapp.core.forms import Form, no_control_chars, strip
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.pairing.logs import TEXT_LIMIT
from gridapp.pairing.models import HelpKind


def _text(label, validators=(), rows: int = 2):
    return TextAreaField(
        label, [*validators, Length(max=TEXT_LIMIT), no_control_chars], filters=[strip],
        render_kw={"rows": rows},
    )  # fmt: skip


class LogEntryForm(Form):
    client_token = HiddenField()
    happened_on = DateField(_l("日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))])
    kind = SelectField(_l("帮扶类别"), choices=HelpKind.choices)
    done = _text(_l("帮扶内容"), [DataRequired(_l("请填写帮扶内容"))], rows=3)
    outcome = _text(_l("效果"))
    next_step = _text(_l("下一步"))
