"""Follow-up visits (回访) a record plans, with their form and due date, until a later record of
the family is linked to them (seed 001 八必访 跟踪回访, seed 003, seed 000 七(四)).

Services flush, never commit. A follow-up is open while no record meets it (`met_by_id`); it is
overdue once its due date has passed. Linking a record meets it; withdrawing that record opens it
again; withdrawing the record that planned it takes it off every list."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.contacts import worklists
from gridapp.contacts.models import Contact, ContactForm, ContactStatus, FollowUp
from gridapp.core import fastload
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus


def check_plan(form: ContactForm | None, due_on: date | None, contact_on: date | None) -> None:
    """A planned follow-up needs both its form and its due date, and the due date is not before
    the contact's own date. Raises RuleViolation on the field at fault."""
    if form is None and due_on is None:
        return
    if due_on is None:
        raise RuleViolation(_("请填写回访的截止日期"), field="follow_up_due_on")
    if form is None:
        raise RuleViolation(_("请选择回访方式"), field="follow_up_form")
    if contact_on is not None and due_on < contact_on:
        raise RuleViolation(
            _("回访日期不能早于本次联系日期（%(d)s）", d=contact_on.isoformat()),
            field="follow_up_due_on",
        )


def plan(
    actor: User, contact: Contact, form: ContactForm | None, due_on: date | None
) -> FollowUp | None:
    """Set the follow-up `contact` plans (checked by `check_plan`): a new one, the open one
    changed, or the open one removed when no form and date are given. One that a record already
    met stays as it is. Returns the plan or None."""
    check_plan(form, due_on, contact.contact_on)
    existing = db.session.scalar(select(FollowUp).where(FollowUp.contact_id == contact.id))
    if existing is not None and existing.met_by_id is not None:
        return existing
    if form is None:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        return None
    if existing is None:
        existing = FollowUp(
            contact_id=contact.id,
            school_id=contact.school_id,
            family_id=contact.family_id,
            teacher_id=contact.recorded_by_id,
            form=form,
            due_on=due_on,
        )
        db.session.add(existing)
    existing.form, existing.due_on = form, due_on
    db.session.flush()
    return existing


def open_for_families(family_ids, school_id: int | None = None) -> list[FollowUp]:
    """The open follow-ups of these families (planned by records not withdrawn), soonest due
    first, with the planning record loaded: what a new record of the family may meet."""
    ids = list(family_ids)
    if not ids:
        return []
    q = (
        select(FollowUp)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(
            FollowUp.family_id.in_(ids),
            FollowUp.met_by_id.is_(None),
            Contact.status != ContactStatus.WITHDRAWN,
        )
        .options(joinedload(FollowUp.contact))
        .order_by(FollowUp.due_on, FollowUp.id)
    )
    if school_id is not None:
        q = q.where(FollowUp.school_id == school_id)
    return list(db.session.scalars(q))


def meet(contact: Contact, follow_up_id: int | None) -> None:
    """Link `contact` to the open follow-up `follow_up_id` of one of its families (None: link
    none; a record meets at most one). The record's date must not be before the planning
    record's. Raises RuleViolation on the field `meets_follow_up`."""
    current = db.session.scalar(select(FollowUp).where(FollowUp.met_by_id == contact.id))
    if current is not None and current.id == follow_up_id:
        return
    if current is not None:
        current.met_by_id = None
    if follow_up_id is None:
        db.session.flush()
        return
    wanted = db.session.get(FollowUp, follow_up_id)
    if (
        wanted is None
        or wanted.family_id not in contact.family_ids
        or wanted.school_id != contact.school_id
        or wanted.met_by_id is not None
        or wanted.contact_id == contact.id
        or wanted.contact.status is ContactStatus.WITHDRAWN
    ):
        raise RuleViolation(
            _("这项回访已完成或不属于这个家庭，请重新选择"), field="meets_follow_up"
        )
    if contact.contact_on < wanted.contact.contact_on:
        raise RuleViolation(
            _("回访不能早于原记录的日期（%(d)s）", d=wanted.contact.contact_on.isoformat()),
            field="meets_follow_up",
        )
    # Read again under a row lock (PostgreSQL): of two records sent at once for one follow-up,
    # one meets it and the other is told so. Not a bulk UPDATE: that would raise every
    # school's generation (core.generations), a flushed row raises its own school's only.
    locked = db.session.scalar(
        select(FollowUp)
        .where(FollowUp.id == wanted.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked.met_by_id is not None:
        raise RuleViolation(
            _("这项回访已完成或不属于这个家庭，请重新选择"), field="meets_follow_up"
        )
    locked.met_by_id = contact.id
    db.session.flush()


def met_by(contact_id: int) -> FollowUp | None:
    """The follow-up the record `contact_id` meets, with its planning record, or None."""
    return db.session.scalar(
        select(FollowUp)
        .where(FollowUp.met_by_id == contact_id)
        .options(joinedload(FollowUp.contact))
    )


def release(contact: Contact) -> None:
    """A withdrawn record no longer meets a follow-up: it is open again."""
    for row in db.session.scalars(select(FollowUp).where(FollowUp.met_by_id == contact.id)):
        row.met_by_id = None
    db.session.flush()


@dataclass(frozen=True)
class OpenFollowUp:
    """One line of a teacher's follow-ups: the family's first child, the form, the due date."""

    id: int
    contact_id: int
    student_id: int | None
    student_name: str
    form: ContactForm
    due_on: date
    overdue: bool


@functools.cache
def _open_statement():
    # Built once: the worklist asks on every view, and building the select cost more than
    # running it (most teachers have none open).
    return (
        select(FollowUp.id, FollowUp.contact_id, FollowUp.form, FollowUp.due_on, FollowUp.family_id)
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(
            FollowUp.teacher_id == bindparam("teacher_id"),
            FollowUp.met_by_id.is_(None),
            Contact.status != ContactStatus.WITHDRAWN,
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    )


def teacher_open(user: User, today: date) -> list[OpenFollowUp]:
    """The follow-ups `user` planned that no record has met yet, soonest due first (the
    worklist's section and the home page's reminder)."""
    rows = fastload.execute(_open_statement(), {"teacher_id": user.id}).all()
    if not rows:
        return []
    first: dict[int, tuple[int, str]] = {}
    for sid, name, family_id in db.session.execute(
        select(Student.id, Student.name, Student.family_id)
        .where(
            Student.family_id.in_({r.family_id for r in rows}),
            Student.status == StudentStatus.ACTIVE,
        )
        .order_by(Student.birth_on, Student.id)
    ):
        first.setdefault(family_id, (sid, name))
    return [
        OpenFollowUp(
            r.id, r.contact_id, *first.get(r.family_id, (None, "")), r.form, r.due_on,
            r.due_on < today,
        )
        for r in rows
    ]  # fmt: skip


def _worklist_section(user: User, today: date):
    """The worklist's section of the teacher's open follow-ups (contacts.worklists)."""
    items = [
        worklists.ExtraItem(
            label=_("回访 %(name)s（%(form)s）", name=f.student_name, form=f.form.label),
            url=url_for("contacts.new_contact", student=f.student_id, follow_up=f.id)
            if f.student_id
            else url_for("contacts.contact", contact_id=f.contact_id),
            due=f.due_on,
            overdue=f.overdue,
        )
        for f in teacher_open(user, today)
    ]
    return _("待完成的回访"), items


worklists.register_extra_section("follow_ups", _worklist_section)
