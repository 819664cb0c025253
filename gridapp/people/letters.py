"""A class's activation letters made in the background (issue 15 item 7): the request issues the
codes in its own transaction (so they are never lost) and records a job; a Huey task renders the
PDF, with progress; the file is kept 24 hours (removed by the same periodic clean-up as the
dossier exports, dossiers/tasks.py) and every download is audited. The same shape as the dossier
class exports (dossiers/exports.py), which sit in a higher layer and cannot be shared from here.

The plain codes live in the job row (`codes`) only from the request's commit until the task has
written the PDF (or failed, or the job expired unrun): then they are wiped, and the file is the
only place they remain."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import JSON, ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.models import UTCDateTime, utcnow
from gridapp.core.tasks import claim_job, remove_expired_files, requeue_when_waiting, task
from gridapp.core.time import format_date, local, now
from gridapp.extensions import db
from gridapp.schools.models import SchoolClass

KEEP = timedelta(hours=24)
CHUNK = 12  # letters rendered at a time: the progress steps


class LetterJob(db.Model):
    """One run of a class's letters: queued → running → done (file) or failed."""

    __tablename__ = "activation_letter_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    codes: Mapped[list] = mapped_column(JSON, default=list)  # [[guardian id, code]] until rendered
    status: Mapped[str] = mapped_column(String(10), default="queued")  # running, done, failed
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    file: Mapped[str] = mapped_column(String(80), default="")
    url: Mapped[str] = mapped_column(String(300), default="")  # the activation page's address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    school_class: Mapped[SchoolClass] = relationship()

    @property
    def expired(self) -> bool:
        return now() >= self.expires_at

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def letters_dir() -> Path:
    """The folder of the finished files (the dossier exports' folder)."""
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_filename(job: LetterJob) -> tuple[str, str]:
    """(download name, ASCII fallback): "三年级（1）班-家长激活通知-2026-11-30.pdf",
    "activation-letters-<class id>.pdf"."""
    on = local(job.created_at).date().isoformat()
    name = _("%(c)s-家长激活通知-%(d)s.pdf", c=job.school_class.name, d=on)
    return name, f"activation-letters-{job.class_id}.pdf"


def start(actor, school_class: SchoolClass, url: str, reissue: bool) -> LetterJob:
    """New codes for the class's guardians (activation.issue_letters: a guardian whose open
    code is on another class's letter keeps it unless `reissue`) and the job that prints them,
    in the caller's transaction (`url`: the address of /activate the letters print); the caller queues `make(job.id)` after its commit. Raises
    RuleViolation when no guardian gets a letter."""
    from gridapp.people import activation

    job = LetterJob(
        requester_id=actor.id, school_id=school_class.school_id, class_id=school_class.id,
        codes=[], url=url[:300], expires_at=now() + KEEP,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    issued = activation.issue_letters(actor, school_class, job_id=job.id, reissue=reissue)
    if not issued:
        raise RuleViolation(_("没有需要生成激活通知的家长"))
    job.codes = [[guardian_id, code] for guardian_id, code in issued]
    job.total = len(issued)
    db.session.flush()
    return job


@task()
def make(job_id: int) -> None:
    """Render the job's letters (CHUNK at a time, committing progress), write one PDF, wipe the
    plain codes. Run once however often it is queued: "queued" → "running" by a conditional
    UPDATE, and only the run that moved it works. A failure wipes the codes too (the letters
    must be generated again)."""
    from gridapp.core.pdf import render
    from gridapp.people import activation

    job = claim_job(LetterJob, job_id)
    if job is None:
        return
    try:
        codes = {int(g): c for g, c in job.codes}
        school_class = job.school_class
        letters = activation.letters_for(school_class, codes)
        pdfs = []
        for i in range(0, len(letters), CHUNK):
            html = render_template(
                "people/activation_letters_pdf.html", school_class=school_class,
                school=school_class.school, letters=letters[i : i + CHUNK], url=job.url,
                issued_on=format_date(local(job.created_at).date()),
            )  # fmt: skip
            pdfs.append(render(html))
            job.done = min(job.total, i + CHUNK)
            db.session.commit()
        name = f"{secrets.token_hex(16)}.pdf"
        (letters_dir() / name).write_bytes(_combine(pdfs))
        job.file, job.status, job.codes = name, "done", []
        job.done = job.total
        job.expires_at = now() + KEEP  # 24 hours from when the file exists
    except Exception:
        db.session.rollback()
        job = db.session.get(LetterJob, job_id)
        job.status, job.codes = "failed", []
        current_app.logger.exception("letters job %s failed", job_id)
    db.session.commit()


def _combine(pdfs: list[bytes]) -> bytes:
    if len(pdfs) == 1:
        return pdfs[0]
    import pypdf

    writer = pypdf.PdfWriter()
    for data in pdfs:
        writer.append(io.BytesIO(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def downloaded(user, job: LetterJob) -> None:
    """Audit a download of the letters (the codes are in the file)."""
    audit.record(
        user, "guardian.activation_letters.download", job.school_class,
        school_id=job.school_id, job=job.id, letters=job.total,
    )  # fmt: skip


def latest_job(class_id: int) -> LetterJob | None:
    """The class's newest letters job, for the letters page (its state survives a reload)."""
    return db.session.scalar(
        select(LetterJob).where(LetterJob.class_id == class_id).order_by(LetterJob.id.desc())
    )


def remove_expired() -> int:
    """Delete letters files older than 24 hours, and wipe the codes of jobs that expired
    without running (marked failed); returns how many files this run removed. Each file is let
    go by a conditional UPDATE (`file = <its name>`), so two runs at once remove it once."""
    db.session.execute(
        update(LetterJob)
        .where(LetterJob.expires_at < now(), LetterJob.status.in_(("queued", "running")))
        .values(status="failed", codes=[])
        .execution_options(synchronize_session=False)
    )
    return remove_expired_files(LetterJob, letters_dir())


# A job whose queueing failed (the queue down) is queued again once it answers.
requeue_when_waiting(LetterJob, make)
