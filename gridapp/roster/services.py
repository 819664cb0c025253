"""The roster import pipeline, the same for every kind (kinds.py): read the file, plan, show the
preview, and on confirmation apply the plan in one transaction (in the background beyond
BACKGROUND_ROWS rows); templates and the error file as `.xlsx`; marking students absent from a
file as left or transferred; the review of automatic family links and their split.

Error rows and the commit (decided here, issue 15 item 4): a file with error rows is not
committed as it is. The admin either fixes the file and uploads it again, or confirms
"跳过 N 行错误" with the number of error rows the preview showed; the commit then writes the valid
rows only, all of them or none, and refuses when the file's error count is not that number.

Nothing here commits: the view, the CLI command or the job does, once.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from gridapp.core import audit, storage
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.models import utcnow
from gridapp.core.tasks import claim_job, requeue_when_waiting, task
from gridapp.extensions import db
from gridapp.people.models import Family, Guardian, Student, StudentGuardian, StudentStatus
from gridapp.roster import kinds, parse
from gridapp.roster.kinds import Kind, Plan
from gridapp.roster.models import FamilyLink, ImportJob
from gridapp.roster.parse import ImportRefused, Table
from gridapp.schools.models import School

BACKGROUND_ROWS = 1000  # a file with more data rows is committed by a background job
JOB_DIR = "roster"


@dataclass
class Preview:
    """A file read and planned: its kind, its table and the plan (kinds.Plan)."""

    kind: Kind
    table: Table
    plan: Plan

    @property
    def counts(self) -> dict[str, int]:
        return self.plan.counts


def kind_of(name: str | None) -> Kind:
    """The registered kind `name`; RuleViolation (field "kind") for an unknown one."""
    kind = kinds.get(name)
    if kind is None:
        raise RuleViolation(_("不支持的名单类型"), field="kind")
    return kind


def preview(school: School, data: bytes, filename: str, kind_name: str = "students") -> Preview:
    """Read `data` (the uploaded file) as `kind_name` and plan its import into `school`; writes
    nothing. Raises ImportRefused (a RuleViolation on field "file") for a file it cannot read."""
    kind = kind_of(kind_name)
    table = parse.read_table(data, filename, kind)
    return Preview(kind, table, kind.plan(school, table))


def check_skip(result: Plan, skip_errors: int | None) -> None:
    """A plan with error rows is committed only when the admin confirmed skipping exactly that
    many rows (module docstring). RuleViolation (field "skip_errors") otherwise."""
    errors = len(result.errors)
    if errors and skip_errors != errors:
        raise RuleViolation(
            _("文件中有 %(n)s 行错误：请修正后重新上传，或勾选“跳过 %(n)s 行错误”后只导入其余各行",
              n=errors),
            field="skip_errors",
        )  # fmt: skip
    if not result.changes:
        raise RuleViolation(_("文件中没有可以导入的行"), field="skip_errors")


def commit(
    actor, school: School, found: Preview, skip_errors: int | None = None, actor_name=None
) -> dict:
    """Apply a preview's plan (add and flush; the caller commits once): all rows or none.
    Returns the kind's counts; audited as "roster.import" with the counts, never the contents."""
    check_skip(found.plan, skip_errors)
    counts = found.kind.apply(actor, school, found.plan)
    counts["errors_skipped"] = len(found.plan.errors)
    audit.record(actor, "roster.import", school, school_id=school.id, actor_name=actor_name,
                 kind=found.kind.name, rows=found.plan.rows, **counts)  # fmt: skip
    return counts


# ---- background jobs ------------------------------------------------------------------------------


def start_job(actor, school: School, found: Preview, data: bytes, filename: str,
              skip_errors: int | None) -> ImportJob:  # fmt: skip
    """Queue a big file's commit (after checking the same as `commit`): the file kept under the
    instance until the job ends. Call `run_job(job.id)` after the request commits."""
    check_skip(found.plan, skip_errors)
    stored = f"{secrets.token_hex(16)}.bin"
    (storage.upload_dir(JOB_DIR) / stored).write_bytes(data)
    job = ImportJob(
        requester_id=actor.id, school_id=school.id, kind=found.kind.name,
        filename=storage.clean_filename(filename)[:120], stored=stored,
        skip_errors=skip_errors or 0, total=found.plan.rows,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    return job


@task()
def run_job(job_id: int) -> None:
    """Commit a queued import: once however often it is queued (queued → running by a
    conditional UPDATE), the plan made again from the kept file, applied in one transaction;
    the kept file removed at the end. A failure leaves nothing written and the job "failed"
    with its reason."""
    from gridapp.accounts.models import User

    job = claim_job(ImportJob, job_id)
    if job is None:
        return
    path = storage.upload_dir(JOB_DIR) / job.stored
    try:
        school = db.session.get(School, job.school_id)
        actor = db.session.get(User, job.requester_id)
        found = preview(school, path.read_bytes(), job.filename, job.kind)
        job.done, job.total, job.status = found.plan.rows, found.plan.rows, "writing"
        db.session.commit()
        counts = commit(actor, school, found, job.skip_errors or None)
        job = db.session.get(ImportJob, job_id)
        job.counts, job.status, job.finished_at = counts, "done", utcnow()
        db.session.commit()
    except Exception as e:  # the job's page says why; nothing of the import is written
        db.session.rollback()
        job = db.session.get(ImportJob, job_id)
        job.status, job.finished_at = "failed", utcnow()
        if isinstance(e, RuleViolation):
            job.message = e.message[:300]
        else:
            job.message = _("导入失败，名单未做任何修改。请重新上传，或联系管理员。")
            current_app.logger.exception("roster import job %s failed", job_id)
        db.session.commit()
    finally:
        path.unlink(missing_ok=True)


# ---- files ----------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_cell(cell, value) -> None:
    """Write `value` as text: a cell starting with = + - @ is never a formula in Excel."""
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"


def template_workbook(kind: Kind) -> bytes:
    """The kind's template: a note row, the header row (required ones marked *), an example
    row starting with "示例" (parse skips it), columns sized; every cell text-formatted so that
    student numbers and phones keep their leading digits."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = str(kind.label)[:31]
    ws.append([str(kind.note)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(kind.columns))
    ws.row_dimensions[1].height = 60
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(color="666666")
    ws.append([f"{c.label}*" if c.required else c.label for c in kind.columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    example = [c.example for c in kind.columns]
    example[0] = f"{parse.EXAMPLE_MARK}{example[0]}"
    for index, value in enumerate(example, start=1):
        cell = ws.cell(row=3, column=index)
        _text_cell(cell, value)
        cell.font = Font(italic=True, color="888888")
    for index, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        for row in range(3, 1003):
            ws[f"{letter}{row}"].number_format = "@"
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def error_workbook(found: Preview) -> bytes:
    """The error rows of a file as `.xlsx`: the file's own header row with "错误原因" first, then
    each error row as it was (values written as text), to fix and upload again."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = {r.number: r for r in found.table.rows}
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _("错误行")
    ws.append([_("错误原因"), _("原行号"), *found.table.headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for out_row, error in enumerate(found.plan.errors, start=2):
        row = rows.get(error.row)
        for index, value in enumerate([error.reason, error.row, *(row.raw if row else [])], 1):
            _text_cell(ws.cell(row=out_row, column=index), value)
    ws.column_dimensions["A"].width = 50
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- students absent from a file ----------------------------------------------------------------

ABSENT_STATUSES = (StudentStatus.LEFT, StudentStatus.TRANSFERRED)


def mark_absent(actor, school: School, student_ids, status: StudentStatus) -> int:
    """Mark active students of `school` as left or transferred from today (those absent from
    an imported file, ticked by the admin) through people.services.set_students_status (the
    status history, all or nothing, audited there). Students of another school or no longer
    active are left alone. Returns how many changed. RuleViolation for another status or when no
    ticked student can be marked."""
    from gridapp.core.time import today
    from gridapp.people import services as people

    if status not in ABSENT_STATUSES:
        raise RuleViolation(_("只能标记为已离校或已转学"), field="status")
    ids = sorted({int(i) for i in student_ids if 0 < int(i) < 2**31})
    students = (
        db.session.scalars(
            select(Student).where(
                Student.id.in_(ids),
                Student.school_id == school.id,
                Student.status == StudentStatus.ACTIVE,
            )
        ).all()
        if ids
        else []
    )
    if not students:
        raise RuleViolation(_("请先勾选学生"), field="student_ids")
    changes = people.set_students_status(actor, students, status, today())
    audit.record(actor, "roster.mark_absent", school, school_id=school.id, status=str(status),
                 students=len(changes))  # fmt: skip
    return len(changes)


# ---- automatic family links -----------------------------------------------------------------------


def family_links_query(school_id: int):
    """The school's automatic family links not split yet, newest first (for paginate)."""
    from sqlalchemy.orm import joinedload

    return (
        select(FamilyLink)
        .where(FamilyLink.school_id == school_id, FamilyLink.split_at.is_(None))
        .options(
            joinedload(FamilyLink.student).joinedload(Student.school_class),
            joinedload(FamilyLink.matched_guardian),
        )  # fmt: skip
        .order_by(FamilyLink.created_at.desc(), FamilyLink.id.desc())
    )


def family_members(family_ids) -> dict[int, list[Student]]:
    """The students of each family, in one query (the review page names the siblings)."""
    from sqlalchemy.orm import joinedload

    out: dict[int, list[Student]] = {}
    if not family_ids:
        return out
    for student in db.session.scalars(
        select(Student)
        .where(Student.family_id.in_(set(family_ids)))
        .options(joinedload(Student.school_class), joinedload(Student.school))
        .order_by(Student.id)
    ):
        out.setdefault(student.family_id, []).append(student)
    return out


def load_link(school: School, link_id: int) -> FamilyLink | None:
    """The link `link_id` of `school`, or None (the view answers 404)."""
    link = db.session.get(FamilyLink, link_id) if 0 < link_id < 2**31 else None
    return link if link is not None and link.school_id == school.id else None


def split_link(actor, link: FamilyLink) -> Family:
    """Undo a wrong automatic link: the student and the guardians linked only to it move to a
    new family; the link to the matched guardian (someone else's) is removed; the link is
    marked split (kept), audited. RuleViolation when it was split already (conditional UPDATE).
    """
    from sqlalchemy import delete, func

    stamp = utcnow()
    done = db.session.execute(
        update(FamilyLink)
        .where(FamilyLink.id == link.id, FamilyLink.split_at.is_(None))
        .values(split_at=stamp, split_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise RuleViolation(_("这条关联已经拆分过了"))
    student = db.session.get(Student, link.student_id)
    school = db.session.get(School, link.school_id)
    family = Family(district_id=school.district_id)
    db.session.add(family)
    db.session.flush()
    if link.matched_guardian_id is not None:
        db.session.execute(
            delete(StudentGuardian).where(
                StudentGuardian.student_id == student.id,
                StudentGuardian.guardian_id == link.matched_guardian_id,
            )
        )
    # Guardians of this student who are nobody else's move with the student.
    linked_elsewhere = (
        select(StudentGuardian.guardian_id)
        .where(StudentGuardian.student_id != student.id)
        .group_by(StudentGuardian.guardian_id)
        .having(func.count() > 0)
    )
    own = select(StudentGuardian.guardian_id).where(StudentGuardian.student_id == student.id)
    db.session.execute(
        update(Guardian)
        .where(Guardian.id.in_(own), Guardian.id.not_in(linked_elsewhere))
        .values(family_id=family.id, updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Student)
        .where(Student.id == student.id)
        .values(family_id=family.id, updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    audit.record(actor, "roster.family_link.split", student, link=link.id, family=family.id)
    return family


def check_file(data: bytes) -> None:
    """An upload's size, before anything reads it (the view also caps the request)."""
    if len(data) > parse.MAX_BYTES:
        raise ImportRefused(_("文件超过 10 MB，请分成几个文件上传"))


# A job whose queueing failed (the queue down) is queued again once it answers.
requeue_when_waiting(ImportJob, run_job)
