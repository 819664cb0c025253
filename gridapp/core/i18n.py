"""Translation with a fast path: Chinese is the source language, so zh_CN needs no catalog lookup.

Flask-Babel's gettext resolves the locale and catalog through several context proxies on every
call (about 20 µs); a list page makes dozens of calls, which showed up as a third of the class
page's time in `make bench`. Here the language is read once per request from the session.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask.globals import _cv_request
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

SOURCE = "zh_CN"
SUPPORTED = ("zh_CN", "en")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def current_lang() -> str:
    # The request context itself, not the `request` proxy: this runs dozens of times a page.
    ctx = _cv_request.get(None)
    if ctx is None:
        return SOURCE
    lang = getattr(ctx, "_gridapp_lang", None)
    if lang is None:
        chosen = ctx.session.get("lang") if ctx.session is not None else None
        lang = ctx._gridapp_lang = chosen if chosen in SUPPORTED else SOURCE
    return lang


def _catalog():
    if current_lang() == SOURCE:
        return None
    ctx = _cv_request.get(None)
    catalog = getattr(ctx, "_gridapp_catalog", None)
    if catalog is None:
        catalog = ctx._gridapp_catalog = get_translations()
    return catalog


@functools.cache
def catalog_for(lang: str):
    """The catalog of one language outside any request (templates compiled per language)."""
    if lang == SOURCE:
        return None
    from babel.support import Translations

    return Translations.load(str(TRANSLATIONS), [lang], "messages")


def gettext(string: str, **variables) -> str:
    catalog = _catalog()
    text = catalog.ugettext(string) if catalog is not None else string
    return text % variables if variables else text


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables):
    """`_()` in templates, with the semantics of Jinja's newstyle gettext (the translation is
    trusted, variables are escaped, `%` is always a format) but one call instead of three."""
    catalog = _catalog()
    text = catalog.ugettext(string) if catalog is not None else string
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    catalog = _catalog()
    variables.setdefault("num", num)
    if catalog is not None:
        text = catalog.ungettext(singular, plural, num)
    else:
        text = singular if num == 1 else plural
    return text % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """For labels defined at import time (form fields): translated when shown."""
    return LazyString(gettext, string, **variables)


@functools.cache
def _wtforms_catalog(lang: str):
    from wtforms.i18n import get_translations as wtforms_translations

    return wtforms_translations(["zh_CN" if lang == SOURCE else lang])


def wtforms_translations():
    """WTForms' own messages (a wrong date, an invalid choice) in the request's language."""
    return _wtforms_catalog(current_lang())


def N_(string: str) -> str:
    """Marks a string for extraction where it is defined (enum labels); translated when shown."""
    return string
