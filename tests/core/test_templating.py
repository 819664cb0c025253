"""Templates compiled per language: constant `{{ _("…") }}` is translated when compiled."""

from jinja2 import DictLoader, Environment

from gridapp.core import i18n
from gridapp.core.templating import ConstantGettext


def _env(source: str) -> Environment:
    env = Environment(
        loader=DictLoader({"en:t.html": source, "zh_CN:t.html": source}),
        extensions=[ConstantGettext],
        autoescape=True,
    )
    env.globals["_"] = i18n.template_gettext
    return env


def test_constant_labels_become_template_text_in_the_templates_language():
    env = _env('<a title="{{ _("首页") }}">{{ _("首页") }}</a>')
    assert env.get_template("en:t.html").render() == '<a title="Home">Home</a>'
    assert env.get_template("zh_CN:t.html").render() == '<a title="首页">首页</a>'
    # Nothing of it is left to call at render time.
    source = env.compile(env.loader.get_source(env, "en:t.html")[0], "en:t.html", raw=True)
    assert "context.call" not in source


def test_labels_with_variables_still_translate_and_escape_at_render_time():
    env = _env('{{ _("没有找到“%(q)s”。", q=q) }}|{{ _("100%%") }}')
    assert env.get_template("zh_CN:t.html").render(q="<b>") == "没有找到“&lt;b&gt;”。|100%"


def test_templates_from_strings_are_left_alone():
    env = _env("")
    assert env.from_string('{{ _("首页") }}').render() == "首页"


def test_a_page_is_compiled_once_per_language(client, world, login):
    login("head_teacher")
    assert "首页" in client.get("/").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert ">Home<" in page and ">首页<" not in page
    names = {name for _loader, name in client.application.jinja_env.cache}
    assert {"zh_CN:base.html", "en:base.html"} <= names
