"""A student's guardians: adding, editing, linking a guardian already in the district (a
sibling's parent, found by mobile number) and unlinking (routes on the people blueprint;
issue 15 item 6)."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user, login_required

from gridapp.core.forms import ActionForm, form_page, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, get_or_404
from gridapp.people import services
from gridapp.people.forms import GuardianForm, GuardianLinkForm
from gridapp.people.models import Guardian, Relation
from gridapp.people.permissions import load_student
from gridapp.people.views import bp


def _data(form: GuardianForm) -> services.GuardianData:
    return services.GuardianData(
        name=form.name.data or "",
        relation=Relation(form.relation.data),
        mobile=form.mobile.data or "",
        other_phone=form.other_phone.data or "",
        workplace=form.workplace.data or "",
        is_primary=bool(form.is_primary.data),
    )


def _student_page(student) -> str:
    return url_for("archives.student", student_id=student.id)


@bp.route("/students/<int:student_id>/guardians/new", methods=["GET", "POST"])
@login_required
def new_guardian(student_id: int):
    """A new guardian of the student: the school admin, the principal, the head teacher."""
    student = load_student(student_id, Need.EDIT)
    form = GuardianForm()
    done = submit(
        form,
        lambda: services.add_guardian(current_user, student, _data(form)),
        then=_student_page(student),
        message=lambda g: _("已添加监护人 %(n)s", n=g.name),
    )
    return done or form_page("people/guardian_edit.html", form, student=student, guardian=None)


@bp.route("/students/<int:student_id>/guardians/<int:guardian_id>/edit", methods=["GET", "POST"])
@login_required
def edit_guardian(student_id: int, guardian_id: int):
    """Change a guardian's name, relation, phones: those who edit the student (the head teacher
    keeps the class's parents' numbers right)."""
    student = load_student(student_id, Need.EDIT)
    guardian = get_or_404(Guardian, guardian_id)
    if guardian.id not in {link.guardian_id for link in student.guardian_links}:
        abort(404)
    link = next(k for k in student.guardian_links if k.guardian_id == guardian.id)
    form = GuardianForm(obj=guardian if request.method == "GET" else None)
    if request.method == "GET":
        form.is_primary.data = link.is_primary
    done = submit(
        form,
        lambda: services.update_guardian(current_user, student, guardian, _data(form)),
        then=_student_page(student),
        message=_("已保存"),
    )
    return done or form_page("people/guardian_edit.html", form, student=student, guardian=guardian)


@bp.route("/students/<int:student_id>/guardians/link", methods=["GET", "POST"])
@login_required
def link_guardian(student_id: int):
    """Link a parent already in the district (a sibling's), found by their whole mobile number:
    the two families become one. The school's principal and admin."""
    student = load_student(student_id, Need.MANAGE)
    if student.status.value != "active":
        abort(404)
    form = GuardianLinkForm()
    done = submit(
        form,
        lambda: services.link_existing_guardian(current_user, student, form.mobile.data or ""),
        then=_student_page(student),
        message=lambda g: _("已关联家长 %(n)s（%(r)s）", n=g.name, r=g.relation.label),
    )
    return done or form_page("people/guardian_link.html", form, student=student)


@bp.route("/students/<int:student_id>/guardians/<int:guardian_id>/unlink", methods=["GET", "POST"])
@login_required
def unlink_guardian(student_id: int, guardian_id: int):
    """Remove a guardian from the student (the guardian's record stays)."""
    student = load_student(student_id, Need.MANAGE)
    guardian = get_or_404(Guardian, guardian_id)
    if guardian.id not in {link.guardian_id for link in student.guardian_links}:
        abort(404)
    if request.method == "GET":
        return reload_to(_student_page(student))
    done = submit(
        ActionForm(),
        lambda: services.unlink_guardian(current_user, student, guardian),
        then=_student_page(student),
        message=_("已解除与 %(n)s 的关联", n=guardian.name),
    )
    return done or reload_to(_student_page(student))
