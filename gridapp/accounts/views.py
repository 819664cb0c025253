"""Sign in and out, own password and invitation links. Account administration (a school's
staff and roles, the audit log) is in schools/staff_views.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from gridapp.accounts import services
from gridapp.accounts.forms import ChangePasswordForm, LoginForm, SetPasswordForm
from gridapp.core import audit
from gridapp.core.forms import form_page, local_path, submit
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db, limiter, posted_field

bp = Blueprint("accounts", __name__)


def _username_key() -> str:
    return "login-user:" + posted_field("username").strip().lower()[:64]


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
    # Not through forms.submit: a failed sign-in is not a rule violation to roll back, its
    # audit entry must be committed too.
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            services.sign_in(user)
        db.session.commit()  # the audit entry of a failed attempt is kept too
        if user is not None:
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.form_errors.append(_("用户名或密码不正确"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        me = current_user._get_current_object()
        audit.record(me, "logout", me)
        services.sign_out(me)
        db.session.commit()
    else:
        logout_user()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    me = current_user._get_current_object()

    def change():
        services.change_password(me, form.old_password.data, form.new_password.data)
        services.sign_in(me)  # keep this browser signed in, every other session ended

    done = submit(form, change, then=url_for("accounts.account"), message=_("密码已修改"))
    return done or form_page("accounts/account.html", form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def invitation(token: str):
    inv = services.find_invitation(token)
    if inv is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = SetPasswordForm()

    def accept():
        user = services.accept_invitation(inv, form.password.data)
        logout_user()
        services.sign_in(user)

    done = submit(form, accept, then=url_for("reports.home"), message=_("密码已设置，欢迎使用"))
    return done or form_page("accounts/invitation.html", form, user=inv.user)
