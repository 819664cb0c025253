"""Contact pages: record at the family's door, the record and its history, review, parent rating,
worklists, coverage and rankings, and the schools' quota numbers."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User
from gridapp.contacts import photos as photo_store
from gridapp.contacts import rules, services, worklists
from gridapp.contacts.forms import (
    ContactRecordForm,
    EvaluationForm,
    QuotaForm,
    ReviewForm,
    WithdrawForm,
)
from gridapp.contacts.models import (
    LOW_RATING,
    PARENT_FIELDS,
    RECORD_FIELDS,
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactPhoto,
    ContactStatus,
    ContactTeacher,
    QuotaRule,
)
from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page, form_status, fresh, reload_to, submit
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of, paginate, paginate_select, str_arg
from gridapp.core.permissions import (
    Need,
    can,
    contact_staff_view,
    district_school_ids,
    get_or_404,
    guardian_family_ids,
    headed_class_ids,
    is_parent_view,
    leader_school_ids,
    load_class_for_staff,
    load_contact,
    load_school,
    load_student,
    require,
    taught_class_ids,
)
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.schools.models import Grade, School, SchoolClass

bp = Blueprint("contacts", __name__)


def _me() -> User:
    return current_user._get_current_object()


# ---- recording -------------------------------------------------------------------------------------


def _record_form_choices(form: ContactRecordForm, student: Student, user: User) -> list[Student]:
    # Siblings the user may not see (another school's, say) are not named on the form.
    members = [s for s in services.family_members(student.family_id) if can(user, Need.VIEW, s)]
    taught = taught_class_ids(user)
    # The teacher chooses among the siblings they teach; the contact counts for all of them.
    form.students.choices = [
        (s.id, f"{s.name}（{s.school_class.name}）") for s in members if s.class_id in taught
    ]
    form.teacher_ids.choices = [
        (t.id, t.name) for t in services.family_teachers(student.family_id) if t.id != user.id
    ]
    return members


def _data(form: ContactRecordForm) -> services.ContactData:
    return services.ContactData(
        student_ids=list(form.students.data or []),
        contact_on=form.contact_on.data,
        form=ContactForm(form.form.data),
        teacher_ids=list(form.teacher_ids.data or []),
        place=form.place.data or "",
        members_met=form.members_met.data or "",
        pledge_confirmed=bool(form.pledge_confirmed.data),
        **{name: getattr(form, name).data or "" for name in RECORD_FIELDS},
    )


def _uploads() -> list[tuple[str, bytes]]:
    files = request.files.getlist("photos")
    if len([f for f in files if f and f.filename]) > photo_store.MAX_PHOTOS:
        raise RuleViolation(
            _("每条记录最多 %(n)d 张照片", n=photo_store.MAX_PHOTOS), field="photos"
        )
    out = []
    for f in files:
        if not f or not f.filename:
            continue
        raw = f.stream.read(photo_store.MAX_BYTES + 1)
        out.append((f.filename[:80], raw))
    return out


@bp.route("/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact():
    user = _me()
    student_id = int_arg("student")
    if student_id is None:
        return _student_picker(user)
    student = load_student(student_id, Need.VIEW)
    require(student.class_id in taught_class_ids(user))
    form = ContactRecordForm()
    members = _record_form_choices(form, student, user)
    if request.method == "GET":
        form.client_token.data = secrets.token_urlsafe(24)
        form.contact_on.data = today()
        form.students.data = [sid for sid, _label in form.students.choices]
    elif form.validate_on_submit():
        try:
            contact, created = services.record_contact(
                user, _data(form), today(), form.client_token.data or "", _uploads()
            )
        except RuleViolation as e:
            form.add_violation(e)
        else:
            db.session.commit()
            if created:
                flash(_("家访记录已保存"), "success")
            return redirect_303(url_for(".contact", contact_id=contact.id, saved=1))
    return form_page("contacts/record.html", form, student=student, members=members, contact=None)


def _student_picker(user: User):
    """Whom to record a contact with: a search over the students the teacher teaches."""
    taught = taught_class_ids(user)
    require(bool(taught))
    search = str_arg("q")
    q = (
        select(Student)
        .where(Student.class_id.in_(sorted(taught)), Student.status == StudentStatus.ACTIVE)
        .options(joinedload(Student.school_class))
        .order_by(Student.class_id, Student.student_number)
    )
    if search:
        like = f"%{search}%"
        q = q.where(or_(Student.name.like(like), Student.student_number.like(like)))
    page = paginate(q, per_page=20)
    return page_or_fragment(
        "contacts/pick_student.html",
        "contacts/_partials/pick_student.html",
        page=page,
        search=search,
    )


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contact(contact_id: int):
    user = _me()
    contact = load_contact(contact_id, Need.EDIT)
    student = _anchor_student(contact, user)
    form = ContactRecordForm(obj=contact if request.method == "GET" else None)
    members = _record_form_choices(form, student, user)
    if request.method == "GET":
        audit.record(user, "contact.view", contact, school_id=contact.school_id, page="edit")
        db.session.commit()
        form.students.data = [link.student_id for link in contact.student_links]
        form.teacher_ids.data = [t for t in contact.teacher_ids if t != user.id]
        form.form.data = contact.form.value
        form.client_token.data = contact.client_token
    elif form.validate_on_submit():
        try:
            services.update_contact(user, contact, _data(form), today(), _uploads())
        except RuleViolation as e:
            db.session.rollback()
            form.add_violation(e)
        else:
            db.session.commit()
            flash(_("修改已保存"), "success")
            return redirect_303(url_for(".contact", contact_id=contact.id, saved=1))
    return form_page(
        "contacts/record.html", form, student=student, members=members, contact=contact
    )


def _anchor_student(contact: Contact, user: User) -> Student:
    """A student of the contact's family whom the user teaches (the form's starting point)."""
    taught = taught_class_ids(user)
    student = db.session.scalar(
        select(Student)
        .where(Student.family_id == contact.family_id, Student.class_id.in_(sorted(taught)))
        .order_by(Student.id)
        .limit(1)
    )
    if student is None:
        abort(404)
    return student


# ---- one record --------------------------------------------------------------------------------------


def _contact_options():
    return (
        selectinload(Contact.teacher_links).joinedload(ContactTeacher.teacher),
        selectinload(Contact.student_links),
        selectinload(Contact.photos),
        joinedload(Contact.recorded_by),
    )


def _staff_view(user: User, contact: Contact) -> bool:
    return contact_staff_view(user, contact)


@bp.get("/contacts/<int:contact_id>")
@login_required
def contact(contact_id: int, review_form=None, withdraw_form=None):
    """A contact record. For staff, `review_form` or `withdraw_form` is shown again with its
    error after a POST (the page answers 422 then)."""
    user = _me()
    contact = load_contact(contact_id, Need.VIEW, options=_contact_options())
    students = db.session.scalars(
        select(Student)
        .where(Student.id.in_([s.student_id for s in contact.student_links]))
        .options(joinedload(Student.school_class))
    ).all()
    if not _staff_view(user, contact) and is_parent_view(user, contact):
        evaluation = db.session.scalar(
            select(ContactEvaluation).where(
                ContactEvaluation.contact_id == contact.id,
                ContactEvaluation.guardian_user_id == user.id,
            )
        )
        form = EvaluationForm(obj=evaluation)
        return render_template(
            "contacts/parent_contact.html",
            contact=contact,
            students=[s for s in students if s.family_id in guardian_family_ids(user)],
            fields=PARENT_FIELDS,
            evaluation=evaluation,
            form=form,
        )
    # A record holds notes on a family: every staff reading is in the audit log.
    audit.record(user, "contact.view", contact, school_id=contact.school_id)
    db.session.commit()
    evaluations = db.session.scalars(
        select(ContactEvaluation)
        .where(ContactEvaluation.contact_id == contact.id)
        .order_by(ContactEvaluation.id)
    ).all()
    return render_template(
        "contacts/contact.html",
        contact=contact,
        students=students,
        fields=RECORD_FIELDS,
        evaluations=evaluations,
        can_edit=can(user, Need.EDIT, contact),
        can_review=contact.status is ContactStatus.SUBMITTED and services.can_review(user, contact),
        review_form=review_form or fresh(ReviewForm),
        withdraw_form=withdraw_form or fresh(WithdrawForm),
        revisions=contact.revisions,
        saved=request.args.get("saved") == "1",
    ), form_status(review_form, withdraw_form)


@bp.get("/contacts/<int:contact_id>/photos/<int:photo_id>")
@login_required
def photo(contact_id: int, photo_id: int):
    user = _me()
    contact = load_contact(contact_id, Need.VIEW)
    if not _staff_view(user, contact):
        abort(404)
    photo = get_or_404(ContactPhoto, photo_id)
    path = photo_store.path_of(photo.stored_name)
    if photo.contact_id != contact.id or not path.is_file():
        abort(404)
    audit.record(user, "contact.photo_view", contact, school_id=contact.school_id, photo=photo.id)
    db.session.commit()
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/contacts/<int:contact_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(contact_id: int):
    user = _me()
    record = load_contact(contact_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=record.id))
    form = WithdrawForm()
    done = submit(
        form, lambda: services.withdraw_contact(user, record, form.reason.data),
        then=url_for(".contact", contact_id=record.id), message=_("记录已撤回，不再计入统计"),
    )  # fmt: skip
    return done or contact(record.id, withdraw_form=form)


@bp.route("/contacts/<int:contact_id>/review", methods=["GET", "POST"])
@login_required
def review(contact_id: int):
    user = _me()
    record = load_contact(contact_id, Need.VIEW)
    if not services.can_review(user, record):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=record.id))
    form = ReviewForm()
    done = submit(
        form,
        lambda: services.review_contact(
            user, record, form.decision.data == "approve", form.comment.data
        ),
        then=url_for(".contact", contact_id=record.id),
        message=lambda _r: _("已审核") if record.status is ContactStatus.REVIEWED else _("已退回"),
    )  # fmt: skip
    return done or contact(record.id, review_form=form)


@bp.route("/contacts/<int:contact_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(contact_id: int):
    user = _me()
    contact = load_contact(contact_id, Need.VIEW)
    if _staff_view(user, contact) or not is_parent_view(user, contact):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=contact.id))
    form = EvaluationForm()
    done = submit(
        form,
        lambda: services.evaluate_contact(
            user, contact, form.rating.data, form.feelings.data, form.suggestions.data
        ),
        then=url_for(".contact", contact_id=contact.id), message=_("谢谢您的评价"),
    )  # fmt: skip
    if done:
        return done
    contact = load_contact(contact_id, Need.VIEW, options=_contact_options())
    students = db.session.scalars(
        select(Student).where(
            Student.id.in_([s.student_id for s in contact.student_links]),
            Student.family_id.in_(guardian_family_ids(user)),
        )
    ).all()
    return render_template(
        "contacts/parent_contact.html",
        contact=contact,
        students=students,
        fields=PARENT_FIELDS,
        evaluation=None,
        form=form,
    ), 422


# ---- lists ----------------------------------------------------------------------------------------


def _list_options():
    return (
        joinedload(Contact.recorded_by),
        joinedload(Contact.family),
        selectinload(Contact.student_links),
    )


def _student_names(contacts) -> dict[int, str]:
    """The students each contact is about, as "name（class）", in one query for the page."""
    ids = {link.student_id for c in contacts for link in c.student_links}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Student.id, Student.name, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.id.in_(ids))
    )
    names = {sid: f"{name}（{cname}）" for sid, name, cname in rows}
    return {
        c.id: "、".join(names.get(link.student_id, "") for link in c.student_links)
        for c in contacts
    }


@bp.get("/contacts")
@login_required
def contacts():
    """The teacher's records, and those waiting for their review."""
    user = _me()
    require(user.has_role(Role.TEACHER))
    tab = request.args.get("tab", "mine")
    if tab == "review":
        q = _reviewable(user)
    else:
        tab = "mine"
        present = select(ContactTeacher.contact_id).where(ContactTeacher.teacher_id == user.id)
        q = select(Contact).where(or_(Contact.recorded_by_id == user.id, Contact.id.in_(present)))
    status = request.args.get("status", "")
    if status in {s.value for s in ContactStatus} and tab == "mine":
        q = q.where(Contact.status == ContactStatus(status))
    q = q.options(*_list_options()).order_by(Contact.contact_on.desc(), Contact.id.desc())
    page = paginate(q)
    return page_or_fragment(
        "contacts/list.html",
        "contacts/_partials/contact_rows.html",
        page=page,
        tab=tab,
        status=status,
        names=_student_names(page.items),
        statuses=list(ContactStatus),
        review_count=db.session.scalar(
            select(func.count()).select_from(_reviewable(user).subquery())
        ),
    )


def _reviewable(user: User):
    """Records waiting for this user's review: the principal's school, the head teacher's classes."""
    conds = []
    led = user.school_ids_with(Role.PRINCIPAL)
    if led:
        conds.append(Contact.school_id.in_(sorted(led)))
    headed = headed_class_ids(user)
    if headed:
        families = select(Student.family_id).where(Student.class_id.in_(sorted(headed)))
        schools = user.school_ids_with(Role.TEACHER)
        conds.append(and_(Contact.family_id.in_(families), Contact.school_id.in_(sorted(schools))))
    q = select(Contact).where(
        Contact.status == ContactStatus.SUBMITTED, Contact.recorded_by_id != user.id
    )
    return q.where(or_(*conds)) if conds else q.where(False)


@bp.get("/schools/<int:school_id>/contacts")
@login_required
def school_contacts(school_id: int):
    """The school's records for its leaders: filter by form, status, and low parent ratings."""
    school = load_school(school_id, Need.VIEW)
    user = _me()
    require(school.id in leader_school_ids(user))
    q = select(Contact).where(Contact.school_id == school.id)
    status = request.args.get("status", "")
    if status in {s.value for s in ContactStatus}:
        q = q.where(Contact.status == ContactStatus(status))
    form = request.args.get("form", "")
    if form in {f.value for f in ContactForm}:
        q = q.where(Contact.form == ContactForm(form))
    low = request.args.get("low") == "1"
    if low:
        flagged = select(ContactEvaluation.contact_id).where(ContactEvaluation.rating <= LOW_RATING)
        q = q.where(Contact.id.in_(flagged))
    page = paginate(
        q.options(*_list_options()).order_by(Contact.contact_on.desc(), Contact.id.desc())
    )
    ratings = _ratings([c.id for c in page.items])
    return page_or_fragment(
        "contacts/school_list.html",
        "contacts/_partials/contact_rows.html",
        school=school,
        page=page,
        status=status,
        form=form,
        low=low,
        names=_student_names(page.items),
        ratings=ratings,
        statuses=list(ContactStatus),
        forms=list(ContactForm),
        low_count=services.flagged_count(school.id),
    )


def _ratings(contact_ids) -> dict[int, int]:
    if not contact_ids:
        return {}
    return dict(
        db.session.execute(
            select(ContactEvaluation.contact_id, func.min(ContactEvaluation.rating))
            .where(ContactEvaluation.contact_id.in_(contact_ids))
            .group_by(ContactEvaluation.contact_id)
        ).all()
    )


@bp.get("/my/contacts")
@login_required
def parent_contacts():
    """A guardian's view: contacts with their family, each to rate."""
    user = _me()
    families = guardian_family_ids(user)
    require(bool(families))
    q = (
        select(Contact)
        .where(Contact.family_id.in_(families), Contact.status != ContactStatus.WITHDRAWN)
        .options(selectinload(Contact.teacher_links).joinedload(ContactTeacher.teacher))
        .order_by(Contact.contact_on.desc(), Contact.id.desc())
    )
    page = paginate(q)
    mine = dict(
        db.session.execute(
            select(ContactEvaluation.contact_id, ContactEvaluation.rating).where(
                ContactEvaluation.guardian_user_id == user.id,
                ContactEvaluation.contact_id.in_([c.id for c in page.items]),
            )
        ).all()
    )
    return render_template("contacts/parent_list.html", page=page, ratings=mine)


# ---- worklists ------------------------------------------------------------------------------------


def _teacher_school(user: User) -> School:
    schools = sorted(user.school_ids_with(Role.TEACHER))
    require(bool(schools))
    chosen = int_arg("school")
    school_id = chosen if chosen in schools else schools[0]
    return db.session.get(School, school_id)


@bp.get("/worklist")
@login_required
def worklist():
    user = _me()
    school = _teacher_school(user)
    period = rules.period_for(school.id, today())
    lines, headed = _teacher_lines(user, school.id, period)
    rule = request.args.get("rule", "")
    if rule in worklists.rule_labels():
        lines = [line for line in lines if any(o.rule == rule for o in line.owed)]
    page = page_of(lines)
    return page_or_fragment(
        "contacts/worklist.html",
        "contacts/_partials/worklist_rows.html",
        school=school,
        schools=_teacher_schools(user),
        period=period,
        page=page,
        rule=rule,
        labels=worklists.rule_labels(),
        returned=worklists.returned_contacts(user),
        today=today(),
        due_soon=worklists.due_soon(lines, today()),
        show_focus=bool(headed),
        class_url=None,
    )


@bp.get("/worklist/summary")
@login_required
def worklist_summary():
    """The home page's due-soon reminder (loaded after the page): families owed a contact at
    the teacher's first school, how many are overdue or due within two weeks, records sent back."""
    user = _me()
    school = _teacher_school(user)
    lines, _headed = _teacher_lines(user, school.id, rules.period_for(school.id, today()))
    overdue, coming = worklists.due_soon(lines, today())
    return render_template(
        "contacts/_partials/reminder.html",
        owed=len(lines),
        overdue=overdue,
        coming=coming,
        returned=len(worklists.returned_contacts(user)),
        assigned=_assigned_cases(user),
    )


def _assigned_cases(user: User):
    """Opinions assigned to the teacher and still open: how many, the nearest deadline."""
    from gridapp.cases.models import Case
    from gridapp.cases.services import OPEN

    return db.session.execute(
        select(func.count(Case.id), func.min(Case.due_on)).where(
            Case.assignee_id == user.id,
            Case.status.in_(sorted(OPEN)),
            Case.school_id.in_(sorted(user.staff_school_ids)),
        )
    ).one()


def _teacher_lines(user: User, school_id: int, period) -> tuple[list, set[int]]:
    """What the teacher owes at one school (their classes there; every class rule for those they
    head), and the classes they head there."""
    rows = db.session.execute(
        select(SchoolClass.id, SchoolClass.head_teacher_id).where(
            SchoolClass.id.in_(sorted(taught_class_ids(user))), SchoolClass.school_id == school_id
        )
    ).all()
    headed = {r.id for r in rows if r.head_teacher_id == user.id}
    if period is None or not rows:
        return [], headed
    return worklists.teacher_worklist(user, period, {r.id for r in rows}, headed), headed


def _teacher_schools(user: User) -> list[tuple[int, str]]:
    ids = sorted(user.school_ids_with(Role.TEACHER))
    if len(ids) < 2:
        return []
    return db.session.execute(select(School.id, School.name).where(School.id.in_(ids))).all()


@bp.get("/classes/<int:class_id>/worklist")
@login_required
def class_worklist(class_id: int):
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    period = rules.period_for(school_class.school_id, today())
    show_focus = school_class.id in headed_class_ids(user) or (
        school_class.school_id in leader_school_ids(user)
    )
    lines = worklists.class_worklist(period, school_class.id, show_focus) if period else []
    rule = request.args.get("rule", "")
    if rule in worklists.rule_labels():
        lines = [line for line in lines if any(o.rule == rule for o in line.owed)]
    coverage = (
        rules.class_coverage(period, [school_class.id]).get(school_class.id) if period else None
    )
    return page_or_fragment(
        "contacts/class_worklist.html",
        "contacts/_partials/worklist_rows.html",
        school_class=school_class,
        period=period,
        page=page_of(lines),
        rule=rule,
        labels=worklists.rule_labels(),
        coverage=coverage,
        today=today(),
        show_focus=show_focus,
        class_url=True,
    )


# ---- coverage and rankings ------------------------------------------------------------------------


def _semester_choice(school_id: int) -> rules.Period | None:
    from gridapp.schools.models import Semester

    semester_id = int_arg("semester")
    if semester_id is not None:
        exists = db.session.scalar(
            select(Semester.id).where(Semester.id == semester_id, Semester.school_id == school_id)
        )
        if exists is None:
            abort(404)
    return rules.period_for(school_id, today(), semester_id)


def _semesters(school_id: int):
    from gridapp.schools.models import Semester

    return db.session.scalars(
        select(Semester)
        .where(Semester.school_id == school_id)
        .options(joinedload(Semester.school_year))
        .order_by(Semester.starts_on.desc())
    ).all()


SORTS = ("score", "name", "teacher", "remote", "focus", "first_year", "two_years", "stage")


@bp.get("/schools/<int:school_id>/coverage")
@login_required
def school_coverage(school_id: int):
    school = load_school(school_id, Need.VIEW)
    period = _semester_choice(school.id)
    classes = db.session.execute(
        select(SchoolClass.id, SchoolClass.name, User.name.label("head"))
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .outerjoin(User, User.id == SchoolClass.head_teacher_id)
        .where(SchoolClass.school_id == school.id)
        .order_by(Grade.level, SchoolClass.number)
    ).all()
    coverage = rules.class_coverage(period) if period else {}
    teachers = rules.teacher_coverage(period) if period else {}
    teacher_names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(list(teachers)))).all()
    )
    sort = request.args.get("sort", "score")
    if sort not in SORTS:
        sort = "score"
    rows = [(c, coverage.get(c.id)) for c in classes if coverage.get(c.id)]
    ranking = rules.ranked([r for _c, r in rows])
    rank_of = {row.key: rank for rank, row in ranking}
    by_id = {c.id: c for c in classes}
    if sort == "name":
        ordered = rows
    elif sort == "score":
        ordered = [(by_id[r.key], r) for _rank, r in ranking]
    else:
        ordered = sorted(
            rows,
            key=lambda cr: (cr[1].shares[sort].ratio is None, -(cr[1].shares[sort].ratio or 0)),
        )
    teacher_rows = sorted(
        teachers.values(),
        key=lambda r: (r.shares["teacher"].ratio is None, r.shares["teacher"].ratio or 0),
    )
    return render_template(
        "contacts/school_coverage.html",
        school=school,
        period=period,
        semesters=_semesters(school.id),
        rows=ordered,
        rank_of=rank_of,
        school_total=rules.total(coverage.values()),
        teachers=teacher_rows,
        teacher_names=teacher_names,
        labels=worklists.rule_labels(),
        columns=("teacher",) + rules.CLASS_RULES,
        sort=sort,
        empty_classes=[c for c in classes if c.id not in coverage],
        is_leader=school.id in leader_school_ids(_me()),
        low_count=services.flagged_count(school.id) if school.id in leader_school_ids(_me()) else 0,
    )


@bp.get("/schools/<int:school_id>/coverage/families")
@login_required
def coverage_families(school_id: int):
    """The families behind a coverage figure: by rule, class or teacher, met or not."""
    school = load_school(school_id, Need.VIEW)
    user = _me()
    # Names behind the figures are for the school's leaders; the district sees figures only.
    require(school.id in leader_school_ids(user))
    period = _semester_choice(school.id)
    if period is None:
        abort(404)
    rule = request.args.get("rule", "teacher")
    if rule not in ("teacher",) + rules.CLASS_RULES:
        abort(404)
    met = request.args.get("met", "0") == "1"
    class_id = int_arg("class_id")
    teacher_id = int_arg("teacher_id")
    school_class = None
    if class_id is not None:
        school_class = db.session.get(SchoolClass, class_id)
        if school_class is None or school_class.school_id != school.id:
            abort(404)
    teacher = None
    if teacher_id is not None:
        teacher = db.session.get(User, teacher_id)
        if teacher is None or not teacher.has_role(Role.TEACHER, school.id):
            abort(404)
    classes = [class_id] if class_id is not None else None
    if rule == "teacher":
        tf = rules.teacher_family_status(
            period, teacher_id=teacher_id, class_ids=classes
        ).subquery()
        q = (
            select(
                tf.c.teacher_id,
                tf.c.family_id,
                tf.c.class_id,
                tf.c.count,
                tf.c.need,
                User.name.label("teacher_name"),
                SchoolClass.name.label("class_name"),
                func.min(Student.name).label("name"),
            )
            .join(User, User.id == tf.c.teacher_id)
            .join(SchoolClass, SchoolClass.id == tf.c.class_id)
            .join(
                Student,
                and_(
                    Student.family_id == tf.c.family_id,
                    Student.class_id == tf.c.class_id,
                    Student.status == StudentStatus.ACTIVE,
                ),
            )
            .where(tf.c.applies == 1, tf.c.met == (1 if met else 0))
            .group_by(
                tf.c.teacher_id,
                tf.c.family_id,
                tf.c.class_id,
                tf.c.count,
                tf.c.need,
                User.name,
                SchoolClass.name,
            )  # fmt: skip
            .order_by(SchoolClass.name, "name", User.name)
        )
    else:
        st = rules.student_status(period, class_ids=classes).subquery()
        q = (
            select(
                st.c.student_id,
                st.c.family_id,
                st.c.class_id,
                st.c.name,
                st.c.is_focus,
                st.c[f"{rule}_count"].label("count"),
                st.c[f"{rule}_need"].label("need"),
                st.c[f"{rule}_due"].label("due"),
                SchoolClass.name.label("class_name"),
            )
            .join(SchoolClass, SchoolClass.id == st.c.class_id)
            .where(st.c[f"{rule}_applies"] == 1, st.c[f"{rule}_met"] == (1 if met else 0))
            .order_by(st.c.is_focus.desc(), SchoolClass.id, st.c.name)
        )
    page = paginate_select(q, per_page=50)
    return render_template(
        "contacts/coverage_families.html",
        school=school,
        period=period,
        rule=rule,
        met=met,
        school_class=school_class,
        teacher=teacher,
        page=page,
        labels=worklists.rule_labels(),
        # Names only for those who may open the students; the focus mark only for school staff.
        open_students=True,
        show_focus=True,
    )


@bp.get("/district/coverage")
@login_required
def district_coverage():
    """The district's ranking of its schools (each measured in its own current semester)."""
    user = _me()
    school_ids = sorted(district_school_ids(user))
    require(bool(school_ids))
    schools = db.session.scalars(select(School).where(School.id.in_(school_ids))).all()
    rows = []
    for school in schools:  # one fixed set of queries per school, never per student
        period = rules.period_for(school.id, today())
        if period is None:
            continue
        row = rules.total(rules.class_coverage(period).values())
        row.key = school.id
        rows.append(row)
    names = {s.id: s for s in schools}
    return render_template(
        "contacts/district_coverage.html",
        ranking=rules.ranked(rows),
        schools=names,
        labels=worklists.rule_labels(),
        columns=("teacher",) + rules.CLASS_RULES,
        missing=[s for s in schools if s.id not in {r.key for r in rows}],
    )


# ---- quota numbers --------------------------------------------------------------------------------


@bp.route("/schools/<int:school_id>/quotas", methods=["GET", "POST"])
@login_required
def quotas(school_id: int):
    school = load_school(school_id, Need.VIEW)
    user = _me()
    require(school.id in leader_school_ids(user) or school.id in district_school_ids(user))
    can_manage = can(user, Need.MANAGE, school)
    period = rules.period_for(school.id, today())
    from_on = _quota_start(school.id, period)
    current = rules.quotas_for(school.id, from_on) if from_on else rules.DEFAULT_QUOTAS
    form = QuotaForm(
        data={r.value: v for r, v in current.items()} if request.method == "GET" else None
    )
    if request.method == "POST":
        require(can_manage)
        if period is None:
            form.form_errors.append(_("请先在校历中设置学期"))
        elif form.validate_on_submit():
            try:
                services.set_quotas(
                    user,
                    school.id,
                    from_on,
                    {r: getattr(form, r.value).data for r in QuotaRule},
                )
            except RuleViolation as e:
                form.add_violation(e)
            else:
                db.session.commit()
                flash(_("已保存，自本学期起生效"), "success")
                return redirect_303(url_for(".quotas", school_id=school.id))
    return form_page(
        "contacts/quotas.html",
        form,
        school=school,
        period=period,
        from_on=from_on,
        can_manage=can_manage,
    )


def _quota_start(school_id: int, period: rules.Period | None):
    """New numbers apply from the current semester; in a holiday, from the next one."""
    from gridapp.schools.models import Semester

    if period is None:
        return None
    if today() <= period.ends_on:
        return period.starts_on
    upcoming = db.session.scalar(
        select(Semester.starts_on)
        .where(Semester.school_id == school_id, Semester.starts_on > today())
        .order_by(Semester.starts_on)
        .limit(1)
    )
    return upcoming or period.starts_on
