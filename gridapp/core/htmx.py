"""One template source per fragment: answer a full page, or its fragment to an htmx request."""

from __future__ import annotations

import json

from flask import make_response, redirect, render_template, request


def wants_fragment() -> bool:
    """An htmx swap into an element: not a boosted navigation, which wants the whole page (a
    boosted form with its own `hx-target` names that element in HX-Target and wants a fragment)."""
    if not request.headers.get("HX-Request"):
        return False
    return not request.headers.get("HX-Boosted") or bool(request.headers.get("HX-Target"))


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
        response.headers["HX-Trigger"] = json.dumps(hx_trigger)
    return response


def redirect_303(url: str):
    """After a successful POST. htmx follows a 303 itself; HX-Location would skip history."""
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def toast(response, message: str):
    response.headers["HX-Trigger"] = json.dumps({"toast": message})
    return response
