"""The rate limiter's request-wide hook is left out (app.py, `_limit_only_where_declared`): the
private Flask-Limiter names it relies on are still there and behave as used."""

from collections.abc import Mapping

from gridapp.extensions import limiter


def test_the_private_names_still_exist_and_mean_what_app_py_assumes(app):
    manager = limiter.limit_manager
    assert callable(limiter._check_request_limit)
    assert isinstance(manager._blueprint_limits, Mapping)
    assert not manager._blueprint_limits  # no blueprint limits: the hook has nothing to check
    assert not manager.default_limits and not manager.application_limits
    # Removed from the app's request hooks; the after-request hook (deduct_when) stays.
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert any("inject_headers" in repr(f) for f in app.after_request_funcs[None])


def test_a_declared_limit_still_answers_429(client):
    """The login view's own decorator still counts without the request-wide hook."""
    codes = set()
    for _ in range(40):
        codes.add(client.post("/login", data={"username": "nobody", "password": "x"}).status_code)
        if 429 in codes:
            break
    assert 429 in codes
