"""Marking notices read, the language switch and the health check (the home page is in
reports)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from gridapp.core import notices
from gridapp.core.forms import LanguageForm, local_path
from gridapp.extensions import db

bp = Blueprint("core", __name__)


@bp.post("/notices/read")
@login_required
def read_notices():
    """Mark the user's in-app notices read."""
    notices.mark_read(current_user.id)
    db.session.commit()
    return redirect(url_for("reports.home"), code=303)


@bp.post("/lang")
def set_language():
    """Switch the interface language (kept in the session), back to the page it was asked on."""
    form = LanguageForm()
    if form.lang.data in ("zh_CN", "en"):
        session["lang"] = form.lang.data
    target = local_path(form.next.data) or url_for("reports.home")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    """The database (503 when it does not answer) and the helper services: the queue and the
    rate limits' storage, "degraded" while they do not answer (GridApp keeps serving: the
    limits count in memory, queued work waits; issue 20 item 1)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure of the database means "down"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    helpers = _helper_services()
    status = "degraded" if "degraded" in helpers.values() else "ok"
    return jsonify(status=status, database="ok", **helpers)


def _helper_services() -> dict[str, str]:
    """{"queue": "ok" | "degraded", "limits": ...} for what is configured."""
    from gridapp.core.tasks import QUEUE_ERRORS
    from gridapp.extensions import huey, limiter

    out = {}
    if not huey.immediate:
        try:
            huey.storage.queue_size()
            out["queue"] = "ok"
        except QUEUE_ERRORS:
            out["queue"] = "degraded"
    storage = getattr(limiter, "storage", None)
    if storage is not None and not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        try:
            out["limits"] = "ok" if storage.check() else "degraded"
        except Exception:  # noqa: BLE001 - the storage's own check failing means the same
            out["limits"] = "degraded"
    return out
