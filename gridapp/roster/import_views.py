"""Roster import routes: the upload page with the templates, the preview of a kept file, its
commit (at once, or as a background job with progress), the error rows as `.xlsx`, marking
students absent from the file, and the review of automatic family links.

Who: the school's leaders, its admin and its principal (schools.permissions.is_school_leader:
those who see the sensitive family data a roster holds, as for the roster export). Anyone else
gets 404 (teachers, the district, another school's admin), also for a kept file (its token is
the uploader's own) and for a job (its requester's own).
"""

from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.core import audit, storage
from gridapp.core.errors import RuleViolation, abort_with
from gridapp.core.forms import form_page, fresh, reload_to, submit
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import page_of, paginate
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import StudentStatus
from gridapp.roster import kinds, parse, services
from gridapp.roster.forms import AbsentForm, CommitForm, SplitForm, UploadForm
from gridapp.roster.models import ImportJob
from gridapp.roster.views import bp
from gridapp.schools.permissions import is_school_leader, load_school

CHANGES_SHOWN = 200
ABSENT_SHOWN = 300


def _user():
    return current_user._get_current_object()


@bp.app_template_global("may_import_roster")
def may_import_roster(school) -> bool:
    """For the school page's link: the current user may import this school's rosters."""
    user = real_user(current_user)
    return bool(user is not None and user.is_authenticated) and is_school_leader(user, school.id)


def _school(school_id: int):
    """The school, for its admin and principal; 404 for anyone else."""
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(real_user(current_user), school.id))
    return school


@bp.route("/schools/<int:school_id>/roster/import", methods=["GET", "POST"])
@login_required
def import_page(school_id: int):
    """The upload form, the templates, the school's recent import jobs (empty state: how)."""
    school = _school(school_id)
    if request.method == "POST" and (request.content_length or 0) > parse.MAX_BYTES + 65536:
        abort_with(413, _("文件超过 10 MB，请分成几个文件上传（每个文件最多 %(n)s 行）",
                          n=parse.MAX_ROWS))  # fmt: skip
    form = UploadForm()
    if request.method == "POST":

        def keep():
            upload = form.file.data
            data = upload.stream.read(parse.MAX_BYTES + 1)
            services.check_file(data)
            kind = services.kind_of(form.kind.data)
            parse.read_table(data, upload.filename or "", kind)  # the file's own faults, now
            return storage.keep_pending(data, upload.filename or _("名单"))

        done = submit(
            form,
            keep,
            then=lambda chosen: url_for(
                ".import_preview", school_id=school.id, kind=form.kind.data, token=chosen.token
            ),
        )
        if done is not None:
            return done
    jobs = db.session.scalars(
        db.select(ImportJob)
        .where(ImportJob.school_id == school.id, ImportJob.requester_id == current_user.id)
        .order_by(ImportJob.id.desc())
        .limit(5)
    ).all()
    return form_page(
        "roster/import.html", form, school=school, kinds=kinds.all_kinds(), jobs=jobs,
        max_rows=parse.MAX_ROWS, background_rows=services.BACKGROUND_ROWS,
    )  # fmt: skip


def _kept(school_id: int):
    """(school, kept file, kind) of a preview's query or form; 404 for a token that is not this
    user's (or expired), an unknown kind; None for no token at all."""
    school = _school(school_id)
    token = request.values.get("token", "")
    if not token:
        return school, None, None
    chosen = storage.pending(token)
    kind = kinds.get(request.values.get("kind", "students"))
    if chosen is None or kind is None:
        abort_with(404, _("文件已过期或不存在，请重新上传"))
    return school, chosen, kind


def _preview_of(school, chosen, kind):
    try:
        return services.preview(school, chosen.data, chosen.name, kind.name)
    except RuleViolation as e:  # the file was read at upload; kept files do not change
        abort_with(422, e.message)


@bp.get("/schools/<int:school_id>/roster/import/preview")
@login_required
def import_preview(school_id: int):
    """The preview of a kept file: counts, error rows (paginated), changes, absent students,
    the confirmation. Nothing is written."""
    school, chosen, kind = _kept(school_id)
    if chosen is None:
        return redirect_303(url_for(".import_page", school_id=school.id))
    found = _preview_of(school, chosen, kind)
    form = fresh(CommitForm, token=chosen.token, kind=kind.name)
    return _preview_page(school, chosen, found, form)


def _preview_page(school, chosen, found, form, status: int = 200):
    changes = [c for c in found.plan.changes if c.action != kinds.UNCHANGED]
    absent_form = fresh(AbsentForm, back=request.full_path)
    return (
        render_template(
            "roster/preview.html",
            school=school,
            chosen=chosen,
            found=found,
            form=form,
            errors=page_of(found.plan.errors, per_page=50),
            changes=changes[:CHANGES_SHOWN],
            more_changes=max(0, len(changes) - CHANGES_SHOWN),
            absent=found.plan.absent[:ABSENT_SHOWN],
            more_absent=max(0, len(found.plan.absent) - ABSENT_SHOWN),
            absent_form=absent_form,
            background=found.plan.rows > services.BACKGROUND_ROWS,
        ),  # fmt: skip
        status,
    )


@bp.route("/schools/<int:school_id>/roster/import/commit", methods=["GET", "POST"])
@login_required
def import_commit(school_id: int):
    """Commit a previewed file: all its valid rows in one transaction (error rows only when the
    admin confirmed skipping them); beyond services.BACKGROUND_ROWS rows as a job."""
    school, chosen, kind = _kept(school_id)
    if request.method == "GET" or chosen is None:
        return reload_to(url_for(".import_page", school_id=school.id))
    form = CommitForm()
    found = _preview_of(school, chosen, kind)
    user = _user()
    started: list[ImportJob] = []

    def run():
        skip = form.skip_errors.data if form.skip.data else None
        if found.plan.rows > services.BACKGROUND_ROWS:
            job = services.start_job(user, school, found, chosen.data, chosen.name, skip)
            started.append(job)
            return job
        return services.commit(user, school, found, skip)

    def then(result):
        if started:
            return url_for(".import_job", job_id=started[0].id)
        return url_for(".import_preview", school_id=school.id, kind=kind.name,
                       token=chosen.token, done=1)  # fmt: skip

    def message(result):
        if started:
            return _("已开始导入，完成后本页会显示结果")
        return _("导入完成：新增 %(n)d 行，更新 %(u)d 行，未变 %(s)d 行",
                 n=result["new"], u=result["updated"], s=result["unchanged"])  # fmt: skip

    done = submit(form, run, then=then, message=message)
    if done is None:
        return _preview_page(school, chosen, found, form, 422)
    if started:
        services.run_job(started[0].id)  # after the commit: the job is in the database
    return done


@bp.get("/schools/<int:school_id>/roster/import/errors.xlsx")
@login_required
def import_errors(school_id: int):
    """The error rows of a kept file as `.xlsx`, the reason in the first column."""
    school, chosen, kind = _kept(school_id)
    if chosen is None:
        abort(404)
    found = _preview_of(school, chosen, kind)
    # The rows as uploaded (phones, ID numbers): an export, in the audit log (counts only).
    audit.record(_user(), "roster.import.errors_export", school, school_id=school.id,
                 kind=kind.name, rows=len(found.plan.errors))  # fmt: skip
    db.session.commit()
    stem = chosen.name.rsplit(".", 1)[0] if "." in chosen.name else chosen.name
    name = _("%(name)s-错误行-%(on)s.xlsx", name=stem, on=today().isoformat())
    return Response(
        services.error_workbook(found),
        mimetype=services.XLSX,
        headers={"Content-Disposition": storage.content_disposition(name, "roster-errors.xlsx")},
    )


@bp.get("/schools/<int:school_id>/roster/templates/<kind_name>.xlsx")
@login_required
def import_template(school_id: int, kind_name: str):
    """A kind's template with Chinese headers, a note row and an example row."""
    _school(school_id)
    kind = kinds.get(kind_name)
    if kind is None:
        abort(404)
    name = _("%(kind)s导入模板.xlsx", kind=kind.label)
    return Response(
        services.template_workbook(kind),
        mimetype=services.XLSX,
        headers={
            "Content-Disposition": storage.content_disposition(name, f"{kind.name}-template.xlsx")
        },
    )


@bp.get("/roster/import-jobs/<int:job_id>")
@login_required
def import_job(job_id: int):
    """A background import's progress (polled by htmx until it ends) and its result."""
    job = db.session.get(ImportJob, job_id) if 0 < job_id < 2**31 else None
    if job is None or job.requester_id != current_user.id:
        abort(404)  # the requester's only
    school = _school(job.school_id)
    return page_or_fragment(
        "roster/import_job.html", "roster/_partials/job.html", job=job, school=school
    )


@bp.route("/schools/<int:school_id>/roster/absent", methods=["GET", "POST"])
@login_required
def mark_absent(school_id: int):
    """Mark the ticked students absent from a file as left or transferred."""
    school = _school(school_id)
    form = AbsentForm()
    back = storage_back(form.back.data, school.id)
    if request.method == "GET":
        return reload_to(back)
    user = _user()

    def run():
        return services.mark_absent(
            user, school, form.student_ids.data or [], StudentStatus(form.status.data)
        )

    done = submit(form, run, then=back,
                  message=lambda n: _("已标记 %(n)d 名学生", n=n))  # fmt: skip
    if done is None:
        from gridapp.core.forms import form_errors_text
        from gridapp.core.htmx import toast

        return toast(redirect_303(back), form_errors_text(form))
    return done


def storage_back(target: str | None, school_id: int) -> str:
    """Where a form on the preview goes back to: a local path, else the import page."""
    from gridapp.core.forms import local_path

    return local_path(target) or url_for(".import_page", school_id=school_id)


@bp.get("/schools/<int:school_id>/roster/family-links")
@login_required
def family_links(school_id: int):
    """Every automatic family link of the school's students not split yet: the student, the
    matched guardian with the mobile masked, the family's other children."""
    school = _school(school_id)
    page = paginate(services.family_links_query(school.id), per_page=30)
    members = services.family_members([link.family_id for link in page.items])
    members = {
        link.id: [s for s in members.get(link.student.family_id, []) if s.id != link.student_id]
        for link in page.items
    }
    return render_template("roster/family_links.html", school=school, page=page, members=members)


@bp.route(
    "/schools/<int:school_id>/roster/family-links/<int:link_id>/split", methods=["GET", "POST"]
)
@login_required
def split_family_link(school_id: int, link_id: int):
    """Confirm, then split a wrong automatic link (services.split_link)."""
    school = _school(school_id)
    link = services.load_link(school, link_id)
    if link is None:
        abort(404)
    form = SplitForm()
    if request.method == "POST":
        user = _user()
        done = submit(
            form,
            lambda: services.split_link(user, link),
            then=url_for(".family_links", school_id=school.id),
            message=_("已拆分：该学生已成为独立家庭"),
        )
        if done is not None:
            return done
    return form_page("roster/split_link.html", form, school=school, link=link)
