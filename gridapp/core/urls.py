"""URLs that do not change between requests, built once per process.

`url_for` walks the URL map on every call (about 10 µs); the layout alone needs a dozen constant
links (static files, home, account, logout, the navigation), on every page.
"""

from __future__ import annotations

import functools
from collections import namedtuple

from flask import request, url_for


@functools.lru_cache(maxsize=1024)
def _built(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def cached_url(endpoint: str, **values) -> str:
    """`url_for` for links whose only inputs are the endpoint and a few values (the ids of the
    object a page shows, never raw user input). The cache is bounded: not for one entry per row."""
    return _built(request.script_root, endpoint, tuple(sorted(values.items())))


def static_url(filename: str) -> str:
    return cached_url("static", filename=filename)


# The layout's links, on every page: one call instead of a dozen.
_LAYOUT = {
    "home": ("core.home", {}),
    "account": ("accounts.account", {}),
    "logout": ("accounts.logout", {}),
    "login": ("accounts.login", {}),
    "set_language": ("core.set_language", {}),
    "mailbox": ("mailbox.write", {}),
    "track": ("mailbox.track", {}),
    "reception": ("reception.index", {}),
    "pico_css": ("static", {"filename": "vendor/pico.min.css"}),
    "app_css": ("static", {"filename": "css/app.css"}),
    "htmx_js": ("static", {"filename": "vendor/htmx.min.js"}),
    "app_js": ("static", {"filename": "js/app.js"}),
}
LayoutUrls = namedtuple("LayoutUrls", _LAYOUT)


@functools.lru_cache(maxsize=16)
def _layout(script_root: str) -> LayoutUrls:
    return LayoutUrls(*(url_for(endpoint, **values) for endpoint, values in _LAYOUT.values()))


def layout_urls() -> LayoutUrls:
    return _layout(request.script_root)
