"""core.i18n: the request's language comes from the session, read once per request."""

from flask import session

from gridapp.core import i18n


def test_outside_a_request_the_source_language_is_used(app):
    with app.app_context():
        assert i18n.current_lang() == "zh_CN"
        assert i18n.gettext("首页") == "首页"


def test_the_session_chooses_the_language_for_the_whole_request(app):
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert i18n.current_lang() == "en"
        assert i18n.gettext("首页") == "Home"
        assert i18n.ngettext("%(num)d 条", "%(num)d 条", 2) == "2 条"
        # Read once: a change later in the same request does not switch the language halfway.
        session["lang"] = "zh_CN"
        assert i18n.gettext("首页") == "Home"
    with app.test_request_context("/"):
        session["lang"] = "xx"  # not a supported language
        assert i18n.current_lang() == "zh_CN"
        assert i18n.gettext("首页") == "首页"
