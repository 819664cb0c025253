"""The class entry page for academic reviews: a teacher goes row by row and each row saves by
itself (htmx); completion per teacher; the head teacher publishes to guardians."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from gridapp.core.errors import RuleViolation, abort_with
from gridapp.core.htmx import redirect_303, wants_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_form
from gridapp.core.permissions import (
    headed_class_ids,
    load_class_for_staff,
    require,
    taught_class_ids,
)
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.reviews import services
from gridapp.reviews.models import ASPECTS, LEVELS, AcademicReview
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
    user, school_class, semester = _class_and_semester(class_id)
    writable = school_class.id in taught_class_ids(user)
    if request.method == "POST":
        require(writable)
        student_id = int_form("student_id")
        levels = {a: request.form.get(f"level_{a}", "") for a in ASPECTS}
        student = db.session.get(Student, student_id) if student_id else None
        try:
            review = services.save(
                user, school_class, semester, student_id, request.form.get("text", ""), levels
            )
        except RuleViolation as e:
            db.session.rollback()
            if student is None or student.class_id != school_class.id:
                abort_with(422, e.message)
            draft = AcademicReview(text=request.form.get("text", ""), levels=levels)
            return _row(student, draft, error=e.message, status=422)
        db.session.commit()
        if wants_fragment():
            return _row(student, review, saved=True)
        flash(_("已保存"), "success")
        return redirect_303(url_for(".class_reviews", class_id=school_class.id) + f"#s{student.id}")
    students = db.session.scalars(
        select(Student)
        .where(Student.class_id == school_class.id, Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_number)
    ).all()
    mine = {
        r.student_id: r
        for r in db.session.scalars(
            select(AcademicReview).where(
                AcademicReview.class_id == school_class.id,
                AcademicReview.semester_id == semester.id,
                AcademicReview.teacher_id == user.id,
            )
        )
    }
    return render_template(
        "reviews/class_reviews.html", school_class=school_class, semester=semester,
        students=students, mine=mine, writable=writable, aspects=ASPECTS, levels=LEVELS,
        completion=services.completion(school_class, semester),
        may_publish=school_class.id in headed_class_ids(user),
        unpublished=db.session.scalar(
            select(AcademicReview.id).where(
                AcademicReview.class_id == school_class.id,
                AcademicReview.semester_id == semester.id,
                AcademicReview.published_at.is_(None),
            ).limit(1)
        ) is not None,
    )  # fmt: skip


@bp.post("/classes/<int:class_id>/reviews/publish")
@login_required
def publish(class_id: int):
    user, school_class, semester = _class_and_semester(class_id)
    require(school_class.id in headed_class_ids(user))
    n = services.publish(user, school_class, semester)
    db.session.commit()
    flash(_("已向家长公布 %(n)d 条述评", n=n), "success")
    return redirect_303(url_for(".class_reviews", class_id=school_class.id))
