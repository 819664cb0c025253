"""Students, guardians and families: linking siblings, editing a student, revealing a phone."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit, text
from gridapp.core.audit import AuditEntry
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held, lock_row, one_row
from gridapp.extensions import db
from gridapp.people.models import (
    Family,
    FocusCategory,
    Gender,
    Guardian,
    Relation,
    Student,
    StudentFocus,
    StudentGuardian,
    StudentStatus,
    StudentStatusChange,
)
from gridapp.schools.models import School, SchoolClass


def class_sizes(class_ids) -> dict[int, int]:
    """Active students per class, in one grouped query."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Student.class_id, func.count())
        .where(Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE)
        .group_by(Student.class_id)
    )
    return dict(rows.all())


def family_of(student: Student) -> tuple[list[StudentGuardian], list[Student]]:
    """The student's guardian links (primary first) and siblings (oldest first)."""
    links = db.session.scalars(
        select(StudentGuardian)
        .where(StudentGuardian.student_id == student.id)
        .options(joinedload(StudentGuardian.guardian))
        .order_by(StudentGuardian.is_primary.desc(), StudentGuardian.id)
    ).all()
    siblings = db.session.scalars(
        select(Student)
        .where(Student.family_id == student.family_id, Student.id != student.id)
        .options(joinedload(Student.school_class), joinedload(Student.school))
        .order_by(Student.birth_on)
    ).all()
    return links, siblings


def children_of(user) -> list[Student]:
    """A guardian's children, for the parent's home page."""
    return list(
        db.session.scalars(
            select(Student)
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(Guardian.user_id == user.id)
            .options(
                joinedload(Student.school_class),
                joinedload(Student.school),
                selectinload(Student.guardian_links),
            )
            .order_by(Student.birth_on)
        )
    )


def children_at(user, school_id: int) -> list[tuple[int, str, str]]:
    """A guardian's children at school `school_id` as (student id, name, class name or ""),
    oldest first: one query, for a form's choice of child (a booking)."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Student.id, Student.name, func.coalesce(SchoolClass.name, ""))
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Guardian.user_id == user.id, Student.school_id == school_id)
            .order_by(Student.birth_on, Student.id)
        )
    ]


def guardian_of(user) -> Guardian | None:
    """The guardian record linked to a parent account (at most one: `guardians.user_id` is
    unique), or None: the name and phone a signed-in parent need not type again."""
    return db.session.scalar(select(Guardian).where(Guardian.user_id == user.id))


def merge_families(keep: Family, other: Family) -> Family:
    """Siblings who share a guardian are one family: move everyone of `other` into `keep`."""
    if keep.id == other.id:
        return keep
    db.session.execute(
        update(Student).where(Student.family_id == other.id).values(family_id=keep.id)
    )
    db.session.execute(
        update(Guardian).where(Guardian.family_id == other.id).values(family_id=keep.id)
    )
    db.session.expire_all()
    return keep


def link_guardian(student: Student, guardian: Guardian, primary: bool = False) -> StudentGuardian:
    """Link a guardian to a student; if they were in different families, the families merge."""
    if student.family_id != guardian.family_id:
        keep = db.session.get(Family, min(student.family_id, guardian.family_id))
        other = db.session.get(Family, max(student.family_id, guardian.family_id))
        merge_families(keep, other)
    if primary:
        db.session.execute(
            update(StudentGuardian)
            .where(StudentGuardian.student_id == student.id)
            .values(is_primary=False)
        )
    link = StudentGuardian(student_id=student.id, guardian_id=guardian.id, is_primary=primary)
    db.session.add(link)
    db.session.flush()
    return link


@dataclass
class StudentData:
    name: str
    gender: Gender
    birth_on: date | None
    address: str
    community: str


def update_student(actor: User, student: Student, data: StudentData, today: date) -> None:
    if data.birth_on and data.birth_on >= today:
        raise RuleViolation(_("出生日期须早于今天"), field="birth_on")
    if data.birth_on and data.birth_on.year < 1950:
        raise RuleViolation(_("请填写有效的出生日期"), field="birth_on")
    data.name = text.normalise_name(data.name)
    changed = sorted(k for k, v in data.__dict__.items() if getattr(student, k) != v)
    for key in changed:
        setattr(student, key, getattr(data, key))
    audit.record(actor, "student.update", student, fields=changed)


def reveal_guardian_phone(actor: User, student: Student, guardian: Guardian) -> str:
    """The full number, recorded in the audit log (phones are masked in lists)."""
    if guardian.id not in {link.guardian_id for link in student.guardian_links}:
        raise LookupError(guardian.id)
    audit.record(
        actor, "guardian.phone.view", guardian, school_id=student.school_id, student_id=student.id
    )
    return guardian.mobile


@functools.cache
def _roster_statement(with_search: bool) -> Select:
    """Built once: constructing a statement costs more than running it on a list page."""
    primary = aliased(StudentGuardian)
    q = (
        select(
            Student.id,
            Student.student_number,
            Student.name,
            Student.gender,
            Student.community,
            Guardian.name.label("guardian_name"),
            Guardian.relation.label("guardian_relation"),
            Guardian.mobile.label("guardian_mobile"),
        )
        .outerjoin(primary, (primary.student_id == Student.id) & primary.is_primary)
        .outerjoin(Guardian, Guardian.id == primary.guardian_id)
        .where(Student.class_id == bindparam("class_id"), Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_number, Student.id)
    )
    if with_search:
        like = bindparam("like")
        q = q.where(
            or_(
                Student.name.ilike(like, escape=text.LIKE_ESCAPE),
                Student.student_number.ilike(like, escape=text.LIKE_ESCAPE),
                Student.community.ilike(like, escape=text.LIKE_ESCAPE),
            )
        )
    return q


def class_roster_query(class_id: int, search: str = "") -> tuple[Select, dict]:
    """A class's active students with their primary contact, as plain rows (the class page).
    `search` is read as a Chinese keyboard types it (core.text.normalise_search) and matched
    literally inside name, student number or community, in any case."""
    params = {"class_id": class_id}
    search = text.normalise_search(search)
    if search:
        params["like"] = text.like_pattern(search)
    return _roster_statement(bool(search)), params


def guardian_account(actor: User, student: Student, guardian: Guardian) -> tuple[User, str]:
    """Give a guardian of `student` an account (or a new link to set its password).

    Returns the account and a one-time link token. The username is "jz" + the guardian's id,
    not the mobile number: usernames appear in lists and the audit log, phones must not.
    An existing account is only reset here when being a guardian is all it is.
    """
    from gridapp.accounts import services as accounts
    from gridapp.accounts.models import Role, UserRole

    if guardian.id not in {link.guardian_id for link in student.guardian_links}:
        raise LookupError(guardian.id)
    # One account per guardian: an admin's second click at the same moment waits for the first
    # and then finds its account (the guardian's row is locked, then read again).
    lock_row(Guardian, guardian.id)
    db.session.refresh(guardian)
    user = guardian.user
    if user is not None and any(r.role != Role.GUARDIAN for r in user.roles):
        raise PermissionError(user.id)
    if user is None:
        username = f"jz{guardian.id:06d}"
        user = accounts.create_user(
            actor,
            accounts.UserData(username=username, name=guardian.name, phone=guardian.mobile),
            student.school.district_id,
        )
        user.roles.append(UserRole(role=Role.GUARDIAN))
        guardian.user_id = user.id
        db.session.flush()
        audit.record(
            actor,
            "guardian.account",
            guardian,
            school_id=student.school_id,
            student_id=student.id,
            user_id=user.id,
        )
    token = accounts.issue_invitation(actor, user)
    return user, token


def open_focus(student_ids) -> dict[int, list[StudentFocus]]:
    """Each student's focus categories that are still open, oldest first."""
    out: dict[int, list[StudentFocus]] = {}
    ids = sorted(set(student_ids))
    if not ids:
        return out
    for f in db.session.scalars(
        select(StudentFocus)
        .where(StudentFocus.student_id.in_(ids), StudentFocus.ended_on.is_(None))
        .order_by(StudentFocus.since_on, StudentFocus.id)
    ):
        out.setdefault(f.student_id, []).append(f)
    return out


def change_focus(
    actor: User,
    student: Student,
    category: FocusCategory,
    mark: bool,
    on: date,
    reason: str | None = None,
) -> StudentFocus:
    """Mark a student as a focus student of `category` from `on`, or end that category on `on`,
    with `reason` (kept on the entry as `reason` or `end_reason`; None from a grid log, whose
    entry holds it). Entries are ended, never deleted; the change is audited (sensitive
    categories included, the reason never: it may say what the category is about).
    Raises RuleViolation (field "focus") when the category is already open (mark) or not open
    (end), and (field "happened_on") when an end precedes the mark."""
    current = db.session.scalar(
        select(StudentFocus).where(
            StudentFocus.student_id == student.id,
            StudentFocus.category == category,
            StudentFocus.ended_on.is_(None),
        )
    )
    if mark:
        if current is not None:
            raise RuleViolation(_("该学生已是这一类重点对象"), field="focus")
        entry = StudentFocus(
            student_id=student.id,
            category=category,
            since_on=on,
            noted_by_id=actor.id,
            reason=reason,
        )
        # The partial unique index ix_student_focus_one_open holds it when two marks cross.
        with held(_("该学生已是这一类重点对象"), field="focus"):
            db.session.add(entry)
    else:
        if current is None:
            raise RuleViolation(_("该学生不是这一类重点对象"), field="focus")
        if on < current.since_on:
            raise RuleViolation(_("解除日期不能早于标记日期"), field="happened_on")
        entry = current
        entry.ended_on = on
        entry.end_reason = reason
        entry.ended_by_id = actor.id
    db.session.flush()
    audit.record(
        actor,
        "student.focus.mark" if mark else "student.focus.end",
        student,
        school_id=student.school_id,
        category=category.value,
        sensitive=category.sensitive,
        on=on.isoformat(),
    )
    return entry


def reveal_focus(actor: User, student: Student) -> list[StudentFocus]:
    """A student's open focus categories, sensitive ones included; the caller has checked the
    actor may see them, and the view is in the audit log."""
    entries = open_focus([student.id]).get(student.id, [])
    audit.record(
        actor, "student.focus.view", student, school_id=student.school_id,
        categories=[e.category.value for e in entries],
    )  # fmt: skip
    return entries


SENSITIVE_LIMIT = 2000


def sensitive_of(student: Student):
    from gridapp.people.models import StudentSensitive

    return db.session.get(StudentSensitive, student.id)


def reveal_sensitive(actor: User, student: Student):
    """The sensitive record, for someone the caller has checked is entitled; audited."""
    record = sensitive_of(student)
    audit.record(actor, "student.sensitive.view", student, school_id=student.school_id)
    return record


def update_sensitive(actor: User, student: Student, values: dict[str, str]) -> None:
    """Change the sensitive record (entitled users only, checked by the caller); audited, with
    which fields changed but never their contents."""
    import re

    from gridapp.people.models import StudentSensitive

    clean = {}
    for name in StudentSensitive.FIELDS:
        value = (values.get(name) or "").strip()
        if len(value) > SENSITIVE_LIMIT:
            raise RuleViolation(_("内容不能超过 %(n)d 字", n=SENSITIVE_LIMIT), field=name)
        clean[name] = value
    if clean["id_number"] and not re.fullmatch(r"\d{17}[\dXx]", clean["id_number"]):
        raise RuleViolation(_("请输入18位身份证号码"), field="id_number")
    clean["id_number"] = clean["id_number"].upper()
    # One record per student (its primary key): two saves at once share it.
    record, _created = one_row(
        StudentSensitive,
        {"student_id": student.id},
        lambda: StudentSensitive(
            student_id=student.id, **dict.fromkeys(StudentSensitive.FIELDS, "")
        ),
    )
    changed = [n for n in StudentSensitive.FIELDS if getattr(record, n) != clean[n]]
    for name, value in clean.items():
        setattr(record, name, value)
    record.updated_by_id = actor.id
    db.session.flush()
    audit.record(
        actor, "student.sensitive.update", student, school_id=student.school_id, fields=changed
    )


def school_users_query(school_id: int, search: str = "", role: str = "") -> Select:
    """The accounts holding a role at a school, for the account administration list.

    Takes the school id, a search text (matched inside name or username; "" for all) and a role
    value ("" or an unknown value for every role). Returns a Select of distinct ``User`` rows
    ordered by name (pinyin: User.name_key) then id, ready for ``paginate``.
    """
    q = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.school_id == school_id)
        .distinct()
        .order_by(User.name_key, User.id)
    )
    found = text.search_condition(search, User.name, User.username)
    if found is not None:
        q = q.where(found)
    if role in {r.value for r in Role}:
        q = q.where(UserRole.role == role)
    return q


def schools_by_id(school_ids) -> list[School]:
    """The ``School`` rows with the given ids (e.g. ``managed_school_ids(user)``), ordered by id."""
    return list(
        db.session.scalars(select(School).where(School.id.in_(school_ids)).order_by(School.id))
    )


def audit_log_query(
    user: User,
    actions: list[str] | None = None,
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    action_prefix: str = "",
) -> Select:
    """The audit entries a district or school admin may read, newest first.

    Takes the reading admin (a district admin sees the district; a school admin the schools
    they administer) and optional filters: `actions`, exact action keys (an empty list matches
    nothing; None no filter); `action_prefix`, a group such as "student." (old links);
    `actor`, a text inside the acting person's name or username (as a Chinese keyboard types
    it), or inside the name kept on the entry (a typed sign-in name, "cli"); `since` and
    `until`, aware instants of a half-open window [since, until). Returns a Select of
    ``AuditEntry`` ordered by time then id, descending, ready for ``paginate``. Rule: a
    school's own entries, plus the entries about its people that belong to no school (sign-ins,
    password changes) — never what those people did at another school; a district admin also
    sees sign-ins under an unknown name.
    """
    is_district_admin = user.has_role(Role.DISTRICT_ADMIN)
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if is_district_admin:
        schools = select(School.id).where(School.district_id == user.district_id)
        people = select(User.id).where(User.district_id == user.district_id)
    else:
        school_ids = user.school_ids_with(Role.SCHOOL_ADMIN)
        schools = select(School.id).where(School.id.in_(school_ids))
        people = select(UserRole.user_id).where(UserRole.school_id.in_(school_ids))
    about_people = AuditEntry.school_id.is_(None) & (
        AuditEntry.actor_id.in_(people)
        | ((AuditEntry.object_type == "users") & AuditEntry.object_id.in_(people))
    )
    visible = AuditEntry.school_id.in_(schools) | about_people
    if is_district_admin:
        # Sign-in attempts with an unknown name belong to no one: the district admin watches them.
        visible |= (
            AuditEntry.school_id.is_(None)
            & AuditEntry.actor_id.is_(None)
            & AuditEntry.object_id.is_(None)
        )
    q = q.where(visible)
    if actions is not None:
        q = q.where(AuditEntry.action.in_(actions))
    if action_prefix:
        pattern = text.like_pattern(action_prefix, contains=False)
        q = q.where(AuditEntry.action.like(pattern, escape=text.LIKE_ESCAPE))
    actor = text.normalise_search(actor)
    if actor:
        pattern = text.like_pattern(actor)
        named = select(User.id).where(
            User.name.ilike(pattern, escape=text.LIKE_ESCAPE)
            | User.username.ilike(pattern, escape=text.LIKE_ESCAPE)
        )
        q = q.where(
            AuditEntry.actor_id.in_(named)
            | AuditEntry.actor_name.ilike(pattern, escape=text.LIKE_ESCAPE)
        )
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if until is not None:
        q = q.where(AuditEntry.at < until)
    return q


# ---- a student's status: transferred, left, graduated, and back -----------------------------------


def status_history(student: Student) -> list[StudentStatusChange]:
    """The student's status changes, newest first (undone ones included, marked `undone_at`)."""
    return list(
        db.session.scalars(
            select(StudentStatusChange)
            .where(StudentStatusChange.student_id == student.id)
            .options(joinedload(StudentStatusChange.changed_by))
            .order_by(StudentStatusChange.on.desc(), StudentStatusChange.id.desc())
        )
    )


def _last_changes(student_ids) -> dict[int, StudentStatusChange]:
    """Each student's latest change that is not undone (one query)."""
    out: dict[int, StudentStatusChange] = {}
    ids = sorted(set(student_ids))
    if not ids:
        return out
    for change in db.session.scalars(
        select(StudentStatusChange)
        .where(StudentStatusChange.student_id.in_(ids), StudentStatusChange.undone_at.is_(None))
        .order_by(StudentStatusChange.on, StudentStatusChange.id)
    ):
        out[change.student_id] = change  # the last one wins
    return out


def _check_status_date(on: date, last: StudentStatusChange | None, today: date) -> None:
    if on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="on")
    if on.year < 1950:
        raise RuleViolation(_("请填写有效的日期"), field="on")
    if last is not None and on < last.on:
        raise RuleViolation(
            _("日期不能早于上一次学籍变动（%(d)s）", d=last.on.isoformat()), field="on"
        )


def _end_placements(students, on: date, today: date) -> dict[int, int]:
    """End each student's open placement on `on` (one read, one UPDATE): {student id: placement
    id}. Raises RuleViolation (field `on`) for a date before a student entered the class."""
    from gridapp.people import placements
    from gridapp.people.models import ClassPlacement

    placements.ensure_placements(students, today)
    ids = [s.id for s in students]
    current = {
        p.student_id: p
        for p in db.session.scalars(
            select(ClassPlacement).where(
                ClassPlacement.student_id.in_(ids), ClassPlacement.to_on.is_(None)
            )
        )
    }
    for s in students:
        p = current.get(s.id)
        if p is None:
            raise IllegalTransition(_("该学生的学籍状态已被他人更改，请刷新页面后再试"))
        if on < p.from_on:
            raise RuleViolation(
                _("日期不能早于进入现班级的日期（%(d)s）", d=p.from_on.isoformat()), field="on"
            )
    closed = db.session.execute(
        update(ClassPlacement)
        .where(
            ClassPlacement.id.in_([p.id for p in current.values()]),
            ClassPlacement.to_on.is_(None),
        )
        .values(to_on=on)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != len(ids):
        raise IllegalTransition(_("该学生的学籍状态已被他人更改，请刷新页面后再试"))
    for p in current.values():
        db.session.expire(p)
    return {sid: p.id for sid, p in current.items()}


def _reopen_in_class(student: Student, on: date) -> int:
    """A student back at school: a new placement in their last class from `on`."""
    from gridapp.people.models import ClassPlacement

    placement = ClassPlacement(student_id=student.id, class_id=student.class_id, from_on=on)
    with held(_("该学生的学籍状态已被他人更改，请刷新页面后再试"), conflict=True):
        db.session.add(placement)
    return placement.id


def _undo_placement(change: StudentStatusChange) -> None:
    """Put the class history back as it was before `change`: a departure's placement opens
    again; a return's placement goes, if nothing happened to it since."""
    from gridapp.people.models import ClassPlacement

    conflict = _("该学生此后已调班，不能撤销这次变动")
    if change.to_status == StudentStatus.ACTIVE:
        if change.placement_id is None:
            return
        # The change no longer points at the placement it began, then that placement goes.
        db.session.execute(
            update(StudentStatusChange)
            .where(StudentStatusChange.id == change.id)
            .values(placement_id=None)
            .execution_options(synchronize_session=False)
        )
        gone = db.session.execute(
            ClassPlacement.__table__.delete().where(
                ClassPlacement.id == change.placement_id,
                ClassPlacement.to_on.is_(None),
                ClassPlacement.from_on == change.on,
            )
        ).rowcount
        if gone != 1:
            raise IllegalTransition(conflict)
        return
    placement_id = change.placement_id
    if placement_id is None:  # a change recorded before placements existed
        placement_id = db.session.scalar(
            select(ClassPlacement.id)
            .where(
                ClassPlacement.student_id == change.student_id,
                ClassPlacement.to_on == change.on,
            )
            .order_by(ClassPlacement.id.desc())
            .limit(1)
        )
    if placement_id is None:
        return
    with held(conflict, conflict=True):
        db.session.execute(
            update(ClassPlacement)
            .where(ClassPlacement.id == placement_id)
            .values(to_on=None)
            .execution_options(synchronize_session=False)
        )


def _status_changed(ids: list[int], old: StudentStatus, new: StudentStatus) -> int:
    """The conditional UPDATE of the old status: how many rows moved on."""
    return db.session.execute(
        update(Student)
        .where(Student.id.in_(ids), Student.status == old)
        .values(status=new)
        .execution_options(synchronize_session=False)
    ).rowcount


def set_student_status(
    actor: User,
    student: Student,
    status: StudentStatus,
    on: date,
    reason: str = "",
    *,
    today: date | None = None,
) -> StudentStatusChange:
    """Record that `student` is transferred, left or graduated from `on` (a date, not after
    today), or is back at school (在读) from `on`; returns the new `StudentStatusChange`.

    An inactive student leaves the class roster, the worklists and the quota figures of the
    periods reckoned after `on`; their archive stays readable and read-only (people.permissions:
    EDIT needs an active student). `reason` (≤ 200 characters, free text) is kept in the history,
    never in the audit log (which says from, to and the date).

    Raises RuleViolation (field `status`: the student already has that status, or an inactive
    student is to change to another inactive status: return to 在读 first; field `on`: a date in
    the future or before the student's last change) and IllegalTransition (409) when another
    request changed the status meanwhile: the change is a conditional UPDATE of the old status.
    Rule source: issue 15 item 6 (a student transferred, left or graduated; history kept).
    """
    from gridapp.core.time import today as today_

    today = today or today_()
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=200), field="reason")
    old = student.status
    if status == old:
        raise RuleViolation(_("该学生已是“%(s)s”", s=status.label), field="to_status")
    if old != StudentStatus.ACTIVE and status != StudentStatus.ACTIVE:
        raise RuleViolation(_("该学生已不在读，请先恢复在读再更改"), field="to_status")
    _check_status_date(on, _last_changes([student.id]).get(student.id), today)
    placement_id = None
    if status != StudentStatus.ACTIVE:
        placement_id = _end_placements([student], on, today)[student.id]
    if _status_changed([student.id], old, status) != 1:
        raise IllegalTransition(_("该学生的学籍状态已被他人更改，请刷新页面后再试"))
    if status == StudentStatus.ACTIVE:
        placement_id = _reopen_in_class(student, on)
    change = StudentStatusChange(
        student_id=student.id,
        from_status=old,
        to_status=status,
        on=on,
        reason=reason,
        changed_by_id=actor.id,
        placement_id=placement_id,
    )
    db.session.add(change)
    db.session.flush()
    db.session.refresh(student, ["status"])
    audit.record(
        actor, "student.status", student, school_id=student.school_id,
        from_status=old.value, to_status=status.value, on=on.isoformat(),
    )  # fmt: skip
    return change


def set_students_status(
    actor: User,
    students,
    status: StudentStatus,
    on: date,
    reason: str = "",
    *,
    today: date | None = None,
) -> list[StudentStatusChange]:
    """The same as `set_student_status` for many active students at once (the roster import's
    "absent from the new file" list), all or nothing, in a fixed number of statements whatever
    their number. `status` must be transferred, left or graduated.

    Raises RuleViolation (field `status`) naming the students that are not active, or (field
    `on`) for a date in the future or before one of their last changes; IllegalTransition when
    another request changed one of them meanwhile (the caller's transaction is then rolled back:
    nothing is half-changed). Rule source: issue 15 items 4 and 6.
    """
    from gridapp.core.time import today as today_
    from gridapp.people.models import INACTIVE_STATUSES

    today = today or today_()
    students = list({s.id: s for s in students}.values())
    if not students:
        return []
    if status not in INACTIVE_STATUSES:
        raise RuleViolation(_("请选择转学、离校或毕业"), field="to_status")
    reason = (reason or "").strip()[:200]
    not_active = [s.name for s in students if s.status != StudentStatus.ACTIVE]
    if not_active:
        raise RuleViolation(
            _("这些学生已不在读：%(names)s", names="、".join(not_active[:10])), field="status"
        )
    last = _last_changes([s.id for s in students])
    for s in students:
        _check_status_date(on, last.get(s.id), today)
    ids = [s.id for s in students]
    ended = _end_placements(students, on, today)
    if _status_changed(ids, StudentStatus.ACTIVE, status) != len(ids):
        raise IllegalTransition(_("有学生的学籍状态已被他人更改，请刷新页面后再试"))
    changes = [
        StudentStatusChange(
            student_id=s.id,
            from_status=StudentStatus.ACTIVE,
            to_status=status,
            on=on,
            reason=reason,
            changed_by_id=actor.id,
            placement_id=ended[s.id],
        )
        for s in students
    ]
    db.session.add_all(changes)
    for s in students:
        audit.record(
            actor, "student.status", s, school_id=s.school_id,
            from_status=StudentStatus.ACTIVE.value, to_status=status.value, on=on.isoformat(),
        )  # fmt: skip
    db.session.flush()
    for s in students:
        db.session.expire(s, ["status"])
    return changes


def undo_status_change(actor: User, change: StudentStatusChange) -> None:
    """Undo the student's latest status change exactly (a mistaken "transferred" is as if it
    never was): the student's status goes back to `change.from_status`, the change stays in the
    history marked undone. Only the latest change that is not undone can be undone.

    Raises RuleViolation when a later change exists or it is already undone, IllegalTransition
    when another request changed the status meanwhile (conditional UPDATEs of the old state).
    Rule source: issue 15 item 6 (undo where cheap).
    """
    from gridapp.core.time import now

    if change.undone_at is not None:
        raise RuleViolation(_("这次变动已撤销"))
    if _last_changes([change.student_id]).get(change.student_id) is not change:
        raise RuleViolation(_("只能撤销最近一次学籍变动"))
    done = db.session.execute(
        update(StudentStatusChange)
        .where(StudentStatusChange.id == change.id, StudentStatusChange.undone_at.is_(None))
        .values(undone_at=now(), undone_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1 or _status_changed([change.student_id], change.to_status, change.from_status) != 1:
        raise IllegalTransition(_("该学生的学籍状态已被他人更改，请刷新页面后再试"))
    _undo_placement(change)
    db.session.refresh(change)
    student = change.student
    db.session.refresh(student, ["status"])
    audit.record(
        actor, "student.status.undo", student, school_id=student.school_id,
        from_status=change.to_status.value, to_status=change.from_status.value,
        on=change.on.isoformat(),
    )  # fmt: skip


# ---- one person at a time: a new student, a guardian, a link (issue 15 item 6) --------------------


@dataclass
class GuardianData:
    name: str
    relation: Relation
    mobile: str
    other_phone: str = ""
    workplace: str = ""
    is_primary: bool = False


def district_guardian_by_mobile(district_id: int, mobile: str) -> Guardian | None:
    """The guardian of the district with this mobile number (the oldest if several), or None:
    how siblings' families are found (issue 15 item 5). `mobile` is read as typed
    (core.text.normalise_phone); only a whole number matches, never a part of one."""
    mobile = text.normalise_phone(mobile)
    if not text.is_mobile(mobile):
        return None
    return db.session.scalar(
        select(Guardian)
        .join(Family, Family.id == Guardian.family_id)
        .where(Family.district_id == district_id, Guardian.mobile == mobile)
        .order_by(Guardian.id)
        .limit(1)
    )


def _check_guardian(data: GuardianData, prefix: str = "") -> None:
    data.name = text.normalise_name(data.name)
    data.mobile = text.normalise_phone(data.mobile)
    if not data.name:
        raise RuleViolation(_("请填写姓名"), field=f"{prefix}name")
    if not text.is_mobile(data.mobile):
        raise RuleViolation(_("请输入11位手机号码，例如 13812345678"), field=f"{prefix}mobile")


def add_student(
    actor: User,
    school_class,
    data: StudentData,
    student_number: str,
    guardians: list[GuardianData],
    from_on: date,
    today: date,
) -> Student:
    """A new student of `school_class` from `from_on` (not after today), with one or two
    guardians (the first is the primary contact). A guardian whose mobile number a guardian of
    the district already has is that guardian: the new student joins their family (siblings,
    issue 15 item 5), nobody is entered twice.

    Raises RuleViolation beside the field: a student number the school already has (held by the
    unique index on school and student number), a birth date not before today, a date in the
    future, a guardian without a name or an 11-digit mobile number (fields `g1_…`, `g2_…`).
    Rule source: issue 15 item 6.
    """
    from gridapp.people.models import ClassPlacement

    number = text.normalise_code(student_number)
    if not number:
        raise RuleViolation(_("请填写学号"), field="student_number")
    if from_on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="from_on")
    if data.birth_on and data.birth_on >= today:
        raise RuleViolation(_("出生日期须早于今天"), field="birth_on")
    if data.birth_on and data.birth_on.year < 1950:
        raise RuleViolation(_("请填写有效的出生日期"), field="birth_on")
    if not guardians:
        raise RuleViolation(_("请至少填写一位监护人"), field="g1_name")
    for i, g in enumerate(guardians, 1):
        _check_guardian(g, f"g{i}_")
    if len(guardians) == 2 and guardians[0].mobile == guardians[1].mobile:
        raise RuleViolation(_("两位监护人的手机号相同"), field="g2_mobile")
    district_id = school_class.school.district_id
    taken = _("本校已有学号为 %(n)s 的学生", n=number)
    if db.session.scalar(
        select(Student.id).where(
            Student.school_id == school_class.school_id, Student.student_number == number
        )
    ):
        raise RuleViolation(taken, field="student_number")
    found = [district_guardian_by_mobile(district_id, g.mobile) for g in guardians]
    family_ids = sorted({g.family_id for g in found if g is not None})
    family = db.session.get(Family, family_ids[0]) if family_ids else None
    if family is None:
        family = Family(district_id=district_id)
        db.session.add(family)
        db.session.flush()
    for other in family_ids[1:]:
        merge_families(family, db.session.get(Family, other))
    student = Student(
        school_id=school_class.school_id,
        class_id=school_class.id,
        family_id=family.id,
        student_number=number,
        name=text.normalise_name(data.name),
        gender=data.gender,
        birth_on=data.birth_on,
        address=data.address,
        community=data.community,
        enrolment_year=school_class.enrolment_year,
    )
    # The unique index on (school, student number) holds it when two forms cross.
    with held(taken, field="student_number"):
        db.session.add(student)
    db.session.add(ClassPlacement(student_id=student.id, class_id=school_class.id, from_on=from_on))
    for i, (g, existing) in enumerate(zip(guardians, found, strict=True)):
        guardian = existing
        if guardian is None:
            guardian = Guardian(
                family_id=family.id, name=g.name, relation=g.relation, mobile=g.mobile
            )
            db.session.add(guardian)
            db.session.flush()
        link_guardian(student, guardian, primary=i == 0)
    db.session.flush()
    audit.record(
        actor, "student.create", student, school_id=student.school_id,
        class_id=school_class.id, linked_guardians=sum(1 for g in found if g is not None),
    )  # fmt: skip
    return student


def add_guardian(actor: User, student: Student, data: GuardianData) -> Guardian:
    """A new guardian of `student`, in the student's family. A mobile number a guardian of the
    district already has is refused beside the field: that parent is linked instead
    (`link_existing_guardian`), never entered twice. Rule source: issue 15 items 5 and 6."""
    _check_guardian(data)
    existing = district_guardian_by_mobile(student.school.district_id, data.mobile)
    if existing is not None:
        raise RuleViolation(
            _("本区已有使用这个手机号的家长，请使用“按手机号关联已有家长”"), field="mobile"
        )
    guardian = Guardian(
        family_id=student.family_id,
        name=data.name,
        relation=data.relation,
        mobile=data.mobile,
        other_phone=text.normalise_phone(data.other_phone),
        workplace=data.workplace,
    )
    db.session.add(guardian)
    db.session.flush()
    primary = data.is_primary or not student.guardian_links
    link_guardian(student, guardian, primary=primary)
    audit.record(actor, "guardian.create", guardian, school_id=student.school_id,
                 student_id=student.id)  # fmt: skip
    return guardian


def update_guardian(actor: User, student: Student, guardian: Guardian, data: GuardianData) -> None:
    """Change a guardian of `student` (name, relation, phones, workplace, primary contact);
    audited with the names of the fields changed, never their contents. Raises LookupError when
    the guardian is not the student's. Rule source: issue 15 item 6."""
    link = _link_of(student, guardian)
    _check_guardian(data)
    values = {
        "name": data.name,
        "relation": data.relation,
        "mobile": data.mobile,
        "other_phone": text.normalise_phone(data.other_phone),
        "workplace": data.workplace,
    }
    changed = sorted(k for k, v in values.items() if getattr(guardian, k) != v)
    for key in changed:
        setattr(guardian, key, values[key])
    if data.is_primary and not link.is_primary:
        db.session.execute(
            update(StudentGuardian)
            .where(StudentGuardian.student_id == student.id)
            .values(is_primary=False)
        )
        db.session.flush()
        link.is_primary = True
        changed.append("is_primary")
    db.session.flush()
    audit.record(actor, "guardian.update", guardian, school_id=student.school_id,
                 student_id=student.id, fields=changed)  # fmt: skip


def _link_of(student: Student, guardian: Guardian) -> StudentGuardian:
    link = db.session.scalar(
        select(StudentGuardian).where(
            StudentGuardian.student_id == student.id, StudentGuardian.guardian_id == guardian.id
        )
    )
    if link is None:
        raise LookupError(guardian.id)
    return link


def link_existing_guardian(actor: User, student: Student, mobile: str) -> Guardian:
    """Link the district's guardian with this mobile number to `student`: their families become
    one (siblings across classes and schools, issue 15 item 5). Raises RuleViolation (field
    `mobile`) when no guardian of the district has that number or they are linked already."""
    guardian = district_guardian_by_mobile(student.school.district_id, mobile)
    if guardian is None:
        raise RuleViolation(_("本区没有使用这个手机号的家长"), field="mobile")
    if any(link.guardian_id == guardian.id for link in student.guardian_links):
        raise RuleViolation(_("这位家长已是该学生的监护人"), field="mobile")
    with held(_("这位家长已是该学生的监护人"), field="mobile"):
        link_guardian(student, guardian, primary=not student.guardian_links)
    audit.record(actor, "guardian.link", guardian, school_id=student.school_id,
                 student_id=student.id)  # fmt: skip
    return guardian


def unlink_guardian(actor: User, student: Student, guardian: Guardian) -> None:
    """Remove the link between `student` and `guardian` (a wrong sibling link, a guardian who no
    longer is one); the guardian record stays. The primary contact passes to the next guardian.
    Raises LookupError when they are not linked. Rule source: issue 15 items 5 and 6."""
    link = _link_of(student, guardian)
    was_primary = link.is_primary
    db.session.delete(link)
    db.session.flush()
    if was_primary:
        nxt = db.session.scalar(
            select(StudentGuardian)
            .where(StudentGuardian.student_id == student.id)
            .order_by(StudentGuardian.id)
            .limit(1)
        )
        if nxt is not None:
            nxt.is_primary = True
            db.session.flush()
    db.session.expire(student, ["guardian_links"])
    audit.record(actor, "guardian.unlink", guardian, school_id=student.school_id,
                 student_id=student.id)  # fmt: skip
