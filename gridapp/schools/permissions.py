"""Who may see and manage schools and classes, and the user's world at school (the classes they
teach or head, the schools they lead, the district's schools), computed once a request. The
school leader check used by every domain (cases, reception, ...) is `is_school_leader`."""

from __future__ import annotations

import functools

from flask_login import current_user
from sqlalchemy import String, bindparam, cast, func, literal_column, select, union

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import fastload
from gridapp.core.permissions import (
    Need,
    cached,
    load,
    prime,
    real_user,
    register,
    register_user_preload,
    require,
)
from gridapp.extensions import db
from gridapp.schools.models import District, Region, School, SchoolClass, TeachingAssignment


@functools.cache
def _taught_statement():
    """Built once (statement construction costs more than the query on every page). The schools
    come from the user's roles in SQL, not as an expanding list: that would be re-rendered on
    every execution."""
    teacher = bindparam("user_id")
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


@functools.cache
def _headed_statement():
    """The classes the user heads, at schools where they hold the teacher role (built once)."""
    teacher = bindparam("user_id")
    schools = (
        select(UserRole.school_id)
        .where(UserRole.user_id == teacher, UserRole.role == Role.TEACHER)
        .correlate(None)
        .scalar_subquery()
    )
    return select(SchoolClass.id).where(
        SchoolClass.head_teacher_id == teacher, SchoolClass.school_id.in_(schools)
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
        prime(f"taught:{user.id}", ids)


register_user_preload("taught", taught_classes_column, preload_taught_class_ids)


def headed_classes_column():
    """The classes the user heads as one comma-separated value, loaded with the user: the
    navigation asks on every page (a head teacher's parent school link)."""
    return _headed_classes_column(db.engine.dialect.name)


@functools.cache
def _headed_classes_column(dialect: str):
    headed = _headed_statement().subquery()
    aggregate = func.string_agg if dialect == "postgresql" else func.group_concat
    value = aggregate(cast(headed.c[0], String), literal_column("','"))
    return select(value).select_from(headed).scalar_subquery()


def preload_headed_class_ids(user: User, value: str | None) -> None:
    """Prime this request's permission cache with `headed_classes_column`'s value."""
    if user.has_role(Role.TEACHER):
        ids = frozenset(int(x) for x in value.split(",")) if value else frozenset()
        prime(f"headed:{user.id}", ids)


register_user_preload("headed", headed_classes_column, preload_headed_class_ids)


def taught_class_ids(user: User) -> frozenset[int]:
    """Classes the user heads or teaches in (only schools where they hold the teacher role)."""
    if not user.has_role(Role.TEACHER):
        return frozenset()

    def compute():
        return frozenset(fastload.execute(_taught_statement(), {"user_id": user.id}).scalars())

    return cached(f"taught:{user.id}", compute)


def headed_class_ids(user: User) -> frozenset[int]:
    """Classes the user heads, at schools where they still hold the teacher role."""
    schools = user.school_ids_with(Role.TEACHER)
    if not schools:
        return frozenset()

    def compute():
        rows = fastload.execute(_headed_statement(), {"user_id": user.id}).scalars()
        return frozenset(rows)

    return cached(f"headed:{user.id}", compute)


def leader_school_ids(user: User) -> set[int]:
    """Schools the user leads or administers: they see everything ordinary there."""
    return user.school_ids_with(Role.SCHOOL_ADMIN, Role.PRINCIPAL)


def is_school_leader(user: User, school_id: int) -> bool:
    """The school's principal (also its Party secretary) or admin: handles its opinion cases,
    hosts its reception days. The one leader check of every domain."""
    return school_id in leader_school_ids(user)


def supervised_region_ids(user: User) -> frozenset[int]:
    """The regions named on the user's district-supervisor roles (a city's or a province's
    bureau), and every region below them: the subtree the user supervises (seed 000: each
    level supervises the levels below). Empty for anyone else. The tree is small (a province's
    cities): read whole, walked here."""
    named = {r.region_id for r in user.roles if r.region_id is not None}
    if not named or not user.is_district:
        return frozenset()

    def compute():
        rows = fastload.execute(select(Region.id, Region.parent_id)).all()
        children: dict[int | None, list[int]] = {}
        for region_id, parent_id in rows:
            children.setdefault(parent_id, []).append(region_id)
        out, todo = set(), list(named)
        while todo:
            region_id = todo.pop()
            if region_id not in out:
                out.add(region_id)
                todo.extend(children.get(region_id, ()))
        return frozenset(out)

    return cached(f"regions:{user.id}", compute)


def supervised_district_ids(user: User) -> frozenset[int]:
    """The districts a district user supervises: with a region scope, every district in the
    regions of `supervised_region_ids`; otherwise their own district. None for anyone else."""
    if not user.is_district:
        return frozenset()
    regions = supervised_region_ids(user)
    if not regions:
        return frozenset({user.district_id})

    def compute():
        q = select(District.id).where(District.region_id.in_(sorted(regions)))
        return frozenset(fastload.execute(q).scalars())

    return cached(f"districts:{user.id}", compute)


def district_school_ids(user: User) -> frozenset[int]:
    """The schools a district user supervises: those of their district, or of every district
    in their region's subtree for a city's or province's bureau (none for anyone else)."""
    if not user.is_district:
        return frozenset()
    if not supervised_region_ids(user):

        def own():
            q = select(School.id).where(School.district_id == user.district_id)
            return frozenset(fastload.execute(q).scalars())

        return cached(f"district:{user.id}", own)

    def compute():
        districts = sorted(supervised_district_ids(user))
        q = select(School.id).where(School.district_id.in_(districts))
        return frozenset(fastload.execute(q).scalars())

    return cached(f"district:{user.id}", compute)


def visible_school_ids(user: User) -> set[int]:
    """Schools whose figures the user may see."""
    return set(district_school_ids(user)) | leader_school_ids(user)


def managed_school_ids(user: User) -> set[int]:
    """Schools whose accounts and settings the user administers."""
    ids = set(user.school_ids_with(Role.SCHOOL_ADMIN))
    if user.has_role(Role.DISTRICT_ADMIN):
        ids |= set(district_school_ids(user))
    return ids


# ---- policies -------------------------------------------------------------------------------------


def can_school(user: User, need: Need, school: School) -> bool:
    """A school's overview and figures: its leaders and the district; managed by its admin and
    the district admin."""
    if need is Need.VIEW:
        return school.id in leader_school_ids(user) or school.id in district_school_ids(user)
    if need is Need.MANAGE:
        return user.has_role(Role.SCHOOL_ADMIN, school.id) or (
            user.has_role(Role.DISTRICT_ADMIN) and school.district_id == user.district_id
        )
    return False


def can_class(user: User, need: Need, school_class: SchoolClass) -> bool:
    """A class: its teachers, its school's leaders and the district see it; admins manage it."""
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


def class_staff(user: User, school_class: SchoolClass) -> bool:
    """The class's teachers and its school's leaders: those who work with its students (district
    supervisors see the class list, not the students)."""
    return school_class.id in taught_class_ids(user) or (
        school_class.school_id in leader_school_ids(user)
    )


def sees_sensitive_in_class(user: User, class_id: int | None, school_id: int) -> bool:
    """Sensitive family data (the privacy rules): the head teacher of the class, the school's
    principal and admin. Never subject teachers, never the district."""
    user = real_user(user)
    if user is None or not user.is_authenticated:
        return False
    return (class_id is not None and class_id in headed_class_ids(user)) or (
        school_id in leader_school_ids(user)
    )


def sees_sensitive_in_loaded_class(user: User, school_class: SchoolClass) -> bool:
    """`sees_sensitive_in_class` read from a loaded class without a query (the class page is
    the bench's hot path): its head teacher while a teacher of the school, the school's
    principal and admin."""
    user = real_user(user)
    if user is None or not user.is_authenticated:
        return False
    sid = school_class.school_id
    heads = school_class.head_teacher_id == user.id and user.has_role(Role.TEACHER, sid)
    return heads or sid in leader_school_ids(user)


def can_divide_class(user: User, school_class: SchoolClass) -> bool:
    """Who divides a class's families into grids: its head teacher and the school admin."""
    return school_class.id in headed_class_ids(user) or user.has_role(
        Role.SCHOOL_ADMIN, school_class.school_id
    )


def can_region(user: User, need: Need, region: Region) -> bool:
    """A region's dashboard: the bureaus whose subtree holds it (never the districts below)."""
    return need is Need.VIEW and region.id in supervised_region_ids(user)


def can_district(user: User, need: Need, district: District) -> bool:
    """A district's dashboard: its own bureau, and the city's or province's above it."""
    return need is Need.VIEW and district.id in supervised_district_ids(user)


register(School, can_school)
register(SchoolClass, can_class)
register(Region, can_region)
register(District, can_district)


# ---- loaders --------------------------------------------------------------------------------------


def load_school(school_id: int, need: Need = Need.VIEW) -> School:
    """The school, if the current user may `need` it; 404 otherwise."""
    return load(School, school_id, need)


def load_region(region_id: int, need: Need = Need.VIEW) -> Region:
    """The region, if the current user supervises it (it is in their subtree); 404 otherwise."""
    return load(Region, region_id, need)


def load_district(district_id: int, need: Need = Need.VIEW) -> District:
    """The district, if the current user supervises it; 404 otherwise."""
    return load(District, district_id, need)


def load_class(
    class_id: int, need: Need = Need.VIEW, options=(), related: tuple[str, ...] = ()
) -> SchoolClass:
    """The class, if the current user may `need` it; 404 otherwise."""
    return load(SchoolClass, class_id, need, options, related)


def load_class_for_staff(class_id: int, options=()) -> SchoolClass:
    """The class, for its teachers and its school's leaders only (404 for anyone else)."""
    school_class = load_class(class_id, Need.VIEW, options)
    require(class_staff(real_user(current_user), school_class))
    return school_class
