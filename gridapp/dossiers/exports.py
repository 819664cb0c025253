"""PDF dossiers of the student archive: one student's at once, or a whole class's (or chosen
students') in the background as a ZIP of PDFs or one combined PDF, with progress, downloadable by
the requester only, gone after 24 hours. core/pdf.py renders."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.archives import services as archives
from gridapp.core import audit, storage
from gridapp.core.models import UTCDateTime, utcnow
from gridapp.core.tasks import claim_job, remove_expired_files, requeue_when_waiting, task
from gridapp.core.time import format_datetime, local, now
from gridapp.extensions import db
from gridapp.people import services as people

KEEP = timedelta(hours=24)
MAX_STUDENTS = 80


def dossier_html(
    student, user, sections, wants_sensitive: bool
) -> tuple[str, bool, bool, list[int]]:
    """The dossier's HTML for `user` (the page and the background export alike), whether the
    sensitive parts are in it (only for those entitled who ask) and whether the pairing's are,
    in its section or the timeline (only for those who may see the pairing: archives.
    pairing_section, timeline.visible_pairings; with the section, the timeline leaves the
    pairing's entries out rather than repeat them), and the contacts whose private notes on the
    family the timeline shows (contacts.permissions.notes_visible_ids, seed 002 §7). The caller
    audits all three."""
    viewer = archives.viewer_of(user, student, sensitive=wants_sensitive)
    show_sensitive = viewer.sensitive
    ctx = archives.archive_context(student, viewer)
    pairing = archives.pairing_section(student, user) if "pairing" in sections else None
    if pairing is not None:
        ctx["entries"] = [e for e in ctx["entries"] if e.kind != "pairing"]
    html = render_template(
        "dossiers/dossier.html",
        sections=sections,
        pairing=pairing,
        show_sensitive=show_sensitive,
        refused_sensitive=wants_sensitive and not show_sensitive,
        record=people.sensitive_of(student) if show_sensitive else None,
        exporter=user.name,
        exported_at=format_datetime(now()),
        **ctx,
    )
    shows_pairing = bool(pairing and pairing.pairings) or (
        "timeline" in sections and any(e.kind == "pairing" for e in ctx["entries"])
    )
    notes = (
        [e.notes for e in ctx["entries"] if e.notes is not None] if "timeline" in sections else []
    )
    return html, show_sensitive, shows_pairing, notes


def dossier_sections(values) -> list[str]:
    """The sections asked for, in the archive's order (all of them if none is valid)."""
    return [s for s in values if s in archives.SECTIONS] or list(archives.SECTIONS)


class DossierJob(db.Model):
    __tablename__ = "dossier_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_classes.id"))
    student_ids: Mapped[list] = mapped_column(JSON)
    sections: Mapped[list] = mapped_column(JSON)
    sensitive: Mapped[bool] = mapped_column(default=False)
    combined: Mapped[bool] = mapped_column(default=False)  # one PDF, else a ZIP of PDFs
    status: Mapped[str] = mapped_column(String(10), default="queued")  # running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    file: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def expired(self) -> bool:
        return now() >= self.expires_at

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def export_dir() -> Path:
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_filename(job: DossierJob) -> tuple[str, str]:
    """(download name, ASCII fallback) of a finished export: named after its student (one) or
    its class, and the day it was made: "王小明-成长档案-2026-11-23.pdf",
    "三年级（1）班-成长档案-2026-11-23.zip"; fallback "dossiers-<job id>.zip"."""
    from gridapp.core.i18n import gettext as _
    from gridapp.people.models import Student
    from gridapp.schools.models import SchoolClass

    ext = "pdf" if job.combined else "zip"
    on = local(job.created_at).date().isoformat()
    who = ""
    if len(job.student_ids or []) == 1:
        student = db.session.get(Student, job.student_ids[0])
        who = student.name if student is not None else ""
    if not who and job.class_id is not None:
        school_class = db.session.get(SchoolClass, job.class_id)
        who = school_class.name if school_class is not None else ""
    name = _("%(who)s-成长档案-%(on)s.%(ext)s", who=who, on=on, ext=ext) if who else ""
    return name, f"dossiers-{job.id}.{ext}"


def start(user, school_id: int, class_id: int | None, student_ids: list[int], sections,
          sensitive: bool, combined: bool) -> DossierJob:  # fmt: skip
    job = DossierJob(
        requester_id=user.id, school_id=school_id, class_id=class_id,
        student_ids=student_ids[:MAX_STUDENTS], sections=list(sections), sensitive=sensitive,
        combined=combined, total=min(len(student_ids), MAX_STUDENTS),
        expires_at=now() + KEEP,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    audit.record(
        user, "student.dossier.batch", job, school_id=school_id, students=job.total,
        sensitive=sensitive,
    )  # fmt: skip
    return job


@task()
def make(job_id: int) -> None:
    """Render each dossier with the requester's own rights, committing progress as it goes.
    Run once per job however often it is queued or by however many consumers: the job moves
    from "queued" to "running" by a conditional UPDATE, and only the run that moved it works."""
    from gridapp.accounts.models import User
    from gridapp.core.pdf import render
    from gridapp.people.models import Student

    job = claim_job(DossierJob, job_id)
    if job is None:
        return
    user = db.session.get(User, job.requester_id)
    pdfs: list[tuple[str, bytes]] = []
    try:
        students = db.session.scalars(
            select(Student).where(Student.id.in_(job.student_ids)).order_by(Student.student_number)
        ).all()
        for student in students:
            html, sensitive, pairing, notes = dossier_html(
                student, user, job.sections, job.sensitive
            )
            entry = storage.clean_filename(f"{student.student_number}-{student.name}.pdf")
            pdfs.append((entry, render(html)))
            audit.record(user, "student.dossier.export", student, batch=job.id, sensitive=sensitive,
                         pairing=pairing or None, contact_notes=notes or None)  # fmt: skip
            job.done += 1
            db.session.commit()
        name = f"{secrets.token_hex(16)}.{'pdf' if job.combined else 'zip'}"
        (export_dir() / name).write_bytes(_combine(pdfs) if job.combined else _zip(pdfs))
        job.file, job.status = name, "done"
        # Kept 24 hours from when the file exists, however long the job waited in the queue.
        job.expires_at = now() + KEEP
    except Exception:
        db.session.rollback()
        job = db.session.get(DossierJob, job_id)
        job.status = "failed"
        current_app.logger.exception("dossier job %s failed", job_id)
    db.session.commit()


def _zip(pdfs) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in pdfs:
            z.writestr(name, data)
    return buf.getvalue()


def _combine(pdfs) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    for _name, data in pdfs:
        writer.append(io.BytesIO(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def remove_expired() -> int:
    """Files older than 24 hours are deleted (the periodic task calls this). Returns how many
    this run removed: a job's file is let go by a conditional UPDATE (`file = <its name>`), so
    two runs at once remove (and count) each file once, and a second run finds none."""
    return remove_expired_files(DossierJob, export_dir())


def active_student_ids(class_id: int) -> list[int]:
    """The ids of the active students of class `class_id`, as the database returns them."""
    from gridapp.people.models import Student, StudentStatus

    ids = select(Student.id).where(
        Student.class_id == class_id, Student.status == StudentStatus.ACTIVE
    )
    return list(db.session.scalars(ids))


# A job whose queueing failed (the queue down) is queued again once it answers.
requeue_when_waiting(DossierJob, make)
