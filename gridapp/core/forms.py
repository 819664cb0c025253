"""Shared form pieces: Chinese-friendly validators and putting a service's refusal on its field."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import ValidationError

from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.core.i18n import wtforms_translations

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # Flask-Babel's lookup parses the locale on every request; ours is cached.
            return wtforms_translations()

    def add_violation(self, violation: RuleViolation) -> None:
        field = getattr(self, violation.field, None) if violation.field else None
        if field is not None:
            field.errors = list(field.errors) + [violation.message]
        else:
            self.form_errors.append(violation.message)

    @property
    def all_errors(self) -> bool:
        return bool(self.errors) or bool(self.form_errors)


def mobile_phone(form, field) -> None:
    value = (field.data or "").strip().replace(" ", "").replace("-", "")
    if value and not MOBILE_RE.match(value):
        raise ValidationError(_l("请输入11位手机号码，例如 13812345678"))
    field.data = value


def no_control_chars(form, field) -> None:
    if field.data and any(ord(c) < 32 and c not in "\n\r\t" for c in str(field.data)):
        raise ValidationError(_l("内容含有无法识别的字符"))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    """A select's coerce for an optional id: "" is None; junk is -1, which is no choice, so the
    select's own validation answers in Chinese (never a 500)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def form_errors_text(form) -> str:
    """A form's messages in one line, for a POST that answers with an error page (422)."""
    from gridapp.core.i18n import gettext

    messages = [m for ms in form.errors.values() for m in ms if isinstance(m, str)]
    return "；".join(messages) or gettext("提交的内容有误，请检查后重试。")


def mask_id_number(value: str | None) -> str:
    """330402********1234: ID numbers are masked wherever they are listed."""
    if not value:
        return ""
    return value[:6] + "*" * max(0, len(value) - 10) + value[-4:] if len(value) > 10 else "****"


def mask_phone(phone: str | None) -> str:
    """138****5678: phone numbers in lists are masked (DOMAIN.md, Privacy)."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "****"


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no open redirect through `next`.

    Browsers drop tabs and newlines inside a Location and read a backslash as a slash, so a path
    such as "/<tab>/evil.example" would leave the site; a newline also breaks the header itself.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def submit(form: Form, action, *, then, message: str | None = None):
    """The POST half of a form page: validate, run the service, commit once, flash, 303.

    Returns the redirect, or None when the form must be shown again (with the service's
    refusal beside its field). `then` is a URL or a function of the service's result.
    """
    from flask import flash

    from gridapp.core.htmx import redirect_303
    from gridapp.extensions import db

    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except RuleViolation as e:
        form.add_violation(e)
        return None
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect_303(then(result) if callable(then) else then)


def form_page(template: str, form: Form, **context):
    """The form shown (again): 422 with the user's input kept when it has errors."""
    from flask import render_template

    return render_template(template, form=form, **context), 422 if form.all_errors else 200
