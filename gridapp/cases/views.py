"""Case pages: the principal's desk (the school's cases), one case with its history and the moves
of the loop, staff registration, the assignee's list and the district's supervision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import User
from gridapp.cases import mailbox, services
from gridapp.cases.forms import (
    ApprovalForm,
    AssignForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    SubmitForm,
    SuperviseForm,
)
from gridapp.cases.models import Case, CaseStatus
from gridapp.cases.permissions import load_case
from gridapp.core import storage
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_status, fresh, reload_to, submit
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.schools.permissions import district_school_ids, leader_school_ids

bp = Blueprint("cases", __name__)


def _me() -> User:
    return current_user._get_current_object()


def _assign_form(case: Case, fresh: bool = False) -> AssignForm:
    form = AssignForm(formdata=None) if fresh else AssignForm()
    staff = services.assignable_staff(case.school_id)
    form.assignee_id.choices = [("", _("（按部门交办）"))] + [(u.id, u.name) for u in staff]
    return form


def _case_page(case: Case, status: int | None = None, assign_form: AssignForm | None = None,
               **forms):  # fmt: skip
    """The case page; `forms` are the page's forms bound to a POST that is shown again (the
    others are shown fresh), and the status is that form's (422, 409) unless given."""
    user = _me()
    events = services.case_events(case)
    grid = case.grid
    leader = case.school_id in leader_school_ids(user)
    supervisor = user.is_district and case.school_id in district_school_ids(user)
    letter = case.letter
    merged = services.merged_into(case)
    state = case.status
    return render_template(
        "cases/case.html",
        case=case,
        events=events,
        grid=grid,
        letter=letter,
        merged=merged,
        leader=leader,
        supervisor=supervisor,
        # The writer of a letter: the school's leaders only, never for an anonymous letter.
        show_writer=leader and letter is not None and not letter.anonymous,
        attachment_label=mailbox.attachment_label,
        labels=services.ACTION_LABELS,
        may={
            "register": leader and state is CaseStatus.COLLECTED,
            "submit": leader and state is CaseStatus.REGISTERED,
            "assign": leader and state in services.OPEN,
            "reply": services.can_answer(user, case) and state in services.OPEN,
            "approve": services.is_principal(user, case.school_id) and bool(case.reply_draft),
            "archive": leader and state is CaseStatus.REPLIED,
            "merge": leader and (state in services.OPEN or state is CaseStatus.COLLECTED),
            "note": leader or case.assignee_id == user.id,
            "tell": grid is not None
            and user.id in {grid.grid_teacher_id, grid.deputy_id, case.recorded_by_id}
            and state in {CaseStatus.REPLIED, CaseStatus.ARCHIVED}
            and case.family_told_at is None,
            "supervise": supervisor,
        },
        assign_form=assign_form or (_assign_form(case, fresh=True) if leader else None),
        forms={
            "submit": forms.get("submit") or fresh(SubmitForm),
            "note": forms.get("note") or fresh(NoteForm),
            "reply": forms.get("reply") or fresh(ReplyForm),
            "approval": forms.get("approval") or fresh(ApprovalForm, reply=case.reply_draft),
            "merge": forms.get("merge") or fresh(MergeForm),
            "supervise": forms.get("supervise") or fresh(SuperviseForm),
        },
        canned=services.canned_replies(case.school_id, case.category),
        overdue=services.is_overdue(case),
        today=today(),
    ), status or form_status(assign_form, *forms.values())


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int):
    return _case_page(load_case(case_id))


def _leader_case(case_id: int) -> Case:
    case = load_case(case_id)
    if case.school_id not in leader_school_ids(_me()):
        abort(404)
    return case


def _done(case: Case, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect_303(url_for(".case", case_id=case.id))


def _case_form(case: Case, name: str, form, action, message):
    """A form of the case page through the one POST sequence: back to the case, or the case
    page again with this form's input and messages."""
    done = submit(form, action, then=url_for(".case", case_id=case.id), message=message)
    return done or _case_page(case, **{name: form})


@bp.route("/cases/<int:case_id>/moves/<move>", methods=["GET", "POST"])
@login_required
def move(case_id: int, move: str):
    """The leaders' moves of the loop: register, submit, assign, archive, merge, note."""
    user = _me()
    if move == "note":
        case = load_case(case_id)
        if case.school_id not in leader_school_ids(user) and case.assignee_id != user.id:
            abort(404)
    else:
        case = _leader_case(case_id)
    if request.method == "GET":
        return reload_to(url_for(".case", case_id=case.id))
    try:
        if move == "register":
            services.register(user, case)
            return _done(case, _("已登记，办理期限 %(d)s", d=case.due_on.isoformat()))
        if move == "submit":
            form = SubmitForm()
            return _case_form(
                case, "submit", form, lambda: services.submit(user, case, form.note.data or ""),
                _("已提交校领导"),
            )  # fmt: skip
        if move == "assign":
            form = _assign_form(case)

            def assign():
                assignee = (
                    db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
                )
                services.assign(
                    user, case, assignee, form.department.data or "", form.workdays.data,
                    form.note.data or "",
                )  # fmt: skip

            done = submit(form, assign, then=url_for(".case", case_id=case.id),
                          message=lambda _r: _("已交办，须在 %(d)s 前答复", d=case.due_on.isoformat()))  # fmt: skip
            return done or _case_page(case, assign_form=form)
        if move == "archive":
            services.archive(user, case)
            return _done(case, _("已存档"))
        if move == "merge":
            form = MergeForm()

            def merge():
                into = db.session.get(Case, form.into.data)
                if into is None or into.school_id != case.school_id:
                    raise RuleViolation(_("只能并入本校的另一条意见"), field="into")
                services.merge(user, case, into)

            return _case_form(case, "merge", form, merge, _("已并入 #%(n)d", n=form.into.data or 0))
        if move == "note":
            form = NoteForm()
            return _case_form(
                case, "note", form, lambda: services.add_note(user, case, form.note.data or ""),
                _("备注已保存（家长看不到）"),
            )  # fmt: skip
    except PermissionError:
        abort(404)
    abort(404)


@bp.route("/cases/<int:case_id>/reply", methods=["GET", "POST"])
@login_required
def reply(case_id: int):
    """The answer for the parent: published, or a draft for the principal's approval."""
    user = _me()
    case = load_case(case_id)
    if not services.can_answer(user, case):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".case", case_id=case.id))
    form = ReplyForm()
    return _case_form(
        case, "reply", form, lambda: services.reply(user, case, form.reply.data or ""),
        lambda published: _("已答复家长") if published
        else _("答复已提交，等待校长审核后告知家长"),
    )  # fmt: skip


@bp.route("/cases/<int:case_id>/approval", methods=["GET", "POST"])
@login_required
def approval(case_id: int):
    """The principal approves the drafted reply (possibly corrected) or sends it back."""
    user = _me()
    case = _leader_case(case_id)
    if request.method == "GET":
        return reload_to(url_for(".case", case_id=case.id))
    form = ApprovalForm()
    reject = form.decision.data == "reject"

    def decide():
        if reject:
            services.reject_reply(user, case, form.note.data or "")
        else:
            services.approve_reply(user, case, form.reply.data or None)

    try:
        return _case_form(
            case, "approval", form, decide, _("答复已退回修改") if reject else _("答复已审核发布")
        )
    except PermissionError:
        abort(404)


@bp.post("/cases/<int:case_id>/told")
@login_required
def family_told(case_id: int):
    user = _me()
    case = load_case(case_id)
    grid = case.grid
    if grid is None or user.id not in {grid.grid_teacher_id, grid.deputy_id, case.recorded_by_id}:
        abort(404)
    services.family_told(user, case)
    return _done(case, _("已记录：答复已告知家长"))


@bp.route("/cases/<int:case_id>/supervision", methods=["GET", "POST"])
@login_required
def supervise(case_id: int):
    """A district supervisor's comment (督查), possibly requiring the case handled again."""
    user = _me()
    case = load_case(case_id)
    if not (user.is_district and case.school_id in district_school_ids(user)):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".case", case_id=case.id))
    form = SuperviseForm()
    return _case_form(
        case, "supervise", form,
        lambda: services.supervise(user, case, form.comment.data or "", form.reopen.data),
        _("督查意见已记录"),
    )  # fmt: skip


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    """A letter's attachment: the school's leaders only, every view audited."""
    from gridapp.cases.models import LetterAttachment
    from gridapp.core import audit

    case = _leader_case(case_id)
    att = db.session.get(LetterAttachment, attachment_id)
    if att is None or case.letter is None or att.letter_id != case.letter.id:
        abort(404)
    path = storage.existing(
        mailbox.attachment_path(att), _("附件文件已丢失，请联系信息管理员从备份中恢复")
    )
    audit.record(_me(), "letter.attachment.view", case, attachment_id=att.id)
    db.session.commit()
    mimetype = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[att.kind]
    number = [a.id for a in case.letter.attachments].index(att.id) + 1
    response = send_file(path, mimetype=mimetype, max_age=0)
    response.headers["Content-Disposition"] = storage.content_disposition(
        *mailbox.attachment_filename(att, number)
    )
    return response
