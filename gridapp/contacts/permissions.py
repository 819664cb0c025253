"""Who may see, edit and rate contacts with families."""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.core.permissions import Need, load, register
from gridapp.people.permissions import family_in_classes, guardian_family_ids
from gridapp.schools.permissions import leader_school_ids, taught_class_ids


def contact_staff_view(user: User, contact: Contact) -> bool:
    """The full record with the teacher's notes: the teachers who were there or who teach one of
    the family's children, and the school's leaders. Never the family itself: a teacher who is
    also a guardian of the family gets the parent's view of it."""
    if contact.family_id in guardian_family_ids(user):
        return False
    if contact.recorded_by_id == user.id or user.id in contact.teacher_ids:
        return True
    if contact.school_id in leader_school_ids(user):
        return True
    return family_in_classes(contact.family_id, taught_class_ids(user))


def is_parent_view(user: User, contact: Contact) -> bool:
    """The guardian's view of a contact with their family (never a withdrawn one)."""
    return (
        contact.family_id in guardian_family_ids(user)
        and contact.status is not ContactStatus.WITHDRAWN
    )


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
            and user.has_role(Role.TEACHER, contact.school_id)
            and contact.family_id not in guardian_family_ids(user)
        )
    return False


register(Contact, can_contact)


def load_contact(contact_id: int, need: Need = Need.VIEW, options=()) -> Contact:
    """The contact, if the current user may `need` it; 404 otherwise."""
    return load(Contact, contact_id, need, options)
