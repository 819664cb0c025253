"""URLs that do not change between requests, built once per process.

`url_for` walks the URL map on every call (about 10 µs); the layout alone needs a dozen constant
links (static files, home, account, logout, the navigation), on every page.
"""

from __future__ import annotations

import functools

from flask import request, url_for


@functools.lru_cache(maxsize=1024)
def _built(script_root: str, endpoint: str, values: tuple) -> str:
    return url_for(endpoint, **dict(values))


def cached_url(endpoint: str, **values) -> str:
    """`url_for` for links whose only inputs are the endpoint and fixed values (no ids from
    user input: the cache is bounded, not meant for one entry per row)."""
    return _built(request.script_root, endpoint, tuple(sorted(values.items())))


def static_url(filename: str) -> str:
    return cached_url("static", filename=filename)
