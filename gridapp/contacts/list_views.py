"""Contact lists (a teacher's, a school's, a parent's), worklists and the schools' quota numbers.
Routes of the contacts blueprint (gridapp.contacts.views)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User
from gridapp.contacts import rules, services, worklists
from gridapp.contacts.forms import (
    QuotaForm,
)
from gridapp.contacts.models import (
    LOW_RATING,
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactStatus,
    ContactTeacher,
    QuotaRule,
)
from gridapp.contacts.views import bp
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of, paginate
from gridapp.core.permissions import Need, can, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.people.permissions import guardian_family_ids
from gridapp.schools.models import School, SchoolClass
from gridapp.schools.permissions import (
    district_school_ids,
    headed_class_ids,
    leader_school_ids,
    load_class_for_staff,
    load_school,
)


def _me() -> User:
    return current_user._get_current_object()


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


@bp.get("/worklist")
@login_required
def worklist():
    user = _me()
    school = worklists.teacher_school(user, int_arg("school"))
    require(school is not None)
    period = rules.period_for(school.id, today())
    lines, headed = worklists.teacher_lines(user, school.id, period)
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
