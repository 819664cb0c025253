"""Contact pages: record at the family's door, the record and its history, review and the parent's
rating. Lists, worklists and quotas are in list_views.py; coverage and rankings in reports."""

from __future__ import annotations

import contextlib
import secrets
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User
from gridapp.contacts import follow_ups, services
from gridapp.contacts.forms import (
    ContactRecordForm,
    EvaluationForm,
    ReviewForm,
    WithdrawForm,
)
from gridapp.contacts.models import (
    PARENT_FIELDS,
    PRIVATE_FIELDS,
    RECORD_FIELDS,
    Contact,
    ContactForm,
    ContactPhoto,
    ContactStatus,
    ContactTeacher,
)
from gridapp.contacts.permissions import (
    contact_staff_view,
    is_parent_view,
    load_contact,
    may_record_for,
    notes_visible,
    visiting_school_ids,
)
from gridapp.core import audit, storage, text
from gridapp.core.forms import form_page, form_status, fresh, local_path, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, paginate, str_arg
from gridapp.core.permissions import Need, can, get_or_404, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.people.permissions import guardian_family_ids, linked_student_ids, load_student
from gridapp.schools.permissions import (
    taught_class_ids,
)

bp = Blueprint("contacts", __name__)


def _me() -> User:
    return current_user._get_current_object()


# ---- recording -------------------------------------------------------------------------------------


def _record_form_choices(
    form: ContactRecordForm, student: Student, user: User, contact: Contact | None = None
) -> list[Student]:
    # Siblings the user may not see (another school's, say) are not named on the form.
    members = [s for s in services.family_members(student.family_id) if can(user, Need.VIEW, s)]
    # The teacher chooses among the siblings they teach (or are paired with; a leader among
    # those at their school); the contact counts for all of them.
    form.students.choices = [
        (s.id, f"{s.name}（{s.school_class.name}）") for s in members if may_record_for(user, s)
    ]
    # The family's teachers and the school's leaders may be named present (学校领导带头).
    teachers = {t.id for t in services.family_teachers(student.family_id)}
    form.teacher_ids.choices = [
        (t.id, t.name if t.id in teachers else _("%(name)s（校领导）", name=t.name))
        for t in services.present_choices([student.family_id], student.school_id)
        if t.id != user.id
    ]
    # A group visit or a parents' meeting: the other families of the class may be listed.
    form.group_students.choices = [
        (s.id, s.name) for s in services.class_students(student.class_id, student.family_id)
    ]
    # The family's open follow-ups (回访) this record may meet; on an edit, the one it meets.
    offered = follow_ups.open_for_families([student.family_id], student.school_id)
    if contact is not None:
        offered = [f for f in offered if f.contact_id != contact.id]
        met = follow_ups.met_by(contact.id)
        if met is not None:
            offered.insert(0, met)
    form.meets_follow_up.choices = [("", _("不是回访"))] + [
        (
            str(f.id),
            _(
                "%(kind)s回访，截止 %(due)s（%(on)s %(form)s时安排）",
                on=f.contact.contact_on.isoformat(), form=f.contact.form.label,
                kind=f.form.label, due=f.due_on.isoformat(),
            ),
        )
        for f in offered
    ]  # fmt: skip
    return members


def _data(form: ContactRecordForm) -> services.ContactData:
    return services.ContactData(
        student_ids=list(form.students.data or []) + list(form.group_students.data or []),
        contact_on=form.contact_on.data,
        form=ContactForm(form.form.data),
        teacher_ids=list(form.teacher_ids.data or []),
        place=form.place.data or "",
        members_met=form.members_met.data or "",
        joint_visitors=form.joint_visitors.data or "",
        pledge_confirmed=bool(form.pledge_confirmed.data),
        drowning_letter_delivered=bool(form.drowning_letter_delivered.data),
        follow_up_form=ContactForm(form.follow_up_form.data) if form.follow_up_form.data else None,
        follow_up_due_on=form.follow_up_due_on.data,
        meets_follow_up_id=_follow_up_id(form.meets_follow_up.data),
        **{name: getattr(form, name).data or "" for name in RECORD_FIELDS},
    )


def _follow_up_id(value: str | None) -> int | None:
    """The chosen follow-up's id; anything but digits becomes an id no follow-up has (the
    service refuses it beside the field)."""
    if not value:
        return None
    number = text.small_id(value)
    return number if number is not None else -1


def _chosen_photos(form: ContactRecordForm) -> list[storage.Chosen]:
    """The photos as the user chose them (kept from an earlier try, and new ones), kept in
    pending storage at once: a form shown again with an error still has them."""
    chosen = storage.chosen_files(request.files.getlist("photos"), form.kept_photos.data)
    form.kept_photos.data = [c.token for c in chosen]
    return chosen


def _with_photos(chosen: list[storage.Chosen], save):
    """Run `save(photos)` with the chosen photos as (name, bytes); once it succeeds, their
    pending copies go when the request commits."""
    result = save([(c.name, c.data) for c in chosen])
    storage.discard_on_commit(chosen)
    return result


@bp.route("/contacts/new", methods=["GET", "POST"])
@login_required
def new_contact():
    user = _me()
    student_id = int_arg("student")
    if student_id is None:
        return _student_picker(user)
    student = load_student(student_id, Need.VIEW)
    require(may_record_for(user, student))
    form = ContactRecordForm()
    members = _record_form_choices(form, student, user)
    chosen: list[storage.Chosen] = []
    if request.method == "GET":
        form.client_token.data = secrets.token_urlsafe(24)
        form.contact_on.data = today()
        form.students.data = [sid for sid, _label in form.students.choices]
        # From the worklist's follow-up: that follow-up is chosen (if still open).
        wanted = request.args.get("follow_up", "")
        if wanted in {value for value, _label in form.meets_follow_up.choices}:
            form.meets_follow_up.data = wanted
        _prefill(form)
    else:
        chosen = _chosen_photos(form)
        done = submit(
            form,
            lambda: _with_photos(
                chosen,
                lambda photos: services.record_contact(
                    user, _data(form), today(), form.client_token.data or "", photos
                ),
            ),
            then=lambda result: (
                local_path(request.args.get("next"))
                or url_for(".contact", contact_id=result[0].id, saved=1)
            ),
            message=lambda result: _("家访记录已保存") if result[1] else None,
        )
        if done:
            return done
    return form_page(
        "contacts/record.html", form, student=student, members=members, contact=None,
        chosen=chosen, has_worklist=bool(user.school_ids_with(Role.TEACHER)),
        next_url=local_path(request.args.get("next")),
        # A trip's chain of records (schedules.trip_views) says so; another page's `next` (the
        # schedule's) is only where the save returns to.
        series=request.args.get("series") == "1",
    )  # fmt: skip


def _prefill(form: ContactRecordForm) -> None:
    """Fields filled in from the address, for a series of records that share them (a trip of
    door visits: `schedules.trip_views`): `on` (the date, ISO), `kind` (the form of contact)
    and `teachers` (ids of colleagues present, those the form offers only). Anything else in
    them is ignored; the form's own rules check the record when it is sent."""
    on = str_arg("on", 10)
    if on:
        with contextlib.suppress(ValueError):
            form.contact_on.data = date.fromisoformat(on)
    kind = str_arg("kind", 32)
    if kind in {value for value, _label in ContactForm.choices()}:
        form.form.data = kind
    offered = {value for value, _label in form.teacher_ids.choices}
    wanted = [n for t in str_arg("teachers", 200).split(",") if (n := text.small_id(t)) is not None]
    if wanted:
        form.teacher_ids.data = [t for t in wanted if t in offered]


def _student_picker(user: User):
    """Whom to record a contact with: a search over the students the teacher teaches (a
    leader's: every student of their school)."""
    taught = taught_class_ids(user)
    linked = linked_student_ids(user)
    led = visiting_school_ids(user)
    require(bool(taught or linked or led))
    search = str_arg("q")
    page = paginate(services.pickable_students_query(taught, search, linked, led), per_page=20)
    return page_or_fragment(
        "contacts/pick_student.html",
        "contacts/_partials/pick_student.html",
        page=page,
        search=search,
        leads=bool(led),
    )


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit_contact(contact_id: int):
    user = _me()
    contact = load_contact(contact_id, Need.EDIT)
    student = _anchor_student(contact, user)
    form = ContactRecordForm(obj=contact if request.method == "GET" else None)
    members = _record_form_choices(form, student, user, contact)
    chosen: list[storage.Chosen] = []
    if request.method == "GET":
        planned = contact.follow_up_plan
        if planned is not None:
            form.follow_up_form.data = planned.form.value
            form.follow_up_due_on.data = planned.due_on
        met = follow_ups.met_by(contact.id)
        form.meets_follow_up.data = str(met.id) if met is not None else ""
        audit.record(user, "contact.view", contact, school_id=contact.school_id, page="edit")
        db.session.commit()
        own = {sid for sid, _label in form.students.choices}
        linked = [link.student_id for link in contact.student_links]
        form.students.data = [sid for sid in linked if sid in own]
        form.group_students.data = [sid for sid in linked if sid not in own]
        form.teacher_ids.data = [t for t in contact.teacher_ids if t != user.id]
        form.form.data = contact.form.value
        form.client_token.data = contact.client_token
    else:
        chosen = _chosen_photos(form)
        done = submit(
            form,
            lambda: _with_photos(
                chosen,
                lambda photos: services.update_contact(user, contact, _data(form), today(), photos),
            ),
            then=url_for(".contact", contact_id=contact.id, saved=1),
            message=_("修改已保存"),
        )
        if done:
            return done
    return form_page(
        "contacts/record.html", form, student=student, members=members, contact=contact,
        chosen=chosen, has_worklist=bool(user.school_ids_with(Role.TEACHER)),
    )  # fmt: skip


def _anchor_student(contact: Contact, user: User) -> Student:
    """A student of the contact's family whom the user teaches (the form's starting point)."""
    taught = taught_class_ids(user)
    student = services.anchor_student(
        contact.family_id, taught, linked_student_ids(user), visiting_school_ids(user)
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


# Sections other packages add to a contact's page, below the record: `render(user, contact,
# notes)` returns HTML or None (the case raised from the parent's opinion: cases/contact_views).
_SECTIONS: list = []


def register_contact_section(render) -> None:
    """Add a section to every staff view of a contact: `render(user, contact, notes)` takes the
    viewer, the Contact and whether they read its private notes, and returns Markup or None
    (nothing shown). Packages above contacts register here; contacts never imports them."""
    _SECTIONS.append(render)


@bp.get("/contacts/<int:contact_id>")
@login_required
def contact(contact_id: int, review_form=None, withdraw_form=None):
    """A contact record. For staff, `review_form` or `withdraw_form` is shown again with its
    error after a POST (the page answers 422 then)."""
    user = _me()
    contact = load_contact(contact_id, Need.VIEW, options=_contact_options())
    students = services.contact_students(contact)
    if not _staff_view(user, contact) and is_parent_view(user, contact):
        evaluation = services.guardian_evaluation(contact.id, user.id)
        form = EvaluationForm(obj=evaluation)
        return render_template(
            "contacts/parent_contact.html",
            contact=contact,
            students=[s for s in students if s.family_id in guardian_family_ids(user)],
            fields=PARENT_FIELDS,
            evaluation=evaluation,
            form=form,
        )
    # The notes on the family are private (seed 002 §7): shown to the record's authors, the head
    # teacher, the paired teacher and the school's leaders; every reading is in the audit log,
    # saying whether the notes were shown (fields, never contents).
    notes = notes_visible(user, contact)
    audit.record(
        user, "contact.view", contact, school_id=contact.school_id,
        notes=list(PRIVATE_FIELDS) if notes else None,
    )  # fmt: skip
    db.session.commit()
    evaluations = services.contact_evaluations(contact.id)
    sections = [html for render in _SECTIONS if (html := render(user, contact, notes))]
    return render_template(
        "contacts/contact.html",
        contact=contact,
        students=students,
        notes=notes,
        sections=sections,
        fields=RECORD_FIELDS if notes else tuple(f for f in RECORD_FIELDS if f in PARENT_FIELDS),
        evaluations=evaluations,
        pledge_rules=services.pledge_rules(),
        counts_for=services.counts_for_semester(contact),
        meets=follow_ups.met_by(contact.id),
        today=today(),
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
    # A photo of the family's home is a private note (seed 002 §7).
    if not _staff_view(user, contact) or not notes_visible(user, contact):
        abort(404)
    photo = get_or_404(ContactPhoto, photo_id)
    path = storage.path_of(photo.stored_name, services.PHOTO_DIR)
    if photo.contact_id != contact.id or not path.is_file():
        abort(404)
    audit.record(user, "contact.photo_view", contact, school_id=contact.school_id, photo=photo.id)
    db.session.commit()
    response = send_file(path, mimetype=photo.content_type, max_age=0)
    # Shown in the page; saved under the name the teacher's phone gave it.
    number = [p.id for p in contact.photos].index(photo.id) + 1
    ext = "png" if photo.content_type == "image/png" else "jpg"
    fallback = f"contact-{contact.id}-photo-{number}.{ext}"
    response.headers["Content-Disposition"] = storage.content_disposition(
        photo.name or _("家访照片%(n)d.%(e)s", n=number, e=ext), fallback, inline=True
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
