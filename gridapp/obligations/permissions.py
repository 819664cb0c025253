"""Who may see a teacher's yearly obligations (六个一) and their documents: the teacher their own,
the school's leaders (principal, Party secretary, school admin) every teacher's of the school.
Anyone else, another school's leaders included: 404."""

from __future__ import annotations

from flask import abort

from gridapp.accounts.models import Role, User
from gridapp.core.permissions import Need, get_or_404, load, register
from gridapp.obligations.models import ObligationDocument
from gridapp.schools.models import School
from gridapp.schools.permissions import is_school_leader


def may_review(user: User, school_id: int, teacher_id: int) -> bool:
    """Whether `user` reviews (accepts or returns) the documents of teacher `teacher_id` at the
    school: its leaders, never for themselves (a principal who also teaches does not accept
    their own: another leader does, as nobody reviews a visit they took part in)."""
    return is_school_leader(user, school_id) and teacher_id != user.id


def can_document(user: User, need: Need, doc: ObligationDocument) -> bool:
    """A document: its teacher reads it (Need.VIEW); the school's leaders read it (Need.VIEW)
    and review it (Need.MANAGE, `may_review`: not their own). Nobody edits a document: a
    returned one is replaced by another."""
    if need is Need.VIEW:
        return is_school_leader(user, doc.school_id) or doc.teacher_id == user.id
    if need is Need.MANAGE:
        return may_review(user, doc.school_id, doc.teacher_id)
    return False


register(ObligationDocument, can_document)


def load_document(document_id: int, need: Need = Need.VIEW) -> ObligationDocument:
    """The document, if the current user may `need` it (`can_document`); 404 otherwise."""
    return load(ObligationDocument, document_id, need, related=("school_year",))


def load_teaching_school(user: User, school_id: int | None) -> School:
    """The school whose obligations `user` keeps as a teacher: `school_id` if they hold the
    teacher role there, the first such school when None; 404 otherwise (no teacher role, or
    another school)."""
    schools = sorted(user.school_ids_with(Role.TEACHER))
    if not schools or (school_id is not None and school_id not in schools):
        abort(404)
    return get_or_404(School, school_id or schools[0])
