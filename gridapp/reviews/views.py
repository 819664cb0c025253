"""The class entry page for academic reviews: a teacher goes row by row and each row saves by
itself (htmx); completion per teacher; the head teacher publishes to guardians."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.core.errors import abort_with
from gridapp.core.forms import attempt, form_errors_text
from gridapp.core.htmx import redirect_303, wants_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.reviews import services
from gridapp.reviews.forms import ReviewRowForm
from gridapp.reviews.models import ASPECTS, LEVELS, AcademicReview
from gridapp.schools.permissions import headed_class_ids, load_class_for_staff, taught_class_ids
from gridapp.schools.services import current_semester

bp = Blueprint("reviews", __name__)


def _class_and_semester(class_id: int):
    user = current_user._get_current_object()
    school_class = load_class_for_staff(class_id)
    semester = current_semester(school_class.school_id, today())
    if semester is None:
        abort(404)
    return user, school_class, semester


def _row(student, review, error=None, saved=False, status=200):
    return render_template(
        "reviews/_partials/row.html", s=student, review=review, aspects=ASPECTS, levels=LEVELS,
        error=error, saved=saved, writable=True,
    ), status  # fmt: skip


@bp.route("/classes/<int:class_id>/reviews", methods=["GET", "POST"])
@login_required
def class_reviews(class_id: int):
    """The class's students, a row each for this teacher's review; a row saves by itself (htmx
    swaps the row, or the row again with its error at 422)."""
    user, school_class, semester = _class_and_semester(class_id)
    writable = school_class.id in taught_class_ids(user)
    error = None
    if request.method == "POST":
        require(writable)
        form = ReviewRowForm()
        student_id = form.student_id.data
        student = db.session.get(Student, student_id) if student_id else None
        row_url = url_for(".class_reviews", class_id=school_class.id) + f"#s{student_id}"
        done, review = attempt(
            form,
            lambda: services.save(
                user, school_class, semester, student_id, form.text.data or "", form.chosen_levels()
            ),
        )
        if done and wants_fragment():
            return _row(student, review, saved=True)
        if done:
            flash(_("已保存"), "success")
            return redirect_303(row_url)
        message = form_errors_text(form)
        if student is not None and student.class_id == school_class.id:
            draft = AcademicReview(text=form.text.data or "", levels=form.chosen_levels())
            return _row(student, draft, error=message, status=422)
        if wants_fragment():  # no row to show it in: an error toast, nothing swapped
            abort_with(422, message)
        error = message
    students = services.active_students(school_class.id)
    mine = services.reviews_by_teacher(school_class.id, semester.id, user.id)
    return render_template(
        "reviews/class_reviews.html", school_class=school_class, semester=semester,
        students=students, mine=mine, writable=writable, aspects=ASPECTS, levels=LEVELS,
        error=error,
        completion=services.completion(school_class, semester),
        may_publish=school_class.id in headed_class_ids(user),
        unpublished=services.has_unpublished(school_class.id, semester.id),
    ), 422 if error else 200  # fmt: skip


@bp.post("/classes/<int:class_id>/reviews/publish")
@login_required
def publish(class_id: int):
    user, school_class, semester = _class_and_semester(class_id)
    require(school_class.id in headed_class_ids(user))
    n = services.publish(user, school_class, semester)
    db.session.commit()
    flash(_("已向家长公布 %(n)d 条述评", n=n), "success")
    return redirect_303(url_for(".class_reviews", class_id=school_class.id))
