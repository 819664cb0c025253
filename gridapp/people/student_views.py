"""Adding a student to a class and moving a student to another class (routes on the people
blueprint; issue 15 item 6)."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from gridapp.core.forms import form_page, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import placements, services
from gridapp.people.forms import NewStudentForm, StudentMoveForm
from gridapp.people.models import Gender, Relation, StudentStatus
from gridapp.people.permissions import load_student
from gridapp.people.views import bp
from gridapp.schools.models import Grade, SchoolClass
from gridapp.schools.permissions import is_school_leader, load_class


def _leader_class(class_id: int) -> SchoolClass:
    """The class, for its school's principal and admin only (404 for anyone else)."""
    school_class = load_class(class_id, Need.VIEW, related=("school",))
    if not is_school_leader(current_user, school_class.school_id):
        abort(404)
    return school_class


@bp.route("/classes/<int:class_id>/students/new", methods=["GET", "POST"])
@login_required
def new_student(class_id: int):
    """A new student of the class with their guardians (a guardian already in the district, by
    mobile number, is linked: siblings share a family)."""
    school_class = _leader_class(class_id)
    form = NewStudentForm()
    if not form.is_submitted():
        form.from_on.data = today()
    done = submit(
        form,
        lambda: services.add_student(
            current_user,
            school_class,
            services.StudentData(
                name=form.name.data,
                gender=Gender(form.gender.data),
                birth_on=form.birth_on.data,
                address=form.address.data or "",
                community=form.community.data or "",
            ),
            form.student_number.data or "",
            [
                services.GuardianData(name=n or "", relation=Relation(r), mobile=m or "")
                for n, r, m in form.guardians()
            ],
            form.from_on.data,
            today(),
        ),
        then=lambda student: url_for("archives.student", student_id=student.id),
        message=lambda student: _("已添加学生 %(n)s", n=student.name),
    )
    return done or form_page("people/student_new.html", form, school_class=school_class)


def _class_choices(student) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(SchoolClass.id, SchoolClass.name)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(SchoolClass.school_id == student.school_id, SchoolClass.id != student.class_id)
        .order_by(Grade.level, SchoolClass.number)
    ).all()
    return [("", _("请选择班级"))] + [(str(i), n) for i, n in rows]


@bp.route("/students/<int:student_id>/move", methods=["GET", "POST"])
@login_required
def move_student(student_id: int):
    """Move the student to another class of the school from a date (mid-year too)."""
    student = load_student(student_id, Need.MANAGE)
    if student.status != StudentStatus.ACTIVE:
        abort(404)
    form = StudentMoveForm()
    form.class_id.choices = _class_choices(student)
    if not form.is_submitted():
        form.on.data = today()

    def move():
        from gridapp.core.errors import RuleViolation

        target = db.session.get(SchoolClass, form.chosen_class_id() or 0)
        if target is None or target.school_id != student.school_id:
            raise RuleViolation(_("请选择本校的班级"), field="class_id")
        return placements.move_student(current_user, student, target, form.on.data, today=today())

    done = submit(
        form,
        move,
        then=url_for("archives.student", student_id=student.id),
        message=lambda p: _("已调入 %(c)s", c=p.school_class.name),
    )
    return done or form_page(
        "people/student_move.html", form, student=student, history=placements.history(student)
    )
