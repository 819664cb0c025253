"""Templates compiled once per language, with constant `{{ _("…") }}` translated when compiled.

A page shows dozens of fixed labels. Called at render time, each `_()` costs a context call, a
catalog lookup, an escape and a format (about 10 µs); a list page spent a tenth of its rendering
on them. Here every template is compiled per language (its cache name is "<lang>:<name>"), and an
output tag that is exactly `{{ _("literal") }}` becomes template text in that language while the
template compiles. Everything else (`_()` with variables, in expressions, in macros' arguments)
is still translated at render time, with the same meaning: the translation is trusted, `%%` is
a literal percent sign.
"""

from __future__ import annotations

from flask.templating import Environment as FlaskEnvironment
from jinja2 import BaseLoader
from jinja2.ext import Extension
from jinja2.lexer import Token

from gridapp.core.i18n import SUPPORTED, catalog_for, current_lang

_PREFIXES = tuple(f"{lang}:" for lang in SUPPORTED)


def _split(name: str | None) -> tuple[str | None, str | None]:
    if name and name.startswith(_PREFIXES):
        lang, _sep, rest = name.partition(":")
        return lang, rest
    return None, name


class LocalizedLoader(BaseLoader):
    """Finds "<lang>:<name>" where the application's own loader finds <name>."""

    def __init__(self, inner: BaseLoader):
        self.inner = inner

    def get_source(self, environment, template: str):
        return self.inner.get_source(environment, _split(template)[1])

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


class LocalizedEnvironment(FlaskEnvironment):
    def __init__(self, app, **options):
        super().__init__(app, **options)
        self.loader = LocalizedLoader(self.loader)
        self.add_extension(ConstantGettext)

    def get_template(self, name, parent=None, globals=None):
        if isinstance(name, str) and not name.startswith(_PREFIXES):
            name = f"{current_lang()}:{name}"
        return super().get_template(name, parent, globals)


class ConstantGettext(Extension):
    """`{{ _("literal") }}` → the literal's translation, as template text."""

    def filter_stream(self, stream):
        lang = _split(stream.name)[0]
        if lang is None:  # a template from a string: translated at render time as usual
            yield from stream
            return
        catalog = catalog_for(lang)
        window: list[Token] = []
        for token in stream:
            window.append(token)
            if len(window) < 6:
                continue
            begin, name, lparen, literal, rparen, end = window
            if (
                begin.type == "variable_begin"
                and name.type == "name"
                and name.value == "_"
                and lparen.type == "lparen"
                and literal.type == "string"
                and rparen.type == "rparen"
                and end.type == "variable_end"
            ):
                text = catalog.ugettext(literal.value) if catalog is not None else literal.value
                yield Token(begin.lineno, "data", text % {})
                window.clear()
            else:
                yield window.pop(0)
        yield from window
