"""Shared form pieces: Chinese-friendly validators and putting a service's refusal on its field."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import wtforms
from flask_wtf import FlaskForm
from wtforms import FieldList, HiddenField, StringField, ValidationError
from wtforms import IntegerField as _WTFormsIntegerField
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, Optional

from gridapp.core import text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.core.i18n import wtforms_translations

# Every whole number a form takes fits the database's INTEGER (PostgreSQL's 4 bytes).
INT_LIMIT = 2**31


class IntegerField(_WTFormsIntegerField):
    """A whole number typed into a form (full-width digits from a Chinese keyboard are read as
    digits). A number beyond ±2**31 is an error beside the field, never a 500: WTForms'
    `NumberRange` turns the value into a float (`math.isnan`), which overflows on huge numbers,
    and the database could not hold it either. Every form of GridApp takes integers through this
    class, not WTForms' own."""

    def process_formdata(self, valuelist):
        super().process_formdata([text.normalise_number(v) for v in valuelist])
        if self.data is not None and not -INT_LIMIT < self.data < INT_LIMIT:
            self.data = None
            raise ValueError(_l("数字超出范围"))


def _date_text(value: str) -> str:
    # "２０２６年１１月２０日", "2026/11/20", "2026.11.20" are the date 2026-11-20.
    value = text.nfkc(value).strip()
    value = re.sub(r"\s*[年月/.]\s*", "-", value)
    return value.removesuffix("日").strip()


class DateField(wtforms.DateField):
    """A date as a Chinese keyboard types it: full-width digits, 年月日, slashes or dots."""

    def process_formdata(self, valuelist):
        super().process_formdata([_date_text(v) for v in valuelist])


class TimeField(wtforms.TimeField):
    """A time with full-width digits or colon (１０：３０)."""

    def process_formdata(self, valuelist):
        super().process_formdata([text.nfkc(v).strip() for v in valuelist])


class _NormalisedField(StringField):
    """A one-line text field whose value is stored in the normal form of its kind (core.text);
    what the user typed stays in ``raw_data`` and is what a form shown again displays."""

    normalise = staticmethod(text.normalise_line)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if valuelist:
            self.data = self.normalise(self.data)

    def _value(self):
        # A form shown again after an error shows what was typed, not the normal form.
        if self.raw_data and self.errors:
            return self.raw_data[0]
        return super()._value()


class LineField(_NormalisedField):
    """Short identifying text (a school's phone line): NFKC, one space between words."""


class NameField(_NormalisedField):
    """A person's name: NFKC, one middle dot (·) for all its variants (text.normalise_name)."""

    normalise = staticmethod(text.normalise_name)


class PhoneField(_NormalisedField):
    """A mobile number: full-width digits, spaces, hyphens and +86 accepted, stored as 11 digits
    (text.normalise_phone); anything else is refused beside the field."""

    normalise = staticmethod(text.normalise_phone)

    def pre_validate(self, form):
        if self.data and not text.is_mobile(self.data):
            raise ValidationError(_l("请输入11位手机号码，例如 13812345678"))


PHONE_LINE_MESSAGE = _l("请填写 5 到 20 位数字的电话号码，只能用连字符分隔，例如 0573-82345678")


class PhoneLineField(_NormalisedField):
    """A phone number a school publishes (a hotline, a landline with its area code): full-width
    digits and any dash accepted, stored as digit groups joined by hyphens
    (text.normalise_phone_line); anything else is refused beside the field."""

    normalise = staticmethod(text.normalise_phone_line)

    def pre_validate(self, form):
        if self.data and not text.is_phone_line(self.data):
            raise ValidationError(PHONE_LINE_MESSAGE)


class CodeField(_NormalisedField):
    """A code typed back (tracking or booking code, captcha, school code, ID number): NFKC,
    upper case, without spaces or hyphens (text.normalise_code)."""

    normalise = staticmethod(text.normalise_code)


class IdentifierField(_NormalisedField):
    """A user name typed to sign in or to create an account: NFKC, without spaces (case kept)."""

    normalise = staticmethod(lambda v: "".join(text.nfkc(v).split()))


class ClassNameField(_NormalisedField):
    """A child's class as a parent writes it: "3年级2班" and "三(2)班" become "三年级（2）班"
    (text.normalise_class_name)."""

    normalise = staticmethod(text.normalise_class_name)


class KeptFilesField(wtforms.SelectMultipleField):
    """The tokens of files chosen on an earlier try of the form (core.storage.chosen_files),
    sent back by ticked checkboxes beside their names; unticking one removes it. Any value is
    accepted here: storage checks each token's signature and owner."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", str)
        kwargs.setdefault("choices", [])
        super().__init__(label, validators, validate_choice=False, **kwargs)


# Fields a form declares with WTForms' own classes are bound as GridApp's (see Form.Meta).
_KIND_CLASSES = {
    wtforms.DateField: DateField,
    wtforms.TimeField: TimeField,
    _WTFormsIntegerField: IntegerField,
}


def clean_text(value):
    """The filter every text field of every form gets (Form.Meta.bind_field): characters with no
    width (zero-width space, BOM, soft hyphen) removed and whitespace at either end (the
    ideographic space too) stripped. Free text is otherwise kept as typed."""
    if not isinstance(value, str):
        return value
    return text.drop_invisible(value).strip()


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # Flask-Babel's lookup parses the locale on every request; ours is cached.
            return wtforms_translations()

        def bind_field(self, form, unbound_field, options):
            """Every field of every form reads a Chinese keyboard's input: dates, times and
            whole numbers through GridApp's classes above, text fields through `clean_text`."""
            field_class = _KIND_CLASSES.get(unbound_field.field_class)
            if field_class is not None:
                unbound_field = UnboundField(
                    field_class, *unbound_field.args, **unbound_field.kwargs
                )
            if issubclass(unbound_field.field_class, StringField) and not issubclass(
                unbound_field.field_class, (wtforms.PasswordField, HiddenField)
            ):
                filters = list(unbound_field.kwargs.get("filters") or [])
                unbound_field = UnboundField(
                    unbound_field.field_class,
                    *unbound_field.args,
                    **{**unbound_field.kwargs, "filters": [clean_text, *filters]},
                )
            return super().bind_field(form, unbound_field, options)

    def add_violation(self, violation: RuleViolation) -> None:
        field = self._fields.get(violation.field) if violation.field else None
        if field is not None:
            field.errors = list(field.errors) + [violation.message]
            for name in getattr(violation, "more_fields", ()):
                other = self._fields.get(name)
                if other is not None:
                    other.errors = list(other.errors) + [violation.message]
        else:
            self.form_errors.append(violation.message)

    @property
    def all_errors(self) -> bool:
        return bool(self.errors) or bool(self.form_errors)


def id_field(label: str = "", **kwargs) -> _WTFormsIntegerField:
    """A row's id sent by a form: empty, junk or out of the database's range is no id (None)."""
    return _IdField(
        label, [Optional(), NumberRange(1, 2**31 - 1)], filters=[_in_id_range], **kwargs
    )


class _IdField(_WTFormsIntegerField):
    def process_formdata(self, valuelist):
        super().process_formdata([text.normalise_number(v) for v in valuelist])


def _in_id_range(value):
    # Read before validation too (to load the row a form names): never hand on a number the
    # database cannot hold.
    return value if isinstance(value, int) and 0 < value < 2**31 else None


class ActionForm(Form):
    """Which of a page's forms was sent (its hidden `action`) and the row it names (`id`): the
    small forms of a settings page (a list's "remove" buttons) are this form."""

    action = HiddenField()
    id = id_field()


class LanguageForm(Form):
    """The language switch in the footer: a language, and the page to go back to."""

    lang = HiddenField()
    next = HiddenField()


def mobile_phone(form, field) -> None:
    """Validator of a mobile number in a plain text field: read as text.normalise_phone (a
    Chinese keyboard's full-width digits, spaces, hyphens, +86), stored as 11 digits. Prefer
    `PhoneField`."""
    value = text.normalise_phone(field.data)
    if value and not text.is_mobile(value):
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
    """A form's messages in one line, for a page that shows them above a form it does not
    render field by field (a list of rows with one button each)."""
    from gridapp.core.i18n import gettext

    messages = [m for ms in form.errors.values() for m in ms if isinstance(m, str)]
    messages += [m for m in form.form_errors if m not in messages]
    return "；".join(str(m) for m in messages) or gettext("提交的内容有误，请检查后重试。")


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


def submit(form: Form, action, *, then, message=None, after=None):
    """The one POST sequence of a form: validate, run the service, commit once, flash, 303.

    Contract (every view that takes a form goes through here):

    1. The view loads its objects (through the permission layer: out of scope is 404) and
       builds its form class bound to the request, then calls ``submit``.
    2. The form is validated; invalid input returns None with the messages beside the fields.
    3. ``action()`` calls the service. A ``RuleViolation`` is rolled back and put beside its
       field (or above the form); an ``IllegalTransition`` (the object moved on meanwhile) is
       rolled back and put above the form with ``form.status = 409``. Either returns None.
    4. Otherwise the request commits once, ``message`` (a text, or a function of the service's
       result; None or "" for no message) is flashed (a toast), and the answer is
       a 303 to ``then`` (a URL, or a function of the service's result; an htmx fragment
       request gets ``HX-Redirect`` instead).
    5. ``after`` (optional), a function of the service's result, runs after that commit and
       before the answer: work that must not undo what was saved when it fails (a letter's case
       is opened once the letter is safe); its own commit and failures are its business.

    None means "show the form again": the view renders the same page (``form_page``) or htmx
    fragment (``form_fragment``) with the bound form, so everything typed is kept, at 422 (or
    the form's own status). htmx swaps 4xx answers, so the re-render appears where the form
    was sent.

    Reloading: a form posts to the URL of the page that shows it (GET shows the page, POST
    takes the form). Where a page holds several forms that post to their own action URLs (a
    case's reply, a reception day's walk-ins), the action URL also answers GET with a 303 to
    its page (``reload_to``), so a re-rendered form's address never answers 405.
    """
    from flask import flash

    from gridapp.core.htmx import redirect_303

    done, result = attempt(form, action)
    if not done:
        return None
    if after is not None:
        after(result)
    text_ = message if isinstance(message, str) or not message else message(result)
    if text_:
        flash(text_, "success")
    return redirect_303(then(result) if callable(then) else then)


def attempt(form: Form, action) -> tuple[bool, object]:
    """Steps 2 and 3 of ``submit`` and its commit, for the rare page that answers a POST itself
    instead of redirecting (a guest's booking found by its code, which is in no URL): returns
    (True, the service's result) after the commit, or (False, None) with the form's errors."""
    from gridapp.core.errors import IllegalTransition
    from gridapp.extensions import db

    if not form.validate_on_submit():
        return False, None
    try:
        result = action()
    except RuleViolation as e:
        db.session.rollback()
        form.add_violation(e)
        return False, None
    except IllegalTransition as e:
        db.session.rollback()
        form.form_errors.append(str(e))
        form.status = 409
        return False, None
    db.session.commit()
    return True, result


def form_status(*forms) -> int:
    """200 for a form shown fresh; its own status (409) or 422 once it has errors."""
    for form in forms:
        if form is not None and form.all_errors:
            return getattr(form, "status", None) or 422
    return 200


def form_page(template: str, form: Form, **context):
    """The form shown (again): 422 with the user's input kept when it has errors."""
    from flask import render_template

    return render_template(template, form=form, **context), form_status(form)


def form_fragment(page_template: str, fragment_template: str, form: Form, **context):
    """Like ``form_page``, answering an htmx swap with the fragment alone."""
    from gridapp.core.htmx import page_or_fragment

    return page_or_fragment(
        page_template, fragment_template, status_code=form_status(form), form=form, **context
    )


def reload_to(url: str):
    """The GET of a form's action URL (the address after a form was shown again): a 303 to the
    page that holds the form, so reloading never answers 405."""
    from gridapp.core.htmx import redirect_303

    return redirect_303(url)


def fresh(form_class, **kwargs):
    """A form not bound to this request (one of a page's other forms, shown empty)."""
    return form_class(formdata=None, **kwargs)


class RowList(FieldList):
    """A FieldList whose row numbers are a few ASCII digits: WTForms takes any key whose number
    passes `str.isdigit` ("rows-①-…", or thousands of digits), which `int()` then refuses with a
    500. Other keys are no row."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 6:
                    yield int(index)
