"""The permission mechanism: needs, a registry of policies by model, `can()`, and the loaders that
answer 404. No domain rule lives here and no domain model is imported: each domain registers the
policy of its models in its own `permissions.py` (schools/permissions.py, contacts/permissions.py,
...), where its loaders (`load_student`, `load_contact`, ...) are defined too. The app imports every
domain's permissions module when it is created.

Loaders return the object or abort with 404 (never 403), so that ids outside a user's world do not
reveal that they exist. Views call loaders; they never fetch a model by id themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from flask import abort, g
from flask_login import current_user

from gridapp.core import fastload
from gridapp.extensions import db


class Need(enum.StrEnum):
    VIEW = "view"  # read the object's ordinary (non-sensitive) data
    EDIT = "edit"  # change the object's ordinary data
    MANAGE = "manage"  # administer: structure, accounts, settings


Policy = Callable[[Any, Need, Any], bool]
_POLICIES: dict[type, Policy] = {}


def register(model: type, policy: Policy) -> Policy:
    """Make `policy(user, need, obj)` decide for objects of `model` (one policy per model; the
    domain that owns the model registers it). Returns the policy (usable as a decorator's end)."""
    known = _POLICIES.get(model)
    if known is not None and known is not policy:
        raise RuntimeError(f"a policy for {model.__name__} is already registered")
    _POLICIES[model] = policy
    return policy


def policy_for(model: type) -> Policy | None:
    """The registered policy of `model`, if any."""
    return _POLICIES.get(model)


# ---- the user's world, computed once a request -------------------------------------------------


def cached(key, compute):
    """`compute()` once per request for `key` (the per-request permission cache, cleared after
    each response)."""
    store = g.setdefault("_permission_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def prime(key, value) -> None:
    """Put a value computed elsewhere (the user's own load) in this request's cache."""
    g.setdefault("_permission_cache", {})[key] = value


# A domain may add a value to the signed-in user's own load (one query on every request) instead
# of a query of its own: (name, scalar SQL expression factory using the bind parameter
# `user_id`, prime(user, value)).
_USER_PRELOADS: list[tuple[str, Callable[[], Any], Callable[[Any, Any], None]]] = []


def register_user_preload(
    name: str, expression: Callable[[], Any], prime_with: Callable[[Any, Any], None]
) -> None:
    """Compute `expression()` in the same query that loads the signed-in user; `prime_with(user,
    value)` then stores it (typically with `prime`). The expression's object must be built once."""
    if name not in {n for n, _e, _p in _USER_PRELOADS}:
        _USER_PRELOADS.append((name, expression, prime_with))


def user_preloads() -> tuple[tuple[str, Any], ...]:
    """The (name, expression) pairs to compute with the user's load."""
    return tuple((name, expression()) for name, expression, _p in _USER_PRELOADS)


def prime_user(user, values: dict) -> None:
    """Hand each preloaded value to its domain."""
    for name, _expression, prime_with in _USER_PRELOADS:
        prime_with(user, values.get(name))


# ---- decisions ------------------------------------------------------------------------------------


def real_user(user):
    """Unwrap Flask-Login's proxy once: every attribute read through it costs a context lookup."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def can(user, need: Need, obj) -> bool:
    """Whether `user` may `need` the object, by its model's registered policy (none: no)."""
    user = real_user(user)
    if user is None or not user.is_authenticated:
        return False
    decide = _POLICIES.get(type(obj))
    return bool(decide and decide(user, need, obj))


# ---- loaders --------------------------------------------------------------------------------------


def load(model, obj_id, need: Need = Need.VIEW, options=(), related: tuple[str, ...] = ()):
    """The object if `need` is allowed, else 404. ORM loader `options`, or (faster, one Core
    query) the names of `related` many-to-ones to load with it."""
    if not isinstance(obj_id, int) or obj_id < 1 or obj_id > 2**31 - 1:
        abort(404)
    if options:
        obj = db.session.get(model, obj_id, options=list(options))
    else:
        obj = fastload.get(model, obj_id, related)
    if obj is None or not can(real_user(current_user), need, obj):
        abort(404)
    return obj


def get_or_404(model, obj_id):
    """A row by id for a loader that then checks its parent; bad or huge ids are 404."""
    if not isinstance(obj_id, int) or obj_id < 1 or obj_id > 2**31 - 1:
        abort(404)
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def require(condition: bool) -> None:
    """For pages that are not about one object (an admin page): 404 when not allowed."""
    if not condition:
        abort(404)
