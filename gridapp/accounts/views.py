"""Sign in and out, own password and invitation links. Account administration (a school's
staff and roles, the audit log) is in schools/staff_views.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from gridapp.accounts import services
from gridapp.accounts.forms import ChangePasswordForm, LoginForm, SetPasswordForm
from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import local_path
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()[:64]


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("reports.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("reports.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        db.session.commit()  # the audit entry of a failed attempt is kept too
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.form_errors.append(_("用户名或密码不正确"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit.record(current_user, "logout", current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(), form.old_password.data, form.new_password.data
            )
        except RuleViolation as e:
            form.add_violation(e)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # keep this session, end the others
            flash(_("密码已修改"), "success")
            return redirect_303(url_for("accounts.account"))
    status = 422 if form.all_errors else 200
    return render_template("accounts/account.html", form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def invitation(token: str):
    inv = services.find_invitation(token)
    if inv is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(inv, form.password.data)
        except RuleViolation as e:
            form.add_violation(e)
        else:
            db.session.commit()
            logout_user()
            login_user(user)
            flash(_("密码已设置，欢迎使用"), "success")
            return redirect(url_for("reports.home"), code=303)
    status = 422 if form.all_errors else 200
    return render_template("accounts/invitation.html", form=form, user=inv.user), status
