"""One template source per fragment: answer a full page, or its fragment to an htmx request."""

from __future__ import annotations

import json

from flask import make_response, redirect, render_template, request


def wants_fragment() -> bool:
    """An htmx swap (not a boosted navigation, which wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def page_or_fragment(
    page_template: str,
    fragment_template: str,
    /,
    *,
    status_code: int = 200,
    hx_trigger=None,
    **context,
):
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status_code)
    if hx_trigger:
        response.headers["HX-Trigger"] = json.dumps(hx_trigger, ensure_ascii=False)
    return response


def redirect_303(url: str):
    """After a successful POST. htmx follows a 303 itself; HX-Location would skip history."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def toast(response, message: str):
    response.headers["HX-Trigger"] = json.dumps({"toast": message}, ensure_ascii=False)
    return response
