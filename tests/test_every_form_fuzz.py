"""Every form of every page, fuzzed (issue 20, property 2): for each page of the permission
matrix that a role opens (200), the forms on it are read from the HTML (their action, method and
field names) and sent with hostile values in every field: random text, control characters and
NUL, emoji outside the BMP, SQL and markup fragments, huge numbers, very long strings. A GET form
(a filter) sends them as the query string. Never a server error; the page still opens after.
The forms written out by hand in tests/test_forms_fuzz.py and the packages' own fuzz tests go
deeper into each form's rules; this one leaves no form out."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridapp.extensions import limiter

from .matrix import all_rows
from .test_forms_fuzz import NASTY, NUL

ALLOWED = {200, 204, 302, 303, 400, 404, 405, 409, 410, 413, 422, 429}
# Forms whose sending would end the test's session or is not the page's own.
SKIPPED_ACTIONS = ("/logout", "/lang/", "/language")

hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(200, 3000)),
    st.integers(-(10**20), 10**20).map(str),
    st.just("１２３４５６"),  # full-width digits from a Chinese keyboard
)


class Forms(HTMLParser):
    """The forms of a page: [(action, method, {field name: [values]})]."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._open: tuple[str, str, dict[str, str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._open = (a.get("action") or "", (a.get("method") or "get").lower(), {})
            self.forms.append(self._open)
        elif self._open is not None and tag in ("input", "select", "textarea", "button"):
            name = a.get("name")
            if name and a.get("type") not in ("file", "submit", "image", "reset"):
                self._open[2].setdefault(name, a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _pages() -> list:
    """(url template, role) for every GET row of the matrix that a signed-in role opens."""
    out = []
    for rows in all_rows().values():
        for method, url, endpoint, allowed, _anon in rows:
            if method != "GET" or url.endswith((".pdf", ".xlsx", ".ics", ".png", ".csv")):
                continue
            role = next((r for r, status in sorted(allowed.items()) if status == 200), None)
            if role is not None:
                out.append(pytest.param(url, role, id=f"{endpoint}-{role}"))
    return out


FUZZ = settings(
    max_examples=4,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("url, role", _pages())
def test_every_form_on_the_page_survives_hostile_values(client, login, world, url, role):
    try:
        target = url.format(**vars(world))
    except KeyError:  # an id of a domain's own fixture (its matrix module builds it)
        pytest.skip("the page needs an object of its domain's own fixture")
    login(getattr(world, f"{role}_name"))
    page = client.get(target)
    if page.status_code != 200 or "text/html" not in page.content_type:
        return
    parser = Forms()
    parser.feed(page.get_data(as_text=True))
    forms = [
        (urljoin(target, action or target), method, fields)
        for action, method, fields in parser.forms
        if not any(s in (action or "") for s in SKIPPED_ACTIONS)
        and urlsplit(urljoin(target, action or target)).netloc in ("", "localhost")
    ]
    if not forms:
        return

    @FUZZ
    @given(st.data())
    def run(data):
        limiter.reset()
        for action, method, fields in forms:
            values = {
                name: (value if name == "csrf_token" else data.draw(hostile))
                for name, value in fields.items()
            }
            path = urlsplit(action)._replace(scheme="", netloc="").geturl()
            if method == "post":
                r = client.post(path, data=values)
            else:
                r = client.get(path.split("?")[0], query_string=values)
            assert r.status_code in ALLOWED, (method, path, r.status_code)

    run()
    # Always tried too: NUL in every field of every form (PostgreSQL refuses it in text).
    for action, method, fields in forms:
        values = {n: (v if n == "csrf_token" else NUL) for n, v in fields.items()}
        path = urlsplit(action)._replace(scheme="", netloc="").geturl()
        send = client.post if method == "post" else client.get
        kwargs = {"data": values} if method == "post" else {"query_string": values}
        r = send(path if method == "post" else path.split("?")[0], **kwargs)
        assert r.status_code in ALLOWED, (method, path, r.status_code)
