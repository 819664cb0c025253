"""Browser tests: Playwright drives Debian's Chromium against a live GridApp on 127.0.0.1."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from gridapp.app import create_app
from gridapp.config import TestConfig

# Assertions wait up to 15 s (Playwright's default is 5 s): with the suite's workers and
# Chromium sharing two cores, a page can take longer than 5 s without anything being wrong.
expect.set_options(timeout=15_000)


class LiveConfig(TestConfig):
    WTF_CSRF_ENABLED = True  # the real thing: htmx sends the token in a header


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(scope="session")
def live_server(app):
    live = create_app(LiveConfig)
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def sign_in(page, live_server):
    def do(username: str, password: str = "gridapp-test-1"):
        page.goto(f"{live_server}/login")
        page.fill("[name=username]", username)
        page.fill("[name=password]", password)
        # Enter submits the login form itself, whatever other buttons the page has.
        page.press("[name=password]", "Enter")
        page.wait_for_url(f"{live_server}/")

    return do


@pytest.fixture(scope="session")
def base_url(live_server):
    """Overrides pytest-base-url's fixture (which pytest 9 warns about) with the live server."""
    return live_server


WIDTHS = {"phone": (390, 844), "desktop": (1366, 768)}


@pytest.fixture
def signed_in(browser, live_server):
    """`signed_in(role)`: a page per width of WIDTHS for one role (or "anonymous"), signed in
    once (the desktop context reuses the phone's cookies). The contexts bypass the app's CSP,
    so that a test may put axe-core into a page."""
    contexts = []

    def make(role: str):
        made = {}
        state = None
        for name, (width, height) in WIDTHS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN",
                timezone_id="Asia/Shanghai", bypass_csp=True, storage_state=state,
            )  # fmt: skip
            contexts.append(context)
            page = context.new_page()
            if role != "anonymous" and state is None:
                page.goto(f"{live_server}/login")
                page.fill("[name=username]", role)
                page.fill("[name=password]", "gridapp-test-1")
                page.press("[name=password]", "Enter")
                page.wait_for_url(f"{live_server}/")
                state = context.storage_state()
            made[name] = page
        return made

    yield make
    for context in contexts:
        context.close()
