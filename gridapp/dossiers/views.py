"""Dossier routes: one student's PDF, a class's background job, its progress and its file."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, send_file, url_for
from flask_login import current_user, login_required

from gridapp.archives import services as archives
from gridapp.core import audit, storage
from gridapp.core.errors import RuleViolation, abort_with
from gridapp.core.forms import reload_to, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pdf import render
from gridapp.core.time import today
from gridapp.dossiers import exports
from gridapp.dossiers.exports import DossierJob, dossier_html, dossier_sections, export_dir
from gridapp.extensions import db
from gridapp.people.class_views import class_page
from gridapp.people.forms import DossierForm
from gridapp.schools.permissions import load_class_for_staff

bp = Blueprint("dossiers", __name__)


@bp.get("/students/<int:student_id>/dossier.pdf")
@login_required
def dossier(student_id: int):
    """The PDF dossier: the ticked sections; sensitive ones only for those entitled who ask, else
    visibly left out; a watermark with the exporter's name and the time; every export audited."""
    student = archives.archive_student(student_id)
    user = current_user._get_current_object()
    sections = dossier_sections(request.args.getlist("sections"))
    wants_sensitive = request.args.get("sensitive") == "1"
    html, sensitive, pairing, notes = dossier_html(student, user, sections, wants_sensitive)
    pdf = render(html)
    audit.record(user, "student.dossier.export", student, sections=sections, sensitive=sensitive,
                 pairing=pairing or None, contact_notes=notes or None)  # fmt: skip
    db.session.commit()
    name = _("%(name)s-成长档案-%(on)s.pdf", name=student.name, on=today().isoformat())
    disposition = storage.content_disposition(name, f"dossier-{student.id}.pdf", inline=True)
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})


@bp.route("/classes/<int:class_id>/dossiers", methods=["GET", "POST"])
@login_required
def class_dossiers(class_id: int):
    """Start the dossiers of a class (or of the ticked students) as a background job; with no
    student to export, the class page again with the form and its message."""
    user = current_user._get_current_object()
    school_class = load_class_for_staff(class_id)
    if request.method == "GET":
        return reload_to(url_for("classes.class_page", class_id=school_class.id))
    form = DossierForm()

    def start():
        chosen = form.chosen()
        ids = exports.active_student_ids(school_class.id)
        student_ids = [i for i in ids if not chosen or i in chosen]
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
        return class_page(school_class.id, dossier_form=form)
    exports.make(started[0].id)  # after the commit: the job is in the database
    return done


def _my_job(job_id: int) -> DossierJob:
    job = db.session.get(DossierJob, job_id) if 0 < job_id < 2**31 else None
    if job is None or job.requester_id != current_user.id:
        abort(404)  # the requester's only
    return job


@bp.get("/dossier-jobs/<int:job_id>")
@login_required
def dossier_job(job_id: int):
    """The job's progress (polled by htmx until done)."""
    job = _my_job(job_id)
    return page_or_fragment("dossiers/dossier_job.html", "dossiers/_partials/job.html", job=job)


@bp.get("/dossier-jobs/<int:job_id>/file")
@login_required
def dossier_job_file(job_id: int):
    """The finished ZIP or PDF, for the requester, until it expires."""
    job = _my_job(job_id)
    if job.status != "done" or job.expired or not job.file:
        abort_with(410, _("文件已过期或尚未生成，请重新导出"))
    name, fallback = exports.job_filename(job)
    path = storage.existing(export_dir() / job.file, _("文件已丢失，请重新导出"))
    response = send_file(path, max_age=0)
    response.headers["Content-Disposition"] = storage.content_disposition(name, fallback)
    return response
