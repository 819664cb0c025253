"""Student pages of the people package: editing a student, a guardian's phone and account, the
focus categories. The student page and the archive are in `archives`, dossiers in `dossiers`."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.core.errors import abort_with
from gridapp.core.forms import form_page, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, get_or_404
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import services
from gridapp.people.forms import StudentForm
from gridapp.people.models import Gender, Guardian, Student
from gridapp.people.permissions import can_see_sensitive, load_student

bp = Blueprint("people", __name__)


def _is_staff_viewer(student: Student) -> bool:
    return student.school_id in current_user.staff_school_ids


@bp.post("/students/<int:student_id>/guardians/<int:guardian_id>/phone")
@login_required
def reveal_phone(student_id: int, guardian_id: int):
    student = load_student(student_id, Need.VIEW)
    if not _is_staff_viewer(student):
        abort(404)
    guardian = get_or_404(Guardian, guardian_id)
    try:
        phone = services.reveal_guardian_phone(current_user, student, guardian)
    except LookupError:
        abort(404)
    db.session.commit()
    return render_template("people/_partials/phone.html", phone=phone)


@bp.post("/students/<int:student_id>/focus")
@login_required
def reveal_focus(student_id: int):
    """All of a student's open focus categories, sensitive ones included: for those entitled to
    sensitive data only, and every view is in the audit log."""
    student = load_student(student_id, Need.VIEW)
    if not can_see_sensitive(current_user, student):
        abort(404)
    entries = services.reveal_focus(current_user, student)
    db.session.commit()
    return render_template("people/_partials/focus.html", student=student, entries=entries)


@bp.post("/students/<int:student_id>/guardians/<int:guardian_id>/account")
@login_required
def guardian_account(student_id: int, guardian_id: int):
    """A parent's account: created here by the school admin or the head teacher, with a link."""
    student = load_student(student_id, Need.EDIT)
    guardian = get_or_404(Guardian, guardian_id)
    try:
        user, token = services.guardian_account(current_user, student, guardian)
    except LookupError:
        abort(404)
    except PermissionError:
        abort_with(409, _("该家长账号同时是教职工账号，请由学校管理员在账号管理中重设密码。"))
    db.session.commit()
    return render_template(
        "people/guardian_account.html",
        student=student,
        guardian=guardian,
        user=user,
        link=url_for("accounts.invitation", token=token, _external=True),
    )


@bp.route("/students/<int:student_id>/edit", methods=["GET", "POST"])
@login_required
def edit_student(student_id: int):
    student = load_student(student_id, Need.EDIT)
    form = StudentForm(obj=student if request.method == "GET" else None)
    done = submit(
        form,
        lambda: services.update_student(
            current_user,
            student,
            services.StudentData(
                name=form.name.data,
                gender=Gender(form.gender.data),
                birth_on=form.birth_on.data,
                address=form.address.data or "",
                community=form.community.data or "",
            ),
            today(),
        ),
        then=url_for("archives.student", student_id=student.id),
        message=_("已保存"),
    )
    return done or form_page("people/student_edit.html", form, student=student)
