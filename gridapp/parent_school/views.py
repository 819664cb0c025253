"""The parent school's pages of figures and the guardian's page: the school's courses and
participation per class (`/schools/<id>/parent-school`), a class's families below target for
its head teacher (`/classes/<id>/parent-school`), and a guardian's record with the sign-in code
form (`/my/parent-school`). The course pages are in course_views.py (same blueprint)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from gridapp.core import audit
from gridapp.core.forms import attempt, form_status, fresh, reload_to, submit
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import now, today
from gridapp.core.xlsx import wants_xlsx
from gridapp.extensions import db, limiter
from gridapp.parent_school import export, services
from gridapp.parent_school.forms import CodeForm, TargetForm
from gridapp.people.class_views import register_class_fact
from gridapp.schools.models import School
from gridapp.schools.permissions import (
    class_staff,
    is_school_leader,
    load_class_for_staff,
    load_school,
    taught_class_ids,
)

bp = Blueprint("parent_school", __name__)


def _class_fact(user, school_class) -> Markup | None:
    """The class page's link to the class's parent-school attendance, for its teachers and the
    school's leaders (no figure here: the class page is a hot path)."""
    if not class_staff(user, school_class):
        return None
    # Built here, not from a template: a template runs every context processor again (bench:
    # 0.2 ms of each class page).
    return Markup('<p class="parent-school-fact"><a href="{}">{}</a></p>').format(
        url_for("parent_school.class_page", class_id=school_class.id),
        _("家长学校参与情况（未达标的家庭）"),
    )


register_class_fact(_class_fact)


def _me():
    return real_user(current_user)


def _school_page(school: School, target_form: TargetForm | None = None):
    user = _me()
    year = services.school_year_of(school.id, today())
    courses = services.school_courses(school.id, year)
    figures = services.class_figures(services.school_classes(school.id), school.id, today())
    target = services.target_of(school.id)
    if wants_xlsx():
        audit.record(user, "parent_school.export", school)
        db.session.commit()
        return export.school_workbook(school, year, courses, figures, target)
    if target_form is None:
        target_form = fresh(TargetForm)
        target_form.target_sessions.data = target.sessions
        target_form.target_hours.data = target.hours
    held, held_tenths = services.held_totals(courses, today())
    coming = [r for r in reversed(courses) if r.course.held_on >= today()]
    past = [r for r in courses if r.course.held_on < today()]
    return render_template(
        "parent_school/school.html", school=school, year=year, coming=coming, past=past,
        figures=figures, target=target, target_form=target_form,
        leads=is_school_leader(user, school.id), held=held,
        held_hours=services.format_hours(held_tenths),
        families=sum(len(f.families) for f in figures),
        meeting=sum(f.meeting for f in figures),
    ), form_status(target_form)  # fmt: skip


@bp.get("/schools/<int:school_id>/parent-school")
@login_required
def school_page(school_id: int):
    """The school's parent school this school year: coming and past courses with attendance,
    and per class the families meeting the target (the leaders and the district)."""
    return _school_page(load_school(school_id, Need.VIEW))


@bp.route("/schools/<int:school_id>/parent-school/target", methods=["GET", "POST"])
@login_required
def target(school_id: int):
    """Set the school's yearly target per family (the school's leaders)."""
    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(user, school.id))
    page = url_for(".school_page", school_id=school.id)
    if request.method == "GET":
        return reload_to(page)
    form = TargetForm()
    done = submit(
        form,
        lambda: services.set_target(
            user, school, form.target_sessions.data, form.target_hours.data
        ),
        then=page,
        message=_("家长学校目标已保存"),
    )
    if done:
        return done
    return _school_page(school, form)


@bp.get("/classes/<int:class_id>/parent-school")
@login_required
def class_page(class_id: int):
    """A class's families with their sessions and hours this school year, those below the
    school's target first, for the head teacher to follow up (the class's teachers and the
    school's leaders)."""
    user = _me()
    school_class = load_class_for_staff(class_id)
    figures = services.class_figures([school_class], school_class.school_id, today())[0]
    year = services.school_year_of(school_class.school_id, today())
    if wants_xlsx():
        audit.record(user, "parent_school.class_export", school_class)
        db.session.commit()
        return export.class_workbook(school_class, year, figures)
    return render_template(
        "parent_school/class.html", school_class=school_class, figures=figures, year=year
    )


def _code_limit() -> str:
    return current_app.config["PARENT_SCHOOL_CODE_RATE_LIMIT"]


def _code_user_key() -> str:
    return f"parent-school-code:{current_user.get_id()}"


@bp.route("/my/parent-school", methods=["GET", "POST"])
@login_required
@limiter.limit(_code_limit, methods=["POST"])
@limiter.limit(_code_limit, methods=["POST"], key_func=_code_user_key)
def mine():
    """A guardian's parent school: their family's sessions and class hours this school year
    against the target, the coming courses for their children's grades, and the sign-in code
    form. A teacher who is no guardian finds the classes they head or teach in here, and the
    school year's courses (the code to show in the room, the class's sign-in sheet)."""
    user = _me()
    taught = sorted(taught_class_ids(user))
    require(user.is_guardian or bool(taught))
    form = CodeForm()
    if request.method == "POST":
        require(user.is_guardian)
        done, course = attempt(
            form, lambda: services.sign_in_with_code(user, form.code.data, now())
        )
        if done:
            from flask import flash

            flash(_("签到成功：%(t)s", t=course.title), "success")
            return redirect_303(url_for(".mine", signed=course.id))
    records = services.guardian_record(user, today(), now()) if user.is_guardian else []
    classes = services.class_figures_of(taught, today())
    # The teacher's way to a course's page: the code to show in the room and the class's
    # sign-in sheet (the school's page with its list of courses is the leaders').
    courses = [
        row
        for school_id in sorted({f.school_class.school_id for f in classes})
        for row in services.school_courses(school_id, services.school_year_of(school_id, today()))
    ]
    return render_template(
        "parent_school/mine.html", form=form, records=records, classes=classes, courses=courses,
    ), form_status(form)  # fmt: skip
