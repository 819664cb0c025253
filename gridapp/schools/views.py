"""Pages for schools, the school calendar, classes and their teachers."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.core.forms import form_page, form_status, submit
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can, get_or_404, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.schools import services
from gridapp.schools.forms import (
    AssignmentForm,
    ClassForm,
    HeadTeacherForm,
    HotlineForm,
    SchoolForm,
    SchoolYearForm,
    SemesterForm,
)
from gridapp.schools.models import (
    GRADE_NAMES,
    School,
    SchoolKind,
    Semester,
    TeachingAssignment,
)
from gridapp.schools.permissions import (
    is_school_leader,
    load_class,
    load_school,
)

bp = Blueprint("schools", __name__)


def _school_form_page(school: School | None):
    form = SchoolForm(obj=school if request.method == "GET" else None)
    form.kind.choices = SchoolKind.choices()
    done = submit(
        form,
        lambda: services.save_school(
            current_user,
            current_user.district_id,
            services.SchoolData(
                name=form.name.data,
                code=form.code.data,
                kind=SchoolKind(form.kind.data),
                address=form.address.data or "",
                phone=form.phone.data or "",
            ),
            school,
        ),
        then=lambda saved: url_for("reports.school_overview", school_id=saved.id),
        message=_("已保存"),
    )
    return done or form_page("schools/school_form.html", form, school=school)


@bp.route("/schools/new", methods=["GET", "POST"])
@login_required
def new_school():
    require(current_user.has_role(Role.DISTRICT_ADMIN))
    return _school_form_page(None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@login_required
def edit_school(school_id: int):
    return _school_form_page(load_school(school_id, Need.MANAGE))


@bp.route("/schools/<int:school_id>/hotline", methods=["GET", "POST"])
@login_required
def hotline(school_id: int):
    """The school's hotline (校长热线, seed 004 §15): its leaders (principal, Party secretary,
    school admin) and the district admin publish the number and staffed hours; the mailbox
    and reception pages show them."""
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(current_user, school.id) or can(current_user, Need.MANAGE, school))
    form = HotlineForm(
        data={"phone": school.hotline_phone, "hours": school.hotline_hours}
        if request.method == "GET"
        else None
    )
    done = submit(
        form,
        lambda: services.set_hotline(current_user, school, form.phone.data, form.hours.data),
        then=url_for(".hotline", school_id=school.id),
        message=_("校长热线已保存"),
    )
    return done or form_page("schools/hotline.html", form, school=school)


# ---- class page -----------------------------------------------------------------------------------


# ---- administration: calendar ---------------------------------------------------------------------


@bp.route("/schools/<int:school_id>/calendar", methods=["GET", "POST"])
@login_required
def calendar(school_id: int):
    school = load_school(school_id, Need.VIEW)
    can_manage = can(current_user, Need.MANAGE, school)
    form = SchoolYearForm()
    if request.method == "POST":
        require(can_manage)
        done = submit(
            form,
            lambda: services.create_school_year(
                current_user,
                school,
                services.SchoolYearData(
                    name=form.name.data,
                    first_starts_on=form.first_starts_on.data,
                    first_ends_on=form.first_ends_on.data,
                    second_starts_on=form.second_starts_on.data,
                    second_ends_on=form.second_ends_on.data,
                ),
            ),
            then=url_for(".calendar", school_id=school.id),
            message=_("学年已添加"),
        )
        if done:
            return done
    years = services.school_years(school.id)
    current = services.current_semester(school.id, today())
    return form_page(
        "schools/calendar.html",
        form,
        school=school,
        years=years,
        current=current,
        can_manage=can_manage,
    )


def _load_semester(semester_id: int) -> Semester:
    semester = get_or_404(Semester, semester_id)
    load_school(semester.school_id, Need.MANAGE)
    return semester


@bp.route("/semesters/<int:semester_id>/edit", methods=["GET", "POST"])
@login_required
def edit_semester(semester_id: int):
    semester = _load_semester(semester_id)
    form = SemesterForm(obj=semester if request.method == "GET" else None)
    done = submit(
        form,
        lambda: services.update_semester(
            current_user, semester, form.starts_on.data, form.ends_on.data
        ),
        then=url_for(".calendar", school_id=semester.school_id),
        message=_("学期日期已保存"),
    )
    return done or form_page("schools/semester_form.html", form, semester=semester)


# ---- administration: classes and teachers ---------------------------------------------------------


def _teacher_choices(school_id: int, empty_label: str | None) -> list[tuple[str, str]]:
    choices = [("", empty_label)] if empty_label is not None else [("", _("请选择"))]
    return choices + [(str(t.id), t.name) for t in services.school_teachers(school_id)]


@bp.route("/schools/<int:school_id>/classes/new", methods=["GET", "POST"])
@login_required
def new_class(school_id: int):
    school = load_school(school_id, Need.MANAGE)
    form = ClassForm()
    form.level.choices = [(lvl, GRADE_NAMES[lvl]) for lvl in school.levels]
    form.head_teacher_id.choices = _teacher_choices(school.id, _("（暂不指定）"))
    if request.method == "GET":
        form.enrolment_year.data = today().year if today().month >= 8 else today().year - 1
    done = submit(
        form,
        lambda: services.create_class(
            current_user,
            school,
            form.level.data,
            form.number.data,
            form.enrolment_year.data,
            form.head_teacher_id.data,
        ),
        then=lambda school_class: url_for(".edit_class", class_id=school_class.id),
        message=_("班级已创建"),
    )
    return done or form_page("schools/class_new.html", form, school=school)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@login_required
def edit_class(class_id: int):
    school_class = load_class(class_id, Need.MANAGE)
    head_form = HeadTeacherForm(prefix="head")
    head_form.head_teacher_id.choices = _teacher_choices(school_class.school_id, _("（暂不指定）"))
    assignment_form = AssignmentForm(prefix="assign")
    assignment_form.teacher_id.choices = _teacher_choices(school_class.school_id, None)
    if request.method == "GET":
        head_form.head_teacher_id.data = school_class.head_teacher_id
    done = None
    if request.method == "POST":
        form = head_form if head_form.head_teacher_id.raw_data else assignment_form

        def save():
            if form is head_form:
                services.set_head_teacher(
                    current_user, school_class, head_form.head_teacher_id.data
                )
            else:
                services.add_assignment(
                    current_user,
                    school_class,
                    assignment_form.teacher_id.data,
                    assignment_form.subject.data,
                )

        then = url_for(".edit_class", class_id=school_class.id)
        done = submit(form, save, then=then, message=_("已保存"))
    if done:
        return done
    assignments = services.class_assignments(school_class.id)
    return render_template(
        "schools/class_edit.html",
        school_class=school_class,
        head_form=head_form,
        assignment_form=assignment_form,
        assignments=assignments,
    ), form_status(head_form, assignment_form)


@bp.post("/assignments/<int:assignment_id>/remove")
@login_required
def remove_assignment(assignment_id: int):
    assignment = get_or_404(TeachingAssignment, assignment_id)
    school_class = load_class(assignment.class_id, Need.MANAGE)
    services.remove_assignment(current_user, assignment)
    db.session.commit()
    flash(_("已移除任课安排"), "success")
    return redirect_303(url_for(".edit_class", class_id=school_class.id))
