"""Case pages: the principal's desk (the school's cases), one case with its history and the moves
of the loop, staff registration, the assignee's list and the district's supervision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.cases import mailbox, services
from gridapp.cases.forms import (
    ApprovalForm,
    AssignForm,
    CannedForm,
    ClosureForm,
    DeadlinesForm,
    MergeForm,
    NoteForm,
    OfficialDayForm,
    RegisterCaseForm,
    ReplyForm,
    SubmitForm,
    SuperviseForm,
)
from gridapp.cases.models import Case, CaseCategory, CaseEvent, CaseSource, CaseStatus, Letter
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import ActionForm, form_page, form_status, fresh, reload_to, submit
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate
from gridapp.core.permissions import (
    Need,
    district_school_ids,
    leader_school_ids,
    load_case,
    load_school,
    require,
)
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.grids.models import Grid
from gridapp.schools.models import School

bp = Blueprint("cases", __name__)


def _me() -> User:
    return current_user._get_current_object()


def _filtered(q, args):
    status = args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        q = q.where(Case.status == CaseStatus(status))
    source = args.get("source", "")
    if source in {s.value for s in CaseSource}:
        q = q.where(Case.source == CaseSource(source))
    category = args.get("category", "")
    if category in {c.value for c in CaseCategory}:
        q = q.where(Case.category == CaseCategory(category))
    view = args.get("view", "")
    if view == "overdue":
        q = q.where(Case.status.in_(sorted(services.OPEN)), Case.due_on < today())
    elif view == "approval":
        q = q.where(Case.reply_draft != "", Case.status.in_(sorted(services.OPEN)))
    elif view == "open":
        q = q.where(Case.status.in_(sorted(services.OPEN | {CaseStatus.COLLECTED})))
    return q, {"status": status, "source": source, "category": category, "view": view}


def _desk_counts(school_ids) -> dict:
    """The desk's figures in one query: by state, overdue, waiting for approval."""
    open_states = sorted(services.OPEN)
    row = db.session.execute(
        select(
            func.count().label("total"),
            func.sum(sql_case((Case.status == CaseStatus.COLLECTED, 1), else_=0)).label("new"),
            func.sum(sql_case((Case.status.in_(open_states), 1), else_=0)).label("open"),
            func.sum(
                sql_case(((Case.status.in_(open_states)) & (Case.due_on < today()), 1), else_=0)
            ).label("overdue"),
            func.sum(
                sql_case(((Case.status.in_(open_states)) & (Case.reply_draft != ""), 1), else_=0)
            ).label("approval"),
        ).where(Case.school_id.in_(sorted(school_ids)))
    ).one()
    return {k: int(getattr(row, k) or 0) for k in ("total", "new", "open", "overdue", "approval")}


@bp.get("/schools/<int:school_id>/cases")
@login_required
def school_cases(school_id: int):
    """The principal's desk: the school's cases by state and deadline, what waits for approval."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    q, filters = _filtered(select(Case).where(Case.school_id == school.id), request.args)
    order = (
        (Case.due_on.is_(None), Case.due_on, Case.id)
        if filters["view"] in {"overdue", "open"}
        else (Case.id.desc(),)
    )
    page = paginate(q.options(joinedload(Case.assignee)).order_by(*order))
    return page_or_fragment(
        "cases/school_cases.html",
        "cases/_partials/case_rows.html",
        school=school,
        page=page,
        counts=_desk_counts({school.id}),
        statuses=list(CaseStatus),
        sources=list(CaseSource),
        categories=list(CaseCategory),
        today=today(),
        **filters,
    )


@bp.route("/schools/<int:school_id>/cases/new", methods=["GET", "POST"])
@login_required
def register_case(school_id: int):
    """A paper letter, a walk-in, a hotline call or an online message, registered by staff."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    form = RegisterCaseForm()
    form.source.choices = [(s.value, s.label) for s in services.STAFF_SOURCES]
    done = submit(
        form,
        lambda: services.register_by_staff(
            _me(), school.id, CaseSource(form.source.data), CaseCategory(form.category.data),
            form.subject.data, form.words.data, form.wants_answer.data,
        ),
        then=lambda case: url_for(".case", case_id=case.id),
        message=lambda case: _("已登记，编号 #%(n)d", n=case.id),
    )  # fmt: skip
    if done:
        return done
    return form_page("cases/register_case.html", form, school=school)


def _assign_form(case: Case, fresh: bool = False) -> AssignForm:
    form = AssignForm(formdata=None) if fresh else AssignForm()
    staff = db.session.execute(
        select(User.id, User.name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.school_id == case.school_id,
            UserRole.role.in_([Role.TEACHER, Role.PRINCIPAL, Role.SCHOOL_ADMIN]),
            User.active,
        )
        .distinct()
        .order_by(User.name)
    ).all()
    form.assignee_id.choices = [("", _("（按部门交办）"))] + [(u.id, u.name) for u in staff]
    return form


def _case_page(case: Case, status: int | None = None, assign_form: AssignForm | None = None,
               **forms):  # fmt: skip
    """The case page; `forms` are the page's forms bound to a POST that is shown again (the
    others are shown fresh), and the status is that form's (422, 409) unless given."""
    user = _me()
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.id)
    ).all()
    grid = db.session.get(Grid, case.grid_id) if case.grid_id else None
    leader = case.school_id in leader_school_ids(user)
    supervisor = user.is_district and case.school_id in district_school_ids(user)
    letter = case.letter
    merged = db.session.scalars(select(Case).where(Case.merged_into_id == case.id)).all()
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
    grid = db.session.get(Grid, case.grid_id) if case.grid_id else None
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
    audit.record(_me(), "letter.attachment.view", case, attachment_id=att.id)
    db.session.commit()
    mimetype = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[att.kind]
    return send_file(mailbox.attachment_path(att), mimetype=mimetype, max_age=0)


@bp.get("/my/cases")
@login_required
def my_cases():
    """Cases assigned to me, nearest deadline first."""
    user = _me()
    q = (
        select(Case)
        .where(
            Case.assignee_id == user.id,
            Case.school_id.in_(sorted(user.staff_school_ids)),
        )
        .order_by(Case.status.in_(sorted(services.OPEN)).desc(), Case.due_on, Case.id)
    )
    page = paginate(q)
    if not page.total and not user.staff_school_ids:
        abort(404)
    return render_template("cases/my_cases.html", page=page, today=today())


# ---- district supervision -------------------------------------------------------------------------


@bp.get("/district/cases")
@login_required
def district_cases():
    """Every school's cases: counts by category and source, on-time rate, average time to reply,
    and the overdue list. No writer's identity, no family data."""
    user = _me()
    schools = district_school_ids(user)
    if not user.is_district:
        abort(404)
    rows = db.session.execute(
        select(
            Case.school_id,
            func.count().label("total"),
            func.sum(sql_case((Case.status.in_(sorted(services.OPEN)), 1), else_=0)).label("open"),
            func.sum(
                sql_case(
                    ((Case.status.in_(sorted(services.OPEN))) & (Case.due_on < today()), 1),
                    else_=0,
                )
            ).label("overdue"),
            func.sum(sql_case((Case.replied_at.is_not(None), 1), else_=0)).label("replied"),
        )
        .where(Case.school_id.in_(sorted(schools)))
        .group_by(Case.school_id)
    ).all()
    by_school = {r.school_id: r for r in rows}
    replied = db.session.execute(
        select(Case.school_id, Case.created_at, Case.replied_at, Case.due_on).where(
            Case.school_id.in_(sorted(schools)), Case.replied_at.is_not(None)
        )
    ).all()
    timing: dict[int, dict] = {}
    for r in replied:
        t = timing.setdefault(r.school_id, {"hours": 0.0, "n": 0, "on_time": 0})
        t["hours"] += (r.replied_at - r.created_at).total_seconds() / 3600
        t["n"] += 1
        from gridapp.core.time import local

        if r.due_on is None or local(r.replied_at).date() <= r.due_on:
            t["on_time"] += 1
    by_category = db.session.execute(
        select(Case.category, func.count())
        .where(Case.school_id.in_(sorted(schools)))
        .group_by(Case.category)
    ).all()
    by_source = db.session.execute(
        select(Case.source, func.count())
        .where(Case.school_id.in_(sorted(schools)))
        .group_by(Case.source)
    ).all()
    overdue = db.session.scalars(
        select(Case)
        .where(
            Case.school_id.in_(sorted(schools)),
            Case.status.in_(sorted(services.OPEN)),
            Case.due_on < today(),
        )
        .order_by(Case.due_on, Case.id)
        .limit(200)
    ).all()
    names = dict(
        db.session.execute(
            select(School.id, School.name).where(School.id.in_(sorted(schools))).order_by(School.id)
        ).all()
    )
    return render_template(
        "cases/district_cases.html",
        names=names,
        by_school=by_school,
        timing=timing,
        by_category=by_category,
        by_source=by_source,
        overdue=overdue,
        today=today(),
    )


# ---- settings: deadlines, approval, canned replies, closures; the district's official days ----


@bp.route("/schools/<int:school_id>/case-settings", methods=["GET", "POST"])
@login_required
def case_settings(school_id: int):
    """Deadlines per category in working days, whether replies need the principal's approval,
    canned replies, and the school's closures. Leaders see them; the school admin and the
    principal change them."""
    from gridapp.cases.models import CannedReply
    from gridapp.core.workdays import WorkCalendar
    from gridapp.schools import services as school_services
    from gridapp.schools.models import SchoolClosure

    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(user))
    workdays = {c: services.workdays_for(school.id, c) for c in CaseCategory}
    approval = services.settings_for(school.id).reply_needs_approval
    forms = {
        "deadlines": fresh(
            DeadlinesForm, approval=approval, **{c.value: workdays[c] for c in CaseCategory}
        ),
        "canned": fresh(CannedForm),
        "closure": fresh(ClosureForm),
    }
    if request.method == "POST":
        sent = ActionForm()
        action = sent.action.data

        def row_of(model):
            row = db.session.get(model, sent.id.data or 0)
            if row is None or row.school_id != school.id:
                abort(404)
            return row

        if action == "deadlines":
            form = forms[action] = DeadlinesForm()
            run = lambda: services.set_deadlines(  # noqa: E731
                user, school.id, {c: form[c.value].data for c in CaseCategory},
                form.approval.data,
            )  # fmt: skip
            message = _("办理期限已保存")
        elif action == "canned":
            form = forms[action] = CannedForm()
            run = lambda: services.add_canned_reply(  # noqa: E731
                user, school.id, CaseCategory(form.category.data), form.title.data,
                form.text.data,
            )  # fmt: skip
            message = _("常用答复已添加")
        elif action == "remove_canned":
            form = sent
            run = lambda: services.remove_canned_reply(user, row_of(CannedReply))  # noqa: E731
            message = _("常用答复已删除")
        elif action == "closure":
            form = forms[action] = ClosureForm()
            run = lambda: school_services.add_closure(  # noqa: E731
                user, school, form.on.data, form.reason.data or ""
            )
            message = _("停课日已登记")
        elif action == "remove_closure":
            form = sent
            run = lambda: school_services.remove_closure(user, row_of(SchoolClosure))  # noqa: E731
            message = _("停课日已删除")
        else:
            form, message = sent, None

            def run():
                raise RuleViolation(_("未知的操作"))

        done = submit(
            form, run, then=url_for(".case_settings", school_id=school.id), message=message
        )
        if done:
            return done
        forms.setdefault("row", form)
    closures = db.session.scalars(
        select(SchoolClosure).where(SchoolClosure.school_id == school.id).order_by(SchoolClosure.on)
    ).all()
    canned = db.session.scalars(
        select(CannedReply)
        .where(CannedReply.school_id == school.id)
        .order_by(CannedReply.category, CannedReply.title)
    ).all()
    cal = WorkCalendar(school.district_id, school.id)
    year = today().year
    return render_template(
        "cases/case_settings.html",
        school=school,
        forms=forms,
        closures=closures,
        canned=canned,
        categories=list(CaseCategory),
        sources={y: cal.source(y) for y in (year, year + 1)},
    ), form_status(*forms.values())


@bp.route("/district/calendar", methods=["GET", "POST"])
@login_required
def district_calendar():
    """The official holiday schedule of years the holiday library does not know (entered by the
    district admin), and where each year's working days come from."""
    from gridapp.core.workdays import WorkCalendar
    from gridapp.schools import services as school_services
    from gridapp.schools.models import OfficialDay

    user = _me()
    if not user.is_district:
        abort(404)
    form, sent = fresh(OfficialDayForm), None
    if request.method == "POST":
        if not user.has_role(Role.DISTRICT_ADMIN):
            abort(404)
        sent = ActionForm()
        if sent.action.data == "remove":

            def run():
                row = db.session.get(OfficialDay, sent.id.data or 0)
                if row is None or row.district_id != user.district_id:
                    abort(404)
                school_services.remove_official_day(user, row)
        else:
            form, sent = OfficialDayForm(), None

            def run():
                school_services.add_official_day(
                    user, user.district_id, form.on.data, form.kind.data == "workday",
                    form.name.data or "",
                )  # fmt: skip

        done = submit(
            sent or form, run, then=url_for(".district_calendar"), message=_("放假安排已保存")
        )
        if done:
            return done
    days = db.session.scalars(
        select(OfficialDay)
        .where(OfficialDay.district_id == user.district_id)
        .order_by(OfficialDay.on)
    ).all()
    cal = WorkCalendar(user.district_id)
    year = today().year
    return render_template(
        "cases/district_calendar.html",
        days=days,
        sources={y: cal.source(y) for y in (year, year + 1, year + 2)},
        may_edit=user.has_role(Role.DISTRICT_ADMIN),
        form=form,
        sent=sent,
    ), form_status(form, sent)


@bp.get("/my/letters")
@login_required
def my_letters():
    """A logged-in parent's named letters to the mailbox, with their status and public replies."""
    user = _me()
    if not user.is_guardian:
        abort(404)
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.guardian_user_id == user.id)
        .options(joinedload(Letter.case))
        .order_by(Letter.id.desc())
        .limit(100)
    ).all()
    return render_template("cases/my_letters.html", letters=letters)
