"""Every "who may do what" decision, and the object loaders that apply them.

Loaders return the object or abort with 404 (never 403), so that ids outside a user's world do not
reveal that they exist. Views call loaders; they never fetch a model by id themselves.
"""

from __future__ import annotations

import enum
import functools

from flask import abort, g
from flask_login import current_user
from sqlalchemy import Select, String, bindparam, cast, func, literal_column, or_, select, union

from gridapp.accounts.models import Role, User, UserRole
from gridapp.cases.models import Case
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.core import fastload
from gridapp.extensions import db
from gridapp.grids.models import Grid, GuidanceActivity
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.reception.models import Booking, DayStatus, ReceptionDay
from gridapp.schools.models import School, SchoolClass, TeachingAssignment


class Need(enum.StrEnum):
    VIEW = "view"  # read the object's ordinary (non-sensitive) data
    EDIT = "edit"  # change the object's ordinary data
    MANAGE = "manage"  # administer: structure, accounts, settings


# ---- the user's world, computed once a request -------------------------------------------------


def _cached(key, compute):
    store = g.setdefault("_permission_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


@functools.cache
def _taught_statement():
    """Built once (statement construction costs more than the query on every page). The schools
    come from the user's roles in SQL, not as an expanding list: that would be re-rendered on
    every execution."""
    teacher = bindparam("teacher_id")
    schools = (
        select(UserRole.school_id)
        .where(UserRole.user_id == teacher, UserRole.role == Role.TEACHER)
        .correlate(None)  # never the user_roles of a query this is embedded in
        .scalar_subquery()
    )
    return union(
        select(TeachingAssignment.class_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(TeachingAssignment.teacher_id == teacher, SchoolClass.school_id.in_(schools)),
        select(SchoolClass.id).where(
            SchoolClass.head_teacher_id == teacher, SchoolClass.school_id.in_(schools)
        ),
    )


def taught_classes_column():
    """The user's taught classes as one comma-separated value, for the user's own load: the
    signed-in user's world then costs no query of its own on each page."""
    return _taught_classes_column(db.engine.dialect.name)


@functools.cache
def _taught_classes_column(dialect: str):
    # Spelled per database with a literal separator: `aggregate_strings` binds its separator as
    # a post-compile parameter, which re-renders the whole statement on every execution.
    taught = _taught_statement().subquery()
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    value = aggregate(cast(taught.c[0], String), literal_column("','"))
    return select(value).select_from(taught).scalar_subquery()


def preload_taught_class_ids(user: User, value: str | None) -> None:
    """Prime this request's permission cache with `taught_classes_column`'s value."""
    if user.has_role(Role.TEACHER):
        ids = frozenset(int(x) for x in value.split(",")) if value else frozenset()
        g.setdefault("_permission_cache", {})[f"taught:{user.id}"] = ids


def taught_class_ids(user: User) -> frozenset[int]:
    """Classes the user heads or teaches in (only schools where they hold the teacher role)."""
    if not user.has_role(Role.TEACHER):
        return frozenset()

    def compute():
        return frozenset(fastload.execute(_taught_statement(), {"teacher_id": user.id}).scalars())

    return _cached(f"taught:{user.id}", compute)


def headed_class_ids(user: User) -> frozenset[int]:
    """Classes the user heads, at schools where they still hold the teacher role."""
    schools = user.school_ids_with(Role.TEACHER)
    if not schools:
        return frozenset()

    def compute():
        q = select(SchoolClass.id).where(
            SchoolClass.head_teacher_id == user.id, SchoolClass.school_id.in_(schools)
        )
        return frozenset(fastload.execute(q).scalars())

    return _cached(f"headed:{user.id}", compute)


def guardian_student_ids(user: User) -> frozenset[int]:
    if not user.has_role(Role.GUARDIAN):
        return frozenset()

    def compute():
        q = (
            select(StudentGuardian.student_id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == user.id)
        )
        return frozenset(fastload.execute(q).scalars())

    return _cached(f"children:{user.id}", compute)


def leader_school_ids(user: User) -> set[int]:
    """Schools the user leads or administers: they see everything ordinary there."""
    return user.school_ids_with(Role.SCHOOL_ADMIN, Role.PRINCIPAL)


def district_school_ids(user: User) -> frozenset[int]:
    if not user.is_district:
        return frozenset()

    def compute():
        q = select(School.id).where(School.district_id == user.district_id)
        return frozenset(fastload.execute(q).scalars())

    return _cached(f"district:{user.id}", compute)


def visible_school_ids(user: User) -> set[int]:
    """Schools whose figures the user may see."""
    return set(district_school_ids(user)) | leader_school_ids(user)


# ---- decisions ------------------------------------------------------------------------------------


def can_school(user: User, need: Need, school: School) -> bool:
    if need is Need.VIEW:  # the school's overview and figures: its leaders and the district
        return school.id in leader_school_ids(user) or school.id in district_school_ids(user)
    if need is Need.MANAGE:
        return user.has_role(Role.SCHOOL_ADMIN, school.id) or (
            user.has_role(Role.DISTRICT_ADMIN) and school.district_id == user.district_id
        )
    return False


def can_class(user: User, need: Need, school_class: SchoolClass) -> bool:
    sid = school_class.school_id
    if need is Need.VIEW:
        return (
            sid in leader_school_ids(user)
            or school_class.id in taught_class_ids(user)
            or sid in district_school_ids(user)
        )
    if need is Need.MANAGE:
        return user.has_role(Role.SCHOOL_ADMIN, sid) or (
            user.has_role(Role.DISTRICT_ADMIN) and sid in district_school_ids(user)
        )
    return False


def can_student(user: User, need: Need, student: Student) -> bool:
    sid = student.school_id
    if need is Need.VIEW:
        return (
            sid in leader_school_ids(user)
            or student.class_id in taught_class_ids(user)
            or student.id in guardian_student_ids(user)
        )
    if need is Need.EDIT:
        # A student who has left (graduated, transferred) is read-only: the archive stays.
        if student.status != StudentStatus.ACTIVE:
            return False
        return user.has_role(Role.SCHOOL_ADMIN, sid) or student.class_id in headed_class_ids(user)
    if need is Need.MANAGE:
        return user.has_role(Role.SCHOOL_ADMIN, sid)
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


def _family_in_classes(family_id: int, class_ids) -> bool:
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

    return _cached(("family-taught", family_id, frozenset(class_ids)), compute)


def guardian_family_ids(user: User) -> frozenset[int]:
    if not user.has_role(Role.GUARDIAN):
        return frozenset()

    def compute():
        return frozenset(
            db.session.scalars(select(Guardian.family_id).where(Guardian.user_id == user.id))
        )

    return _cached(f"families:{user.id}", compute)


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
    return _family_in_classes(contact.family_id, taught_class_ids(user))


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


def is_parent_view(user: User, contact: Contact) -> bool:
    """The guardian's view of a contact with their family (never a withdrawn one)."""
    return (
        contact.family_id in guardian_family_ids(user)
        and contact.status is not ContactStatus.WITHDRAWN
    )


def can_grid(user: User, need: Need, grid: Grid) -> bool:
    """A parent grid: its grid teachers keep it (and its family log); the class's head teacher
    and the school's admin divide the class; the class's teachers and the leaders see it."""
    keepers = {grid.grid_teacher_id, grid.deputy_id} - {None}
    if need is Need.VIEW:
        return (
            user.id in keepers
            or grid.class_id in taught_class_ids(user)
            or grid.school_id in leader_school_ids(user)
        )
    if need is Need.EDIT:  # write the family log, relay opinions
        return (user.id in keepers and user.has_role(Role.TEACHER, grid.school_id)) or (
            grid.class_id in headed_class_ids(user)
        )
    if need is Need.MANAGE:  # rename, grid teachers, move families
        return grid.class_id in headed_class_ids(user) or user.has_role(
            Role.SCHOOL_ADMIN, grid.school_id
        )
    return False


def can_plan_activity(user: User, school_class: SchoolClass, grid: Grid | None) -> bool:
    """A class activity: its head teacher or the school admin; a grid activity: also the grid's
    keepers."""
    if can_divide_class(user, school_class):
        return True
    return grid is not None and grid.class_id == school_class.id and can_grid(user, Need.EDIT, grid)


def can_activity(user: User, need: Need, activity: GuidanceActivity) -> bool:
    """A guidance activity: the class's teachers and the school's leaders see it; whoever may plan
    it (and its author) records attendance."""
    if need is Need.VIEW:
        return activity.class_id in taught_class_ids(
            user
        ) or activity.school_id in leader_school_ids(user)
    if need is Need.EDIT:
        if activity.created_by_id == user.id and activity.class_id in taught_class_ids(user):
            return True
        if activity.class_id in headed_class_ids(user) or user.has_role(
            Role.SCHOOL_ADMIN, activity.school_id
        ):
            return True
        grid = db.session.get(Grid, activity.grid_id) if activity.grid_id else None
        return grid is not None and can_grid(user, Need.EDIT, grid)
    return False


def sees_sensitive_in_class(user: User, class_id: int | None, school_id: int) -> bool:
    """Sensitive family data (DOMAIN.md, Privacy): the head teacher of the class, the school's
    principal and admin. Never subject teachers, never the district."""
    user = _real(user)
    if user is None or not user.is_authenticated:
        return False
    return (class_id is not None and class_id in headed_class_ids(user)) or (
        school_id in leader_school_ids(user)
    )


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

    return _cached(("guardian_schools", user.id), compute)


def can_reception_day(user: User, need: Need, day: ReceptionDay) -> bool:
    """A reception day: the school's principal and admin run it; parents of its pupils see it
    while it is published."""
    hosts = user.has_role(Role.PRINCIPAL, day.school_id) or user.has_role(
        Role.SCHOOL_ADMIN, day.school_id
    )
    if need is Need.VIEW:
        return hosts or (
            day.status is DayStatus.PUBLISHED and day.school_id in guardian_school_ids(user)
        )
    return hosts


def can_booking(user: User, need: Need, booking: Booking) -> bool:
    """A booking: its parent, and the school's principal and admin."""
    if booking.guardian_user_id is not None and booking.guardian_user_id == user.id:
        return need in (Need.VIEW, Need.EDIT)
    return user.has_role(Role.PRINCIPAL, booking.school_id) or user.has_role(
        Role.SCHOOL_ADMIN, booking.school_id
    )


def can_see_sensitive(user: User, student: Student) -> bool:
    return sees_sensitive_in_class(user, student.class_id, student.school_id)


def can_change_focus_in_grid(user: User, grid: Grid) -> bool:
    """Who marks or ends a focus category from a grid's log: those who see the class's sensitive
    data, and the grid's keepers (ordinary categories only: see `focus_choices`)."""
    return sees_sensitive_in_class(user, grid.class_id, grid.school_id) or can_grid(
        user, Need.EDIT, grid
    )


def can_divide_class(user: User, school_class: SchoolClass) -> bool:
    """Who divides a class's families into grids: its head teacher and the school admin."""
    return school_class.id in headed_class_ids(user) or user.has_role(
        Role.SCHOOL_ADMIN, school_class.school_id
    )


def can_case(user: User, need: Need, case: Case) -> bool:
    """An opinion case: the school's leaders handle it; its assignee answers it; the grid teachers
    who relayed it follow it; the district's supervisors see it (without the writer's identity)."""
    if need is Need.VIEW:
        if case.school_id in leader_school_ids(user):
            return True
        if user.is_district and case.school_id in district_school_ids(user):
            return True
        # Staff of the school only: a teacher who has left keeps no access.
        if case.school_id not in user.staff_school_ids:
            return False
        if case.recorded_by_id == user.id or case.assignee_id == user.id:
            return True
        if case.grid_id is not None:
            grid = db.session.get(Grid, case.grid_id)
            return grid is not None and (
                user.id in {grid.grid_teacher_id, grid.deputy_id}
                or grid.class_id in headed_class_ids(user)
            )
    return False


def load_case(case_id: int, need: Need = Need.VIEW, options=()) -> Case:
    return _load(Case, case_id, need, options)


def load_grid(grid_id: int, need: Need = Need.VIEW, options=()) -> Grid:
    return _load(Grid, grid_id, need, options)


def load_reception_day(day_id: int, need: Need = Need.VIEW, options=()) -> ReceptionDay:
    return _load(ReceptionDay, day_id, need, options)


def load_booking(booking_id: int, need: Need = Need.VIEW, options=()) -> Booking:
    return _load(Booking, booking_id, need, options)


def load_activity(activity_id: int, need: Need = Need.VIEW, options=()) -> GuidanceActivity:
    return _load(GuidanceActivity, activity_id, need, options)


_DECISIONS = {
    School: can_school,
    SchoolClass: can_class,
    Student: can_student,
    User: can_user,
    Contact: can_contact,
    Grid: can_grid,
    Case: can_case,
    GuidanceActivity: can_activity,
    ReceptionDay: can_reception_day,
    Booking: can_booking,
}


def _real(user):
    """Unwrap Flask-Login's proxy once: every attribute read through it costs a context lookup."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def can(user: User, need: Need, obj) -> bool:
    user = _real(user)
    if user is None or not user.is_authenticated:
        return False
    decide = _DECISIONS.get(type(obj))
    return bool(decide and decide(user, need, obj))


# ---- loaders --------------------------------------------------------------------------------------


def _load(model, obj_id, need: Need, options=(), related: tuple[str, ...] = ()):
    """The object if `need` is allowed, else 404. ORM loader `options`, or (faster, one Core
    query) the names of `related` many-to-ones to load with it."""
    if not isinstance(obj_id, int) or obj_id < 1 or obj_id > 2**31 - 1:
        abort(404)
    if options:
        obj = db.session.get(model, obj_id, options=list(options))
    else:
        obj = fastload.get(model, obj_id, related)
    if obj is None or not can(_real(current_user), need, obj):
        abort(404)
    return obj


def get_or_404(model, obj_id):
    """A row by id for a loader that then checks its parent; bad or huge ids are 404."""
    if not isinstance(obj_id, int) or obj_id < 1 or obj_id > 2**31 - 1:
        abort(404)
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def load_school(school_id: int, need: Need = Need.VIEW) -> School:
    return _load(School, school_id, need)


def class_staff(user: User, school_class: SchoolClass) -> bool:
    """The class's teachers and its school's leaders: those who work with its students (district
    supervisors see the class list, not the students)."""
    return school_class.id in taught_class_ids(user) or (
        school_class.school_id in leader_school_ids(user)
    )


def load_class_for_staff(class_id: int, options=()) -> SchoolClass:
    school_class = load_class(class_id, Need.VIEW, options)
    if not class_staff(_real(current_user), school_class):
        abort(404)
    return school_class


def load_class(
    class_id: int, need: Need = Need.VIEW, options=(), related: tuple[str, ...] = ()
) -> SchoolClass:
    return _load(SchoolClass, class_id, need, options, related)


def load_student(student_id: int, need: Need = Need.VIEW, options=()) -> Student:
    """The student, if the current user may `need` it; 404 otherwise (never 403: ids don't leak)."""
    return _load(Student, student_id, need, options)


def load_contact(contact_id: int, need: Need = Need.VIEW, options=()) -> Contact:
    return _load(Contact, contact_id, need, options)


def load_user(user_id: int, need: Need = Need.MANAGE) -> User:
    return _load(User, user_id, need)


def require(condition: bool) -> None:
    """For pages that are not about one object (an admin page): 404 when not allowed."""
    if not condition:
        abort(404)


# ---- list scopes ----------------------------------------------------------------------------------


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
    if not conds:
        return q.where(False)
    return q.where(or_(*conds))


def managed_school_ids(user: User) -> set[int]:
    ids = set(user.school_ids_with(Role.SCHOOL_ADMIN))
    if user.has_role(Role.DISTRICT_ADMIN):
        ids |= set(district_school_ids(user))
    return ids
