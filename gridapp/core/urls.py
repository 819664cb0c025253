"""URLs that do not change between requests, built once per process.

`url_for` walks the URL map on every call (about 10 µs); the layout alone needs a dozen constant
links (static files, home, account, logout, the navigation), on every page.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from urllib.parse import quote, urlencode

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
    "home": ("reports.home", {}),
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


def url_set(name: str, **endpoints: str):
    """A page's links that all take the same values (a class page's links, each by `class_id`),
    built together once per process and values: one call per page instead of one `cached_url`
    per link (about 18,000 instructions each under callgrind; a set of nine costs 25,000).

    `url_set("ClassLinks", grids="grids.class_grids", ...)` returns `links(**values)`, whose
    answer is a named tuple (`links(class_id=7).grids == url_for("grids.class_grids",
    class_id=7)`). Values are ids of the object a page shows, never raw user input; the cache is
    bounded (1,024 sets, least recently used dropped first)."""
    Links = namedtuple(name, endpoints)

    @functools.lru_cache(maxsize=1024)
    def _links(script_root: str, values: tuple):
        kwargs = dict(values)
        return Links(*(url_for(endpoint, **kwargs) for endpoint in endpoints.values()))

    def links(**values):
        return _links(request.script_root, tuple(sorted(values.items())))

    return links


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (pagination, sorting).

    Built from the request's own path and arguments rather than through the URL map (a third of
    a pager's time); the query is encoded as `url_for` encodes it.
    """
    req = request._get_current_object()
    view_args = req.view_args or {}
    # As before with url_for: query arguments never stand in for the route's own arguments.
    args = {
        k: v
        for k, v in req.args.items()
        if k not in view_args and k != "endpoint" and not k.startswith("_")
    }
    args.update({k: v for k, v in changes.items() if v is not None})
    path = quote(req.script_root + req.path)
    return f"{path}?{urlencode(args, safe=_QUERY_SAFE)}" if args else path


_QUERY_SAFE = "!$'()*,/:;?@"  # werkzeug's, for the same URLs as url_for's
