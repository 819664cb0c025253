"""Home page by role, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from gridapp.accounts.models import Role
from gridapp.core.forms import local_path
from gridapp.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@login_required
def home():
    from gridapp.core.permissions import district_school_ids
    from gridapp.core.time import today
    from gridapp.people.services import class_sizes
    from gridapp.people.views import children_of
    from gridapp.schools.services import current_semester
    from gridapp.schools.views import classes_of_teacher, school_summary

    u = current_user
    context = {}
    if u.has_role(Role.TEACHER):
        classes = classes_of_teacher(u)
        context["classes"] = classes
        context["class_sizes"] = class_sizes([c.id for c, _ in classes])
    led = sorted(u.school_ids_with(Role.PRINCIPAL, Role.SCHOOL_ADMIN))
    if led:
        from gridapp.contacts.services import flagged_count

        context["led_schools"] = school_summary(led)
        context["low_ratings"] = {sid: flagged_count(sid) for sid in led}
        context["semester"] = current_semester(led[0], today())
    if u.is_district:
        context["district_schools"] = school_summary(sorted(district_school_ids(u)))
    if u.is_guardian:
        context["children"] = children_of(u)
    return render_template("core/home.html", **context)


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in ("zh_CN", "en"):
        session["lang"] = lang
    target = local_path(request.form.get("next")) or url_for("core.home")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure of the database means "down"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
