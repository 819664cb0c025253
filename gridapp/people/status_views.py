"""A student's status (在读, 已转学, 已离校, 已毕业): the page that changes it, its history and the
undo of the latest change (routes on the people blueprint; issue 15 item 6)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.core.forms import ActionForm, form_page, form_status, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import services
from gridapp.people.forms import StudentStatusForm
from gridapp.people.models import StudentStatus, StudentStatusChange
from gridapp.people.permissions import load_student
from gridapp.people.views import bp


@bp.route("/students/<int:student_id>/status", methods=["GET", "POST"])
@login_required
def student_status(student_id: int):
    """The status page: what the student's status is, the form to change it (the page is the
    confirmation: it says what will happen), and the history with the undo of the latest."""
    student = load_student(student_id, Need.MANAGE)
    active = student.status == StudentStatus.ACTIVE
    form = StudentStatusForm(active=active)
    if not form.is_submitted():
        form.on.data = today()
    done = submit(
        form,
        lambda: services.set_student_status(
            current_user,
            student,
            StudentStatus(form.to_status.data),
            form.on.data,
            form.reason.data or "",
        ),  # fmt: skip
        then=url_for("people.student_status", student_id=student.id),
        message=lambda change: _(
            "已将 %(name)s 标记为“%(s)s”", name=student.name, s=change.to_status.label
        ),
    )
    history = services.status_history(student)
    latest = next((c for c in history if c.undone_at is None), None)
    return done or form_page(
        "people/student_status.html",
        form,
        student=student,
        active=active,
        history=history,
        latest=latest,
        undo_form=ActionForm(formdata=None),
    )


@bp.route("/students/<int:student_id>/status/<int:change_id>/undo", methods=["GET", "POST"])
@login_required
def undo_student_status(student_id: int, change_id: int):
    """Undo the student's latest status change exactly (it stays in the history, marked)."""
    student = load_student(student_id, Need.MANAGE)
    page = url_for("people.student_status", student_id=student.id)
    change = db.session.get(StudentStatusChange, change_id)
    if change is None or change.student_id != student.id:
        abort(404)
    form = ActionForm()
    if request.method == "GET":
        return reload_to(page)
    done = submit(
        form,
        lambda: services.undo_status_change(current_user, change),
        then=page,
        message=_("已撤销，学籍状态恢复为“%(s)s”", s=change.from_status.label),
    )
    if done:
        return done
    history = services.status_history(student)
    active = student.status == StudentStatus.ACTIVE
    page_html = render_template(
        "people/student_status.html",
        form=StudentStatusForm(formdata=None, active=active),
        student=student,
        active=active,
        history=history,
        latest=next((c for c in history if c.undone_at is None), None),
        undo_form=form,
    )
    return page_html, form_status(form)
