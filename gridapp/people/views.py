"""Student pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from gridapp.core.errors import abort_with
from gridapp.core.forms import form_page, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can, can_see_sensitive, get_or_404, load_student
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import (
    exports,  # noqa: F401  (the export job's table)
    services,
)
from gridapp.people.forms import StudentForm
from gridapp.people.models import Gender, Guardian, Student, StudentGuardian, StudentStatus

bp = Blueprint("people", __name__)


def _is_staff_viewer(student: Student) -> bool:
    return student.school_id in current_user.staff_school_ids


def _family(student: Student) -> tuple[list[StudentGuardian], list[Student]]:
    """The student's guardian links (primary first) and siblings (oldest first)."""
    links = db.session.scalars(
        select(StudentGuardian)
        .where(StudentGuardian.student_id == student.id)
        .options(joinedload(StudentGuardian.guardian))
        .order_by(StudentGuardian.is_primary.desc(), StudentGuardian.id)
    ).all()
    siblings = db.session.scalars(
        select(Student)
        .where(Student.family_id == student.family_id, Student.id != student.id)
        .options(joinedload(Student.school_class), joinedload(Student.school))
        .order_by(Student.birth_on)
    ).all()
    return links, siblings


@bp.get("/students/<int:student_id>")
@login_required
def student(student_id: int):
    student = load_student(student_id, Need.VIEW)
    links, siblings = _family(student)
    if not _is_staff_viewer(student):
        # A parent sees only the children linked to them, not a step-sibling's half-sibling.
        siblings = [s for s in siblings if can(current_user, Need.VIEW, s)]
    reviews = []
    if not _is_staff_viewer(student):
        from gridapp.reviews.models import AcademicReview

        reviews = db.session.scalars(
            select(AcademicReview)
            .where(
                AcademicReview.student_id == student.id, AcademicReview.published_at.is_not(None)
            )
            .options(joinedload(AcademicReview.teacher), joinedload(AcademicReview.semester))
            .order_by(AcademicReview.semester_id.desc(), AcademicReview.id)
        ).all()
    return render_template(
        "people/student.html",
        reviews=reviews,
        student=student,
        links=links,
        siblings=siblings,
        can_edit=can(current_user, Need.EDIT, student),
        staff_view=_is_staff_viewer(student),
        visible_sibling_ids={s.id for s in siblings if can(current_user, Need.VIEW, s)},
    )


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
        then=url_for(".student", student_id=student.id),
        message=_("已保存"),
    )
    return done or form_page("people/student_edit.html", form, student=student)


def children_of(user) -> list[Student]:
    """A guardian's children, for the parent's home page."""
    return list(
        db.session.scalars(
            select(Student)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == user.id)
            .options(
                joinedload(Student.school_class),
                joinedload(Student.school),
                selectinload(Student.guardian_links),
            )
            .order_by(Student.birth_on)
        )
    )


# ---- the student archive (一生一档) and its PDF dossier -------------------------------------------

DOSSIER_SECTIONS = ("profile", "family", "focus", "sensitive", "timeline")


def _archive_student(student_id: int) -> Student:
    """Staff of the student's school who may see the student; never a parent, never the district."""
    student = load_student(student_id, Need.VIEW)
    if not _is_staff_viewer(student):
        abort(404)
    return student


def _viewer(student: Student):
    from gridapp.core.permissions import can_see_sensitive
    from gridapp.people.archive import Viewer

    user = current_user._get_current_object()
    return Viewer(user=user, sensitive=can_see_sensitive(user, student), notes=True)


def _archive_context(
    student: Student, viewer, kinds=None, semester=None, with_timeline: bool = True
) -> dict:
    from gridapp.people import archive
    from gridapp.schools.models import Semester

    since = until = None
    if semester is not None:
        since, until = semester.starts_on, semester.ends_on
    focus = services.open_focus([student.id]).get(student.id, [])
    links, siblings = _family(student)
    semesters = db.session.scalars(
        select(Semester)
        .where(Semester.school_id == student.school_id)
        .order_by(Semester.starts_on.desc())
    ).all()
    return {
        "student": student,
        "viewer": viewer,
        "entries": archive.timeline(student, viewer, kinds, since, until) if with_timeline else [],
        "kinds": archive.labels(),
        "focus": focus,
        "links": links,
        "siblings": siblings,
        "semesters": semesters,
    }


@bp.get("/students/<int:student_id>/archive")
@login_required
def archive_page(student_id: int):
    """The archive: profile, family, focus categories and the timeline of everything done for the
    student, filtered by kind and semester (the timeline is swapped by htmx)."""
    from gridapp.core.htmx import page_or_fragment
    from gridapp.schools.models import Semester

    student = _archive_student(student_id)
    viewer = _viewer(student)
    kind = request.args.get("kind", "")
    from gridapp.people.archive import SOURCES

    kinds = {kind} if kind in SOURCES else None
    semester = None
    semester_id = request.args.get("semester", type=int)
    if semester_id:
        semester = db.session.get(Semester, semester_id)
        if semester is None or semester.school_id != student.school_id:
            semester = None
    tab = request.args.get("tab") or ("timeline" if kind or semester else "family")
    tab = tab if tab in ("family", "timeline") else "family"
    # The timeline is read only for its tab; the family tab shows the focus categories, and a
    # sensitive one shown is a view of sensitive data.
    ctx = _archive_context(student, viewer, kinds, semester, with_timeline=tab == "timeline")
    if tab == "family" and viewer.sensitive and any(f.category.sensitive for f in ctx["focus"]):
        from gridapp.core import audit

        audit.record(viewer.user, "student.archive.view", student, sensitive=True)
        db.session.commit()
    return page_or_fragment(
        "people/archive.html", "people/_partials/archive_tab.html",
        kind=kind, semester_id=semester.id if semester else None, sections=DOSSIER_SECTIONS,
        tab=tab, **ctx,
    )  # fmt: skip


def dossier_html(student: Student, user, sections, wants_sensitive: bool) -> tuple[str, bool]:
    """The dossier's HTML for `user` (also used by the background export), and whether the
    sensitive parts are in it."""
    from gridapp.core.permissions import can_see_sensitive
    from gridapp.core.time import format_datetime, now
    from gridapp.people.archive import Viewer

    entitled = can_see_sensitive(user, student)
    show_sensitive = wants_sensitive and entitled
    viewer = Viewer(user=user, sensitive=show_sensitive, notes=True)
    ctx = _archive_context(student, viewer)
    html = render_template(
        "people/dossier.html",
        sections=sections,
        show_sensitive=show_sensitive,
        refused_sensitive=wants_sensitive and not show_sensitive,
        record=services.sensitive_of(student) if show_sensitive else None,
        exporter=user.name,
        exported_at=format_datetime(now()),
        **ctx,
    )
    return html, show_sensitive


def dossier_sections(values) -> list[str]:
    return [s for s in values if s in DOSSIER_SECTIONS] or list(DOSSIER_SECTIONS)


@bp.get("/students/<int:student_id>/dossier.pdf")
@login_required
def dossier(student_id: int):
    """The PDF dossier: the ticked sections; sensitive ones only for those entitled who ask, else
    visibly left out; a watermark with the exporter's name and the time; every export audited."""
    from flask import Response

    from gridapp.core import audit
    from gridapp.core.pdf import render

    student = _archive_student(student_id)
    user = current_user._get_current_object()
    sections = dossier_sections(request.args.getlist("sections"))
    html, sensitive = dossier_html(student, user, sections, request.args.get("sensitive") == "1")
    pdf = render(html)
    audit.record(user, "student.dossier.export", student, sections=sections, sensitive=sensitive)
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="dossier-{student.id}.pdf"'},
    )


def _entitled_student(student_id: int) -> Student:
    from gridapp.core.permissions import can_see_sensitive

    student = _archive_student(student_id)
    if not can_see_sensitive(current_user, student):
        abort(404)
    return student


@bp.post("/students/<int:student_id>/sensitive")
@login_required
def reveal_sensitive(student_id: int):
    """The sensitive record, revealed on a click by someone entitled; every reveal audited."""
    student = _entitled_student(student_id)
    record = services.reveal_sensitive(current_user, student)
    db.session.commit()
    return render_template("people/_partials/sensitive.html", student=student, record=record)


@bp.route("/students/<int:student_id>/sensitive/edit", methods=["GET", "POST"])
@login_required
def edit_sensitive(student_id: int):
    from gridapp.core.forms import form_page, submit
    from gridapp.people.forms import SensitiveForm
    from gridapp.people.models import StudentSensitive

    student = _entitled_student(student_id)
    if request.method == "POST":
        form = SensitiveForm()
        done = submit(
            form, lambda: services.update_sensitive(current_user, student, form.values()),
            then=url_for(".archive_page", student_id=student.id), message=_("敏感信息已保存"),
        )  # fmt: skip
        if done:
            return done
    else:
        found = services.reveal_sensitive(current_user, student)
        db.session.commit()
        form = SensitiveForm(
            formdata=None,
            **{n: getattr(found, n) if found else "" for n in StudentSensitive.FIELDS},
        )
    return form_page("people/sensitive_edit.html", form, student=student)


# ---- whole classes in the background ------------------------------------------------------------


@bp.route("/classes/<int:class_id>/dossiers", methods=["GET", "POST"])
@login_required
def class_dossiers(class_id: int):
    """Start the dossiers of a class (or of the ticked students) as a background job; with no
    student to export, the class page again with the form and its message."""
    from gridapp.core.errors import RuleViolation
    from gridapp.core.forms import reload_to, submit
    from gridapp.core.permissions import load_class_for_staff
    from gridapp.people.forms import DossierForm

    user = current_user._get_current_object()
    school_class = load_class_for_staff(class_id)
    if request.method == "GET":
        return reload_to(url_for("schools.class_page", class_id=school_class.id))
    form = DossierForm()

    def start():
        ids = select(Student.id).where(
            Student.class_id == school_class.id, Student.status == StudentStatus.ACTIVE
        )
        chosen = form.chosen()
        student_ids = [i for i in db.session.scalars(ids) if not chosen or i in chosen]
        if not student_ids:
            raise RuleViolation(_("没有可以导出的学生"))
        job = exports.start(
            user, school_class.school_id, school_class.id, student_ids,
            dossier_sections(form.sections.data or []), form.sensitive.data,
            form.format.data == "pdf",
        )  # fmt: skip
        started.append(job)
        return job

    started = []

    done = submit(form, start, then=lambda job: url_for(".dossier_job", job_id=job.id))
    if done is None:
        from gridapp.schools.views import class_page

        return class_page(school_class.id, dossier_form=form)
    exports.make(started[0].id)  # after the commit: the job is in the database
    return done


def _my_job(job_id: int):
    from gridapp.people.exports import DossierJob

    job = db.session.get(DossierJob, job_id) if 0 < job_id < 2**31 else None
    if job is None or job.requester_id != current_user.id:
        abort(404)  # the requester's only
    return job


@bp.get("/dossier-jobs/<int:job_id>")
@login_required
def dossier_job(job_id: int):
    from gridapp.core.htmx import page_or_fragment

    job = _my_job(job_id)
    return page_or_fragment("people/dossier_job.html", "people/_partials/job.html", job=job)


@bp.get("/dossier-jobs/<int:job_id>/file")
@login_required
def dossier_job_file(job_id: int):
    from flask import send_file

    from gridapp.people.exports import export_dir

    job = _my_job(job_id)
    if job.status != "done" or job.expired or not job.file:
        abort_with(410, _("文件已过期或尚未生成，请重新导出"))
    name = "dossiers.pdf" if job.combined else "dossiers.zip"
    return send_file(export_dir() / job.file, as_attachment=True, download_name=name, max_age=0)
