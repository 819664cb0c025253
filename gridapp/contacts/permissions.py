"""Who may see, edit and rate contacts with families."""

from __future__ import annotations

from sqlalchemy import or_, select

from gridapp.accounts.models import Role, User
from gridapp.contacts.models import Contact, ContactFamily, ContactStatus, ContactTeacher
from gridapp.contacts.rules import CLASS_RULES
from gridapp.core.permissions import Need, cached, load, register
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.people.permissions import (
    family_in_classes,
    guardian_family_ids,
    linked_student_ids,
)
from gridapp.schools.permissions import (
    district_school_ids,
    headed_class_ids,
    leader_school_ids,
    sees_sensitive_in_class,
    taught_class_ids,
)


def visiting_school_ids(user: User) -> set[int]:
    """The schools whose every family the user may record a contact with, and at whose contacts
    they may be named present, whatever classes they teach: the schools they lead as principal
    or Party secretary (Role.PRINCIPAL; seed 000 五, 001 学校领导带头, 002 §1). Returns school
    ids; empty for everyone else (a teacher records with the families they teach)."""
    return user.school_ids_with(Role.PRINCIPAL)


def may_record_for(user: User, student: Student) -> bool:
    """Whether `user` may record a contact with the student's family: they teach or head the
    student's class, are linked to the student (a paired teacher), or lead the student's school
    (`visiting_school_ids`)."""
    return (
        student.class_id in taught_class_ids(user)
        or student.id in linked_student_ids(user)
        or student.school_id in visiting_school_ids(user)
    )


def contact_staff_view(user: User, contact: Contact) -> bool:
    """The staff's view of the record: the teachers who were there or who teach one of the
    children of a family present, a child's paired teacher, and the school's leaders. Its
    private notes only for some of them (`notes_visible`). Never a family present: a teacher
    who is also a guardian of one gets the parent's view of it."""
    if _guardian_present(user, contact):
        return False
    if contact.recorded_by_id == user.id or user.id in contact.teacher_ids:
        return True
    if contact.school_id in leader_school_ids(user):
        return True
    taught = taught_class_ids(user)
    if any(family_in_classes(family_id, taught) for family_id in contact.family_ids):
        return True
    # A paired teacher (pairing) reads the records of their student's family (seed 002 §7).
    return bool(linked_student_ids(user)) and not _notes_family_ids(user).isdisjoint(
        contact.family_ids
    )


def _notes_family_ids(user: User) -> frozenset[int]:
    """The families whose notes the user reads as a head teacher or a paired teacher: those
    with an active child in a class the user heads, or a child linked to the user (pairing)."""
    headed = headed_class_ids(user)
    linked = linked_student_ids(user)
    if not headed and not linked:
        return frozenset()

    def compute():
        q = select(Student.family_id).where(
            Student.status == StudentStatus.ACTIVE,
            or_(Student.class_id.in_(sorted(headed)), Student.id.in_(sorted(linked))),
        )
        return frozenset(db.session.scalars(q))

    return cached(f"notes-families:{user.id}", compute)


def notes_visible_ids(user: User, contacts) -> set[int]:
    """Which of `contacts` (Contact rows) show `user` their private notes on the family (the
    fields of PRIVATE_FIELDS: 家庭情况, 家长意见…, and the photos; seed 002 §7 保护家庭隐私):
    the record's authors (who recorded it and the teachers present), the head teacher of a child
    of a family present, the child's paired teacher and the leaders of the contact's school.
    Every other teacher sees that the contact happened (date, form, who, status and what the
    parent sees). Never a guardian of a family present. Returns contact ids; at most two
    queries whatever the number of contacts (teachers and families present)."""
    contacts = list(contacts)
    if not contacts:
        return set()
    ids = [c.id for c in contacts]
    leaders = leader_school_ids(user)
    authored = set(
        db.session.scalars(
            select(ContactTeacher.contact_id).where(
                ContactTeacher.contact_id.in_(ids), ContactTeacher.teacher_id == user.id
            )
        )
    )
    families = _notes_family_ids(user)
    present: dict[int, set[int]] = {c.id: {c.family_id} for c in contacts}
    if families:
        rows = db.session.execute(
            select(ContactFamily.contact_id, ContactFamily.family_id).where(
                ContactFamily.contact_id.in_(ids)
            )
        )
        for contact_id, family_id in rows:
            present[contact_id].add(family_id)
    own = guardian_family_ids(user)
    return {
        c.id
        for c in contacts
        if own.isdisjoint(present[c.id])
        and (
            c.recorded_by_id == user.id
            or c.id in authored
            or c.school_id in leaders
            or not families.isdisjoint(present[c.id])
        )
    }


def notes_visible(user: User, contact: Contact) -> bool:
    """Whether `user` reads the contact's private notes (see `notes_visible_ids`)."""
    return contact.id in notes_visible_ids(user, [contact])


def _guardian_present(user: User, contact: Contact) -> bool:
    return not guardian_family_ids(user).isdisjoint(contact.family_ids)


def is_parent_view(user: User, contact: Contact) -> bool:
    """The guardian's view of a contact with their family (never a withdrawn one)."""
    return _guardian_present(user, contact) and contact.status is not ContactStatus.WITHDRAWN


def can_contact(user: User, need: Need, contact: Contact) -> bool:
    """A contact with a family: staff (see `contact_staff_view`) see it in full; the family's
    guardians see their view of it and rate it; only the teacher who recorded it edits it.
    District supervisors see figures, never records."""
    if need is Need.VIEW:
        return contact_staff_view(user, contact) or is_parent_view(user, contact)
    if need is Need.EDIT:
        return (
            contact.recorded_by_id == user.id
            and contact.status is not ContactStatus.WITHDRAWN
            and (
                user.has_role(Role.TEACHER, contact.school_id)
                or contact.school_id in visiting_school_ids(user)
            )
            and not _guardian_present(user, contact)
        )
    return False


register(Contact, can_contact)


def load_contact(contact_id: int, need: Need = Need.VIEW, options=()) -> Contact:
    """The contact, if the current user may `need` it; 404 otherwise."""
    return load(Contact, contact_id, need, options)


def sees_focus_families(user: User, school_id: int) -> bool:
    """Whether the user may learn which of the school's families are focus students (a
    hardship category is sensitive, DOMAIN privacy): the school's leaders. A bureau over the
    school sees the focus figure (a count), never the families behind it, a focus mark, nor a
    list ordered focus first."""
    return school_id in leader_school_ids(user)


def sees_focus_figure(user: User, class_id: int, school_id: int) -> bool:
    """Whether a class's focus figure (its focus students' door visits, met / total) is shown
    to the user, who may open the class's figures: its head teacher, the school's leaders and
    the bureaus over it (the figure seed 000 asks them to watch); not the class's other
    teachers, whose worklist hides the focus rule and its figure (contacts.worklists._lines,
    contacts/class_worklist.html): from the figure moving after a colleague's visit they would
    learn who the focus students are."""
    return sees_sensitive_in_class(user, class_id, school_id) or (
        school_id in district_school_ids(user)
    )


def figure_family_rules(user: User, school_id: int) -> tuple[str, ...]:
    """The coverage figures (quota rules: "teacher" and rules.CLASS_RULES) whose families the
    user may list at the school (`/schools/<id>/coverage/families`), given they may open the
    school's figures at all: every one for its leaders, all but "focus" for a bureau (the
    families behind the focus figure are the focus students)."""
    every = ("teacher",) + CLASS_RULES
    if sees_focus_families(user, school_id):
        return every
    return tuple(r for r in every if r != "focus")
