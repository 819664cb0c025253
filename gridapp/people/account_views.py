"""Account administration by school: a school admin (or the district admin, choosing a school)
manages the accounts and roles of the school's staff and guardians (the audit log's page is in
reports/audit_views.py). It lives in people, above accounts and schools, because who may manage
an account depends on the school's staff and on a guardian's children; the blueprint keeps its
name and URLs (/admin/...)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts import services
from gridapp.accounts.forms import UserForm
from gridapp.accounts.models import Role
from gridapp.core.forms import attempt, form_page, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, paginate, str_arg
from gridapp.core.permissions import Need, require
from gridapp.extensions import db
from gridapp.people import services as people_services
from gridapp.people.permissions import load_user
from gridapp.schools.models import School
from gridapp.schools.permissions import managed_school_ids

admin_bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")


def _admin_school() -> School:
    """The school whose accounts are administered on this page (a district admin may choose)."""
    ids = managed_school_ids(current_user)
    require(bool(ids))
    chosen = int_arg("school")
    if chosen is None:
        chosen = min(ids)
    require(chosen in ids)
    return db.session.get(School, chosen)


@admin_bp.get("/users")
@login_required
def users():
    school = _admin_school()
    search = str_arg("q")
    role = request.args.get("role", "")
    page = paginate(people_services.school_users_query(school.id, search, role))
    schools = people_services.schools_by_id(managed_school_ids(current_user))
    return page_or_fragment(
        "admin/users.html",
        "admin/_partials/users_table.html",
        page=page,
        school=school,
        schools=schools,
        search=search,
        role=role,
        roles=[Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.TEACHER],
    )


def _role_choices():
    return [(r.value, r.label) for r in (Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.TEACHER)]


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        username=form.username.data,
        name=form.name.data,
        phone=form.phone.data or "",
        title=form.title.data or "",
        is_party_member=bool(form.is_party_member.data),
        active=bool(form.active.data),
    )


@admin_bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    school = _admin_school()
    form = UserForm()
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.roles.data = [Role.TEACHER.value]

    def create():
        actor = current_user._get_current_object()
        user = services.create_user(actor, _user_data(form), school.district_id)
        services.set_school_roles(actor, user, school.id, {Role(r) for r in form.roles.data})
        return user, services.issue_invitation(actor, user)

    # The invitation link is shown once, on the answer to this POST: it is in no URL.
    done, result = attempt(form, create)
    if done:
        user, token = result
        return render_template(
            "admin/invitation_issued.html",
            user=user,
            school=school,
            link=url_for("accounts.invitation", token=token, _external=True),
        )
    return form_page("admin/user_form.html", form, school=school, user=None)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    user = load_user(user_id, Need.MANAGE)
    school = _admin_school()
    form = UserForm(obj=user if request.method == "GET" else None)
    form.roles.choices = _role_choices()
    if request.method == "GET":
        form.roles.data = [r.role.value for r in user.roles if r.school_id == school.id]

    def save():
        actor = current_user._get_current_object()
        services.update_user(actor, user, _user_data(form))
        services.set_school_roles(actor, user, school.id, {Role(r) for r in form.roles.data})

    done = submit(form, save, then=url_for(".users", school=school.id), message=_("已保存"))
    return done or form_page("admin/user_form.html", form, school=school, user=user)


@admin_bp.post("/users/<int:user_id>/invitation")
@login_required
def invite_user(user_id: int):
    user = load_user(user_id, Need.MANAGE)
    school = _admin_school()
    token = services.issue_invitation(current_user._get_current_object(), user)
    db.session.commit()
    return render_template(
        "admin/invitation_issued.html",
        user=user,
        school=school,
        link=url_for("accounts.invitation", token=token, _external=True),
    )
