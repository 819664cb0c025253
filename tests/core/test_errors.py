"""Error pages, CSRF, body size, kept input, security headers, htmx fragments and the language."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from gridapp.app import create_app
from gridapp.config import TestConfig
from gridapp.core import tasks
from gridapp.extensions import db


@pytest.fixture(scope="module")
def csrf_app(app):
    """A second app on the same database, with CSRF protection on as in production."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        WTF_CSRF_ENABLED=True, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
    )
    other = create_app(config)
    tasks.bind_app(app)  # the test app stays the one background tasks run in
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert m, "no CSRF token in the page"
    return m.group(1)


def test_404_page_is_chinese(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "页面不存在" in html
    assert "<html" in html


def test_404_to_htmx_is_a_fragment_with_a_toast(client):
    r = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert r.status_code == 404
    assert "<html" not in r.get_data(as_text=True)
    toast = json.loads(r.headers["HX-Trigger"])
    assert "页面不存在" in toast["toast-error"]
    assert r.headers["HX-Trigger"].isascii()  # a real server sends header values as latin-1


def test_htmx_error_toast_swaps_nothing_and_keeps_the_address(client):
    """htmx swaps every 4xx (base.html): an error page to an htmx fragment request or a boosted
    form says its message in a toast and asks for no swap and no new history entry."""
    r = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert r.headers["HX-Reswap"] == "none"
    assert r.headers["HX-Push-Url"] == "false"
    r = client.post(
        "/no/such/page", headers={"HX-Request": "true", "HX-Boosted": "true"}, data={"a": "b"}
    )
    assert r.status_code == 404
    assert "页面不存在" in json.loads(r.headers["HX-Trigger"])["toast-error"]
    assert r.headers["HX-Reswap"] == "none"


def test_boosted_link_to_a_missing_page_gets_the_whole_error_page(client):
    r = client.get("/no/such/page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert r.status_code == 404
    assert "<html" in r.get_data(as_text=True)
    assert "HX-Reswap" not in r.headers and "HX-Trigger" not in r.headers


def test_every_4xx_is_swapped_by_htmx(client):
    """The htmx configuration swaps 4xx answers (the server's message is in them) and treats
    5xx as errors; 204 swaps nothing."""
    html = client.get("/login").get_data(as_text=True)
    config = json.loads(html.split('name="htmx-config" content=\'')[1].split("'>")[0])
    handling = {h["code"]: h for h in config["responseHandling"]}
    assert handling["4.."]["swap"] is True and not handling["4.."].get("error")
    assert handling["..."]["error"] is True and handling["..."]["swap"] is False
    assert handling["204"]["swap"] is False


def test_post_without_csrf_token_is_400_in_chinese(csrf_app, world):
    client = csrf_app.test_client()
    r = client.post(
        "/login", data={"username": world.head_teacher_name, "password": "gridapp-test-1"}
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "表单已过期" in html
    assert client.get("/").status_code == 302  # not signed in


def test_post_with_csrf_token_works(csrf_app, world):
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    r = client.post(
        "/login",
        data={
            "username": world.head_teacher_name,
            "password": "gridapp-test-1",
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    # htmx sends the token in a header (hx-headers on <body>); a wrong one is refused.
    page = client.get("/").get_data(as_text=True)
    headers = json.loads(unescape(re.search(r"hx-headers='([^']+)'", page).group(1)))
    assert client.post("/lang", data={"lang": "en"}, headers=headers).status_code == 303
    r = client.post("/lang", data={"lang": "en"}, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400


def test_logout_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    client.post(
        "/login",
        data={
            "username": world.head_teacher_name,
            "password": "gridapp-test-1",
            "csrf_token": token,
        },
    )
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_oversized_body_is_413_in_chinese(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 32 * 1024 * 1024
    r = client.post(
        "/login",
        data=b"username=" + b"x" * limit,
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "内容过大" in html


@pytest.mark.parametrize("path", ["/login", "/activate"])
def test_an_oversized_post_leaves_the_rate_limits_where_they_are(app, client, world, path):
    """The sign-in and activation limits are keyed by a posted field: a body too large to read
    gives a 413 and keeps the limits counting in their storage (a key function that raised made
    Flask-Limiter fall back to a memory of its own: `_isolation` fails a test that does that),
    and the next sign-ins are counted as before."""
    r = client.post(
        path, data=b"username=" + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert r.status_code == 413
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [
        client.post("/login", data={"username": "nobody", "password": "x"}).status_code
        for _ in range(limit + 1)
    ]
    # (The oversized sign-in counted against the address's limit: one sign-in fewer is left.)
    assert statuses[-1] == 429 and set(statuses[: limit - 1]) == {422}, statuses


def test_form_with_errors_is_422_and_keeps_the_input_escaped(client, world, login):
    login(world.school_admin_name)
    r = client.post(
        "/admin/users/new",
        data={
            "username": "bad name!",
            "name": "<script>alert(1)</script>李老师",
            "title": "教务处",
            "phone": "1380000",
            "roles": ["teacher"],
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'value="bad name!"' in html
    assert 'value="教务处"' in html
    assert 'value="1380000"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;李老师" in html
    assert "<script>alert(1)" not in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/healthz"])
def test_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "HX-Request" in r.headers["Vary"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP: no HSTS


def test_hsts_over_https(client):
    """HSTS over HTTPS only (issue 20, "CSRF and methods": headers as today plus HSTS)."""
    r = client.get("/login", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_htmx_class_search_returns_only_the_fragment(client, world, login):
    login(world.head_teacher_name)
    r = client.get(
        f"/classes/{world.class_a1}", query_string={"q": "王"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" not in html
    assert "王小明" in html
    assert "张伟" not in html
    assert "HX-Request" in r.headers["Vary"]

    r = client.get(f"/classes/{world.class_a1}", query_string={"q": "王"})
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith("<!doctype html>")
    assert "</html>" in html
    assert "王小明" in html
    assert "张伟" not in html


def test_boosted_navigation_gets_the_whole_page(client, world, login):
    login(world.head_teacher_name)
    r = client.get(
        f"/classes/{world.class_a1}", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in r.get_data(as_text=True)


def test_english_switch(client, world, login):
    login(world.head_teacher_name)
    html = client.get("/").get_data(as_text=True)
    assert "首页" in html
    assert ">Home<" not in html

    r = client.post("/lang", data={"lang": "en", "next": "/"})
    assert r.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert ">Home<" in html
    assert 'lang="en"' in html

    client.post("/lang", data={"lang": "zh_CN"})
    assert "首页" in client.get("/").get_data(as_text=True)


def test_english_error_page(client):
    client.post("/lang", data={"lang": "en"})
    html = client.get("/no/such/page").get_data(as_text=True)
    assert "Page not found" in html
    assert "页面不存在" not in html


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\t/evil.example"])
def test_language_switch_stays_on_site(client, target):
    r = client.post("/lang", data={"lang": "en", "next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    r = client.post("/lang", data={"lang": "en", "next": "/login?x=1"})
    assert r.headers["Location"] == "/login?x=1"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 410, 413, 422, 429])
def test_every_4xx_to_htmx_says_its_own_message(app, status):
    """Whatever the 4xx, an htmx request gets the server's own words as an error toast and no
    swap (the page, and what was typed on it, stay)."""
    from gridapp.core.errors import error_page

    with app.test_request_context("/x", method="POST", headers={"HX-Request": "true"}):
        _body, code, headers = error_page(status, "服务器自己的话")
    assert code == status
    assert json.loads(headers["HX-Trigger"])["toast-error"].endswith("服务器自己的话")
    assert headers["HX-Reswap"] == "none" and headers["HX-Push-Url"] == "false"
