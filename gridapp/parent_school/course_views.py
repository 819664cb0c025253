"""A parent-school course: publish, edit and cancel (the school's leaders), its page with the
sign-in code to show in the room and the staff's sign-in sheets class by class, and its
materials. Routes of the parent_school blueprint (gridapp.parent_school.views)."""

from __future__ import annotations

from flask import render_template, request, send_file, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from gridapp.core import storage
from gridapp.core.forms import ActionForm, form_errors_text, form_status, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can, real_user, require
from gridapp.core.time import now, today
from gridapp.extensions import db
from gridapp.parent_school import services
from gridapp.parent_school.forms import AttendanceForm, CourseForm
from gridapp.parent_school.models import CourseDelivery, CourseMaterial, ParentCourse
from gridapp.parent_school.permissions import load_course, may_mark
from gridapp.parent_school.views import bp
from gridapp.schools.models import Grade, School
from gridapp.schools.permissions import is_school_leader, load_class, load_school


def _me():
    return real_user(current_user)


def _grade_choices(form: CourseForm, school_id: int) -> None:
    grades = db.session.execute(
        db.select(Grade.id, Grade.name).where(Grade.school_id == school_id).order_by(Grade.level)
    ).all()
    form.grade_ids.choices = [SelectChoice(g.id, g.name) for g in grades]


def _chosen(form: CourseForm) -> list[storage.Chosen]:
    """The materials as the leader chose them (kept from an earlier try, and new ones), kept
    in pending storage at once: a form shown again with an error still has them."""
    chosen = storage.chosen_files(request.files.getlist("materials"), form.kept_materials.data)
    form.kept_materials.data = [c.token for c in chosen]
    return chosen


def _data(form: CourseForm) -> services.CourseData:
    return services.CourseData(
        title=form.title.data or "", speaker=form.speaker.data or "",
        held_on=form.held_on.data, starts_at=form.starts_at.data, ends_at=form.ends_at.data,
        hours=form.hours.hours, whole_school=form.audience.data != "grades",
        grade_ids=[g for g in (form.grade_ids.data or []) if g and g > 0],
        delivery=form.delivery_value(), place=form.place.data or "", link=form.link.data or "",
    )  # fmt: skip


def _uploads(chosen: list[storage.Chosen]) -> list:
    if len(chosen) > services.MAX_MATERIALS:
        from gridapp.core.errors import RuleViolation

        raise RuleViolation(
            _("每节课最多 %(n)d 个资料文件", n=services.MAX_MATERIALS), field="materials"
        )
    uploads = [services.clean_material(c.data, c.name) for c in chosen]
    storage.discard_on_commit(chosen)
    return uploads


def _form_page(school: School, form: CourseForm, chosen, course: ParentCourse | None = None):
    return render_template(
        "parent_school/course_form.html", school=school, form=form, chosen=chosen,
        course=course,
    ), form_status(form)  # fmt: skip


@bp.route("/schools/<int:school_id>/parent-school/courses/new", methods=["GET", "POST"])
@login_required
def new_course(school_id: int):
    """Publish a course (the school's leaders)."""
    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(user, school.id))
    form = CourseForm()
    _grade_choices(form, school.id)
    chosen: list[storage.Chosen] = []
    if request.method == "GET":
        form.held_on.data = today()
        form.hours.data = "2"
    else:
        chosen = _chosen(form)
        done = submit(
            form,
            lambda: services.publish_course(user, school, _data(form), _uploads(chosen), now()),
            then=lambda course: url_for(".course", course_id=course.id),
            message=_("课程已发布"),
        )
        if done:
            return done
    return _form_page(school, form, chosen)


@bp.route("/parent-school/courses/<int:course_id>/edit", methods=["GET", "POST"])
@login_required
def edit_course(course_id: int):
    """Change a course: its fields, and materials added or removed (the school's leaders)."""
    user = _me()
    course = load_course(course_id, Need.MANAGE)
    form = CourseForm(obj=course) if request.method == "GET" else CourseForm()
    _grade_choices(form, course.school_id)
    form.removed_materials.choices = [SelectChoice(m.id, m.name) for m in course.materials]
    chosen: list[storage.Chosen] = []
    if request.method == "GET":
        form.hours.data = course.hours_label
        form.audience.data = "school" if course.whole_school else "grades"
        form.grade_ids.data = [g.grade_id for g in course.grades]
        form.delivery.data = course.delivery.value
    else:
        chosen = _chosen(form)
        done = submit(
            form,
            lambda: services.update_course(
                user,
                course,
                _data(form),
                _uploads(chosen),
                [m for m in (form.removed_materials.data or []) if m and m > 0],
                now(),
            ),  # fmt: skip
            then=url_for(".course", course_id=course.id),
            message=_("课程已修改"),
        )
        if done:
            return done
    return _form_page(course.school, form, chosen, course)


@bp.route("/parent-school/courses/<int:course_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_course(course_id: int):
    """Cancel a course (after the browser's confirmation; the school's leaders)."""
    user = _me()
    course = load_course(course_id, Need.MANAGE)
    page = url_for(".course", course_id=course.id)
    if request.method == "GET":
        return reload_to(page)
    form = ActionForm()
    done = submit(
        form, lambda: services.cancel_course(user, course, now()), then=page,
        message=_("课程已取消"),
    )  # fmt: skip
    if done:
        return done
    return _course_page(course, error=form_errors_text(form), status=form_status(form))


def _course_page(course: ParentCourse, *, error: str | None = None, status: int = 200,
                 forms: dict | None = None):  # fmt: skip
    user = _me()
    classes = services.audience_classes(course)
    markable = [c for c in classes if may_mark(user, course, c)]
    families = services.class_families([c.id for c in markable])
    present = services.signed_in_families(course.id)
    for rows in families.values():
        for r in rows:
            r.present = r.family_id in present
    forms = forms or {}
    instant = now()
    opens, closes = services.code_window(course)
    staff = is_school_leader(user, course.school_id) or bool(markable)
    return render_template(
        "parent_school/course.html", course=course, audience=services.audience_label(course),
        markable=markable, families=families, present_count=len(present),
        forms={c.id: forms.get(c.id) or fresh(AttendanceForm) for c in markable},
        manages=is_school_leader(user, course.school_id), staff=staff,
        code_open=services.code_open(course, instant), opens=opens, closes=closes,
        begun=instant >= opens, action=fresh(ActionForm), error=error,
        online=course.delivery is CourseDelivery.ONLINE,
        # The materials open for the school's staff and its parents (Need.EDIT), not a bureau.
        opens_materials=can(user, Need.EDIT, course),
    ), status  # fmt: skip


@bp.get("/parent-school/courses/<int:course_id>")
@login_required
def course(course_id: int):
    """A course: its details and materials; for staff the code to show in the room (in its
    window) and the sign-in sheets of the classes they may mark."""
    return _course_page(load_course(course_id, Need.VIEW))


@bp.route(
    "/parent-school/courses/<int:course_id>/classes/<int:class_id>/attendance",
    methods=["GET", "POST"],
)
@login_required
def attendance(course_id: int, class_id: int):
    """A class's sign-in sheet: the families ticked present (the school's leaders and the
    class's teachers)."""
    user = _me()
    course = load_course(course_id, Need.VIEW)
    school_class = load_class(class_id, Need.VIEW)
    require(may_mark(user, course, school_class))
    require(school_class.id in {c.id for c in services.audience_classes(course)})
    page = url_for(".course", course_id=course.id) + f"#class-{school_class.id}"
    if request.method == "GET":
        return reload_to(page)
    form = AttendanceForm()
    rows = services.class_families([school_class.id])[school_class.id]
    form.family_ids.choices = [SelectChoice(r.family_id, "") for r in rows]
    done = submit(
        form,
        lambda: services.mark_attendance(
            user,
            course,
            school_class,
            [i for i in form.family_ids.data or [] if i],
            now(),
            shown_present=form.shown_present_ids(),
        ),
        then=page,
        message=lambda r: _(
            "%(c)s已保存：新增 %(a)d 户，取消 %(r)d 户", c=school_class.name, a=r[0], r=r[1]
        ),
    )
    if done:
        return done
    return _course_page(
        course, error=form_errors_text(form), status=form_status(form),
        forms={school_class.id: form},
    )  # fmt: skip


@bp.get("/parent-school/courses/<int:course_id>/materials/<int:material_id>")
@login_required
def material(course_id: int, material_id: int):
    """A course's material file: the school's staff and the parents of its pupils."""
    course = load_course(course_id, Need.EDIT)
    row = db.session.get(CourseMaterial, material_id)
    require(row is not None and row.course_id == course.id)
    mimetype = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[row.kind]
    response = send_file(services.material_path(row), mimetype=mimetype, max_age=0)
    ext = {"jpeg": "jpg"}.get(row.kind, row.kind)
    response.headers["Content-Disposition"] = storage.content_disposition(
        row.name, f"material-{row.id}.{ext}"
    )
    return response
