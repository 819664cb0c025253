"""Staff import pages (issue 15 items 1 and 5): the template, upload → preview → commit, and the
new accounts' one-time invitation links, shown once after the commit (also as .xlsx)."""

from __future__ import annotations

import base64

from flask import Response, render_template, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.core import storage, xlsx
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import attempt, form_page, fresh, reload_to
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import get_or_404, real_user, require
from gridapp.core.time import today
from gridapp.roster import staff
from gridapp.roster.staff_forms import StaffCommitForm, StaffInviteForm, StaffUploadForm
from gridapp.roster.views import bp
from gridapp.schools.models import School


@bp.app_template_global("may_import_staff")
def may_import_staff(school) -> bool:
    """The school's admin loads its staff list (docs/domain.md: the school admin loads rosters)."""
    user = real_user(current_user)
    return bool(user is not None and user.is_authenticated) and user.has_role(
        Role.SCHOOL_ADMIN, school.id
    )


def _school(school_id: int) -> School:
    school = get_or_404(School, school_id)
    require(may_import_staff(school))
    return school


@bp.get("/schools/<int:school_id>/staff/template.xlsx")
@login_required
def staff_template(school_id: int):
    """The staff template: note row, headers, example row."""
    _school(school_id)
    return Response(
        staff.template_bytes(),
        mimetype=xlsx.XLSX_MIMETYPE,
        headers={
            "Content-Disposition": storage.content_disposition(
                _("教职工导入模板.xlsx"), "staff-template.xlsx"
            )
        },
    )


def _preview(school: School, chosen: storage.Chosen, rows, commit_form=None):
    checked = staff.check_rows(school, rows)
    the_plan = staff.plan(school, checked)
    form = commit_form or fresh(StaffCommitForm, token=chosen.token)
    status = 422 if the_plan.errors else (getattr(form, "status", None) or 200)
    if form.form_errors and status == 200:
        status = 422
    return render_template(
        "roster/staff_preview.html",
        school=school,
        plan=the_plan,
        file_name=chosen.name,
        form=form,
        labels=staff.STATUS_LABELS,
    ), status


@bp.route("/schools/<int:school_id>/staff/import", methods=["GET", "POST"])
@login_required
def staff_import(school_id: int):
    """Upload a staff list: the preview follows at once; nothing is written before "确认导入"."""
    school = _school(school_id)
    form = StaffUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(staff.MAX_FILE_BYTES + 1)
        try:
            rows = staff.read_file(data, upload.filename or "")
        except RuleViolation as e:
            form.add_violation(e)
        else:
            return _preview(school, storage.keep_pending(data, upload.filename or ""), rows)
    return _import_page(form, school)


def _import_page(form, school: School):
    return form_page(
        "roster/staff_import.html",
        form,
        school=school,
        without_password=len(staff.without_password(school)),
        invite_form=fresh(StaffInviteForm),
    )


@bp.route("/schools/<int:school_id>/staff/import/commit", methods=["GET", "POST"])
@login_required
def staff_commit(school_id: int):
    """Commit the previewed file (checked again: the school may have changed meanwhile) in one
    transaction, then show the new accounts' links once."""
    school = _school(school_id)
    form = StaffCommitForm()
    back = url_for(".staff_import", school_id=school.id)
    if not form.is_submitted():
        return reload_to(back)
    chosen = storage.pending(form.token.data or "")
    upload = fresh(StaffUploadForm)
    if chosen is None:
        upload.form_errors.append(_("文件已过期，请重新上传"))
        return _import_page(upload, school)
    try:
        rows = staff.read_file(chosen.data, chosen.name)
    except RuleViolation as e:
        upload.form_errors.append(e.message)
        return _import_page(upload, school)
    the_plan = staff.plan(school, staff.check_rows(school, rows))
    if the_plan.errors:
        return _preview(school, chosen, rows, form)

    def run():
        storage.discard_on_commit([chosen])
        return staff.apply(real_user(current_user), school, the_plan)

    done, applied = attempt(form, run)
    if not done:
        return _preview(school, chosen, rows, form)

    return _links_page(school, applied, the_plan.absent)


def _links_page(school: School, applied: staff.Applied, absent, invitations_only=False):
    """The links of new accounts, shown once: a table to copy from and the .xlsx to download
    (a data: link, so the tokens are kept nowhere on the server)."""

    def link(token: str) -> str:
        return url_for("accounts.invitation", token=token, _external=True)

    links = staff.invitations_bytes(school, applied.created, link) if applied.created else b""
    return render_template(
        "roster/staff_done.html",
        school=school,
        applied=applied,
        link=link,
        absent=absent,
        invitations_only=invitations_only,
        xlsx_href=f"data:{xlsx.XLSX_MIMETYPE};base64,{base64.b64encode(links).decode()}",
        xlsx_name=_(
            "%(school)s-教师账号设置密码链接-%(on)s.xlsx",
            school=school.name,
            on=today().isoformat(),
        ),  # fmt: skip
    )


@bp.route("/schools/<int:school_id>/staff/invitations", methods=["GET", "POST"])
@login_required
def staff_invitations(school_id: int):
    """New one-time links for the school's staff who have no password yet (an import through
    the roster import page, lost or expired links), shown once like after an import."""
    school = _school(school_id)
    form = StaffInviteForm()
    if not form.is_submitted():
        return reload_to(url_for(".staff_import", school_id=school.id))
    done, created = attempt(
        form, lambda: staff.invite_without_password(real_user(current_user), school)
    )
    if not done:
        return reload_to(url_for(".staff_import", school_id=school.id))
    return _links_page(school, staff.Applied(created=created), [], invitations_only=True)
