"""Home page by role, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text, update

from gridapp.accounts.models import Role
from gridapp.core.forms import LanguageForm, local_path
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
    from gridapp.reception.models import Notice

    context = {
        "notices": db.session.scalars(
            select(Notice)
            .where(Notice.user_id == u.id, Notice.read_at.is_(None))
            .order_by(Notice.id.desc())
            .limit(5)
        ).all()
    }
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


@bp.post("/notices/read")
@login_required
def read_notices():
    """Mark the user's in-app notices read."""
    from gridapp.core.time import now
    from gridapp.reception.models import Notice

    db.session.execute(
        update(Notice)
        .where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
        .values(read_at=now())
    )
    db.session.commit()
    return redirect(url_for("core.home"), code=303)


@bp.post("/lang")
def set_language():
    """Switch the interface language (kept in the session), back to the page it was asked on."""
    form = LanguageForm()
    if form.lang.data in ("zh_CN", "en"):
        session["lang"] = form.lang.data
    target = local_path(form.next.data) or url_for("core.home")
    return redirect(target, code=303)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure of the database means "down"
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
