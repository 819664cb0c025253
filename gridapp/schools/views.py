"""Pages for schools, the school calendar, classes and their teachers."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page, form_status, submit
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate_rows, str_arg
from gridapp.core.permissions import (
    Need,
    can,
    get_or_404,
    load_class,
    load_school,
    require,
    taught_class_ids,
    visible_school_ids,
)
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.people.services import class_roster_query, class_sizes
from gridapp.schools import services
from gridapp.schools.forms import (
    AssignmentForm,
    ClassForm,
    HeadTeacherForm,
    SchoolForm,
    SchoolYearForm,
    SemesterForm,
)
from gridapp.schools.models import (
    GRADE_NAMES,
    Grade,
    School,
    SchoolClass,
    SchoolKind,
    SchoolYear,
    Semester,
    TeachingAssignment,
)

bp = Blueprint("schools", __name__)


def school_summary(school_ids) -> list[dict]:
    """Counts per school in three grouped queries, whatever the number of schools."""
    if not school_ids:
        return []
    schools = db.session.scalars(
        select(School).where(School.id.in_(school_ids)).order_by(School.id)
    ).all()
    students = dict(
        db.session.execute(
            select(Student.school_id, func.count())
            .where(Student.school_id.in_(school_ids), Student.status == StudentStatus.ACTIVE)
            .group_by(Student.school_id)
        ).all()
    )
    classes = dict(
        db.session.execute(
            select(SchoolClass.school_id, func.count())
            .where(SchoolClass.school_id.in_(school_ids))
            .group_by(SchoolClass.school_id)
        ).all()
    )
    teachers = dict(
        db.session.execute(
            select(UserRole.school_id, func.count(func.distinct(UserRole.user_id)))
            .where(UserRole.school_id.in_(school_ids), UserRole.role == Role.TEACHER)
            .group_by(UserRole.school_id)
        ).all()
    )
    return [
        {
            "school": s,
            "students": students.get(s.id, 0),
            "classes": classes.get(s.id, 0),
            "teachers": teachers.get(s.id, 0),
        }
        for s in schools
    ]


@bp.get("/schools")
@login_required
def index():
    require(current_user.is_district)
    rows = school_summary(sorted(visible_school_ids(current_user)))
    return render_template(
        "schools/index.html", rows=rows, can_add=current_user.has_role(Role.DISTRICT_ADMIN)
    )


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
        then=lambda saved: url_for(".show", school_id=saved.id),
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


@bp.get("/schools/<int:school_id>")
@login_required
def show(school_id: int):
    school = load_school(school_id, Need.VIEW)
    grades = db.session.scalars(
        select(Grade)
        .where(Grade.school_id == school.id)
        .options(selectinload(Grade.classes).joinedload(SchoolClass.head_teacher))
        .order_by(Grade.level)
    ).all()
    sizes = class_sizes([c.id for g in grades for c in g.classes])
    semester = services.current_semester(school.id, today())
    summary = school_summary([school.id])[0]
    return render_template(
        "schools/show.html",
        school=school,
        grades=grades,
        sizes=sizes,
        semester=semester,
        summary=summary,
        can_manage=can(current_user, Need.MANAGE, school),
    )


@bp.get("/my/classes")
@login_required
def my_classes():
    require(current_user.has_role(Role.TEACHER))
    classes = classes_of_teacher(current_user)
    sizes = class_sizes([c.id for c, _ in classes])
    return render_template("schools/my_classes.html", classes=classes, sizes=sizes)


def classes_of_teacher(user: User) -> list[tuple[SchoolClass, list[str]]]:
    """The teacher's classes, headed ones first, each with the subjects they teach there."""
    ids = taught_class_ids(user)
    if not ids:
        return []
    classes = db.session.scalars(
        select(SchoolClass)
        .where(SchoolClass.id.in_(ids))
        .options(joinedload(SchoolClass.grade), joinedload(SchoolClass.school))
    ).all()
    subjects: dict[int, list[str]] = {}
    for class_id, subject in db.session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject).where(
            TeachingAssignment.teacher_id == user.id
        )
    ):
        subjects.setdefault(class_id, []).append(subject)
    classes = sorted(
        classes, key=lambda c: (c.head_teacher_id != user.id, c.school_id, c.grade.level, c.number)
    )
    return [(c, subjects.get(c.id, [])) for c in classes]


# ---- class page -----------------------------------------------------------------------------------


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int, dossier_form=None):
    """The class's students; `dossier_form` is the dossier export form shown again with its
    message (people.class_dossiers)."""
    school_class = load_class(class_id, Need.VIEW, related=("school", "head_teacher"))
    search = str_arg("q")
    page = paginate_rows(*class_roster_query(school_class.id, search), per_page=25)
    return page_or_fragment(
        "schools/class.html",
        "schools/_partials/class_students.html",
        status_code=form_status(dossier_form),
        dossier_form=dossier_form,
        school_class=school_class,
        page=page,
        search=search,
        can_open_students=can_open_students(school_class),
        can_manage=can(current_user, Need.MANAGE, school_class),
        can_view_school=can(current_user, Need.VIEW, school_class.school),
    )


def can_open_students(school_class: SchoolClass) -> bool:
    """District supervisors see the class list but not the students' own pages."""
    from gridapp.core.permissions import class_staff

    return class_staff(current_user._get_current_object(), school_class)


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
    years = db.session.scalars(
        select(SchoolYear)
        .where(SchoolYear.school_id == school.id)
        .options(selectinload(SchoolYear.semesters))
        .order_by(SchoolYear.starts_on.desc())
    ).all()
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
    status = 200
    if request.method == "POST":
        form = head_form if head_form.head_teacher_id.raw_data else assignment_form
        if form.validate_on_submit():
            try:
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
            except RuleViolation as e:
                form.add_violation(e)
            else:
                db.session.commit()
                flash(_("已保存"), "success")
                return redirect_303(url_for(".edit_class", class_id=school_class.id))
        status = 422
    assignments = db.session.scalars(
        select(TeachingAssignment)
        .where(TeachingAssignment.class_id == school_class.id)
        .options(joinedload(TeachingAssignment.teacher))
        .order_by(TeachingAssignment.subject)
    ).all()
    return render_template(
        "schools/class_edit.html",
        school_class=school_class,
        head_form=head_form,
        assignment_form=assignment_form,
        assignments=assignments,
    ), status


@bp.post("/assignments/<int:assignment_id>/remove")
@login_required
def remove_assignment(assignment_id: int):
    assignment = get_or_404(TeachingAssignment, assignment_id)
    school_class = load_class(assignment.class_id, Need.MANAGE)
    services.remove_assignment(current_user, assignment)
    db.session.commit()
    flash(_("已移除任课安排"), "success")
    return redirect_303(url_for(".edit_class", class_id=school_class.id))
