"""Who may see, edit and rate contacts with families."""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.core.permissions import Need, load, register
from gridapp.people.permissions import family_in_classes, guardian_family_ids
from gridapp.schools.permissions import leader_school_ids, taught_class_ids


def contact_staff_view(user: User, contact: Contact) -> bool:
    """The full record with the teacher's notes: the teachers who were there or who teach one of
    the children of a family present, and the school's leaders. Never a family present: a
    teacher who is also a guardian of one gets the parent's view of it."""
    if _guardian_present(user, contact):
        return False
    if contact.recorded_by_id == user.id or user.id in contact.teacher_ids:
        return True
    if contact.school_id in leader_school_ids(user):
        return True
    taught = taught_class_ids(user)
    return any(family_in_classes(family_id, taught) for family_id in contact.family_ids)


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
            and user.has_role(Role.TEACHER, contact.school_id)
            and not _guardian_present(user, contact)
        )
    return False


register(Contact, can_contact)


def load_contact(contact_id: int, need: Need = Need.VIEW, options=()) -> Contact:
    """The contact, if the current user may `need` it; 404 otherwise."""
    return load(Contact, contact_id, need, options)
