"""Who may see and edit students, who sees sensitive family data, and account administration
(a guardian's account is reached through their children, so the User policy lives here)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from gridapp.accounts.models import Role, User
from gridapp.core import fastload
from gridapp.core.permissions import Need, cached, load, register
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.permissions import (
    headed_class_ids,
    leader_school_ids,
    sees_sensitive_in_class,
    taught_class_ids,
)


def guardian_student_ids(user: User) -> frozenset[int]:
    """The guardian's children."""
    if not user.has_role(Role.GUARDIAN):
        return frozenset()

    def compute():
        q = (
            select(StudentGuardian.student_id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == user.id)
        )
        return frozenset(fastload.execute(q).scalars())

    return cached(f"children:{user.id}", compute)


def guardian_family_ids(user: User) -> frozenset[int]:
    """The families the user is a guardian in."""
    if not user.has_role(Role.GUARDIAN):
        return frozenset()

    def compute():
        return frozenset(
            db.session.scalars(select(Guardian.family_id).where(Guardian.user_id == user.id))
        )

    return cached(f"families:{user.id}", compute)


def guardian_school_ids(user: User) -> frozenset[int]:
    """Schools the guardian's children attend."""
    if not user.is_guardian:
        return frozenset()

    def compute():
        q = (
            select(Student.school_id)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == user.id, Student.status == StudentStatus.ACTIVE)
        )
        return frozenset(fastload.execute(q).scalars())

    return cached(("guardian_schools", user.id), compute)


# Students a user works with beyond the classes they teach, by name of the feature that links them
# (a paired teacher's students: pairing registers it). Features above people register here.
_STUDENT_LINKS: dict[str, object] = {}


def register_student_links(name: str, provider) -> None:
    """Let `provider(user) -> frozenset[int]` name students the user works with beyond the
    classes they teach (cached per request by the provider): they see those students and record
    contacts with their families (contacts.services._validate)."""
    _STUDENT_LINKS[name] = provider


def linked_student_ids(user: User) -> frozenset[int]:
    """The students every registered link gives the user (see `register_student_links`)."""
    if not _STUDENT_LINKS:
        return frozenset()
    out: frozenset[int] = frozenset()
    for provider in _STUDENT_LINKS.values():
        out |= provider(user)
    return out


def family_in_classes(family_id: int, class_ids) -> bool:
    """Whether a child of the family is active in one of the classes."""
    if not class_ids:
        return False

    def compute():
        q = (
            select(Student.id)
            .where(
                Student.family_id == family_id,
                Student.class_id.in_(sorted(class_ids)),
                Student.status == StudentStatus.ACTIVE,
            )
            .limit(1)
        )
        return db.session.scalar(q) is not None

    return cached(("family-taught", family_id, frozenset(class_ids)), compute)


# ---- policies -------------------------------------------------------------------------------------


def can_student(user: User, need: Need, student: Student) -> bool:
    """A student: the school's leaders, the class's teachers and the guardians see them; the head
    teacher, the principal and the school admin edit them (and their guardians) while they are at
    school; the principal and the school admin manage them (status, class, guardian links; issue
    15 item 6), whatever their status."""
    sid = student.school_id
    if need is Need.VIEW:
        return (
            sid in leader_school_ids(user)
            or student.class_id in taught_class_ids(user)
            or student.id in guardian_student_ids(user)
            or student.id in linked_student_ids(user)
        )
    if need is Need.EDIT:
        # A student who has left (graduated, transferred) is read-only: the archive stays.
        if student.status != StudentStatus.ACTIVE:
            return False
        return sid in leader_school_ids(user) or student.class_id in headed_class_ids(user)
    if need is Need.MANAGE:
        return sid in leader_school_ids(user)
    return False


def can_user(actor: User, need: Need, user: User) -> bool:
    """Account administration: a school admin for the staff of their school; district admins."""
    if need in (Need.VIEW, Need.MANAGE):
        if actor.has_role(Role.DISTRICT_ADMIN) and user.district_id == actor.district_id:
            return True
        admin_of = actor.school_ids_with(Role.SCHOOL_ADMIN)
        if not admin_of or user.is_district:
            return False
        # Only accounts wholly inside the actor's schools: a password reset or a deactivation
        # must not reach power the actor does not have (another school's roles).
        schools = {r.school_id for r in user.roles if r.school_id is not None}
        if schools:
            return schools <= admin_of
        return user.is_guardian and _guardian_in_schools(user, admin_of)
    return False


def _guardian_in_schools(user: User, school_ids: set[int]) -> bool:
    q = (
        select(Student.id)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .where(Guardian.user_id == user.id, Student.school_id.in_(school_ids))
        .limit(1)
    )
    return db.session.scalar(q) is not None


def can_see_sensitive(user: User, student: Student) -> bool:
    """The student's sensitive data: see `sees_sensitive_in_class`."""
    return sees_sensitive_in_class(user, student.class_id, student.school_id)


def can_mark_focus(user: User, student: Student) -> bool:
    """Who marks and ends a student's focus categories from the student page (issue 21 item 5):
    the head teacher of the class and the school's leaders (principal / Party secretary, school
    admin), while the student is at school: those who see the sensitive categories too (seed
    002 §7). Never subject teachers, never the district."""
    return student.status == StudentStatus.ACTIVE and can_see_sensitive(user, student)


register(Student, can_student)
register(User, can_user)


# ---- loaders and list scopes ----------------------------------------------------------------------


def load_student(student_id: int, need: Need = Need.VIEW, options=()) -> Student:
    """The student, if the current user may `need` it; 404 otherwise (never 403: ids don't leak)."""
    return load(Student, student_id, need, options)


def load_user(user_id: int, need: Need = Need.MANAGE) -> User:
    """An account the current user administers; 404 otherwise."""
    return load(User, user_id, need)


def scope_students(q: Select, user: User) -> Select:
    """Restrict a student query to those the user may view."""
    leader = leader_school_ids(user)
    taught = taught_class_ids(user)
    children = guardian_student_ids(user)
    conds = []
    if leader:
        conds.append(Student.school_id.in_(leader))
    if taught:
        conds.append(Student.class_id.in_(taught))
    if children:
        conds.append(Student.id.in_(children))
    linked = linked_student_ids(user)
    if linked:
        conds.append(Student.id.in_(sorted(linked)))
    if not conds:
        return q.where(False)
    return q.where(or_(*conds))
