"""Who may see a teacher's yearly obligations (六个一) and their documents: the teacher their own,
the school's leaders (principal, Party secretary, school admin) every teacher's of the school.
Anyone else, another school's leaders included: 404."""

from __future__ import annotations

from gridapp.accounts.models import User
from gridapp.core.permissions import Need, load, register
from gridapp.obligations.models import ObligationDocument
from gridapp.schools.permissions import is_school_leader


def can_document(user: User, need: Need, doc: ObligationDocument) -> bool:
    """A document: its teacher reads it (Need.VIEW); the school's leaders read and review it
    (Need.VIEW, Need.MANAGE). Nobody edits a document: a returned one is replaced by another."""
    leads = is_school_leader(user, doc.school_id)
    if need is Need.VIEW:
        return leads or doc.teacher_id == user.id
    if need is Need.MANAGE:
        return leads
    return False


register(ObligationDocument, can_document)


def load_document(document_id: int, need: Need = Need.VIEW) -> ObligationDocument:
    """The document, if the current user may `need` it (`can_document`); 404 otherwise."""
    return load(ObligationDocument, document_id, need, related=("school_year",))
