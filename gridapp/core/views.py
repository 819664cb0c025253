"""Marking notices read, the language switch and the health check (the home page is in
reports)."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, session, url_for
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
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure of the database means "down"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
