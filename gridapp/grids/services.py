"""Dividing a class's families into grids, grid teachers, and the grid family log.

Services flush, never commit: the request commits once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.contacts.models import Contact, ContactFamily, ContactStatus
from gridapp.core import audit
from gridapp.core import text as core_text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held, one_row
from gridapp.extensions import db
from gridapp.grids.models import (
    Grid,
    GridLog,
    GridLogKind,
    GridMember,
    GuidanceActivity,
    GuidanceAttendance,
)
from gridapp.grids.permissions import can_change_focus_in_grid
from gridapp.people import services as people_services
from gridapp.people.models import (
    FocusCategory,
    Guardian,
    Student,
    StudentGuardian,
    StudentStatus,
)
from gridapp.schools.models import SchoolClass, TeachingAssignment
from gridapp.schools.permissions import sees_sensitive_in_class

FAMILIES_PER_GRID = 9  # the default proposal: about nine families a grid
MAX_GRIDS = 30
TEXT_LIMIT = 2000


@dataclass
class ClassFamily:
    family_id: int
    community: str
    students: list[str] = field(default_factory=list)


def class_families(class_id: int) -> list[ClassFamily]:
    """The families of a class's active students (siblings in the class are one family)."""
    families: dict[int, ClassFamily] = {}
    rows = db.session.execute(
        select(Student.family_id, Student.community, Student.name)
        .where(Student.class_id == class_id, Student.status == StudentStatus.ACTIVE)
        .order_by(Student.student_number, Student.id)
    )
    for family_id, community, name in rows:
        fam = families.setdefault(family_id, ClassFamily(family_id, community or ""))
        fam.students.append(name)
    return list(families.values())


def default_grid_count(n_families: int) -> int:
    return max(1, min(MAX_GRIDS, math.ceil(n_families / FAMILIES_PER_GRID)))


def propose(families: list[ClassFamily], k: int) -> list[list[ClassFamily]]:
    """k grids: neighbours together (by residential community), sizes balanced.

    Communities go whole into the grid with the fewest families, largest community first; a
    community larger than a grid's share is cut into pieces of that share first.
    """
    if not 1 <= k <= MAX_GRIDS:
        raise RuleViolation(_("网格数须在 1 到 %(n)d 之间", n=MAX_GRIDS), field="grids")
    if k > max(1, len(families)):
        raise RuleViolation(_("网格数不能多于家庭数"), field="grids")
    share = math.ceil(len(families) / k) if families else 1
    by_community: dict[str, list[ClassFamily]] = defaultdict(list)
    for fam in families:
        by_community[fam.community].append(fam)
    pieces = []
    for community, members in by_community.items():
        for i in range(0, len(members), share):
            pieces.append((community, members[i : i + share]))
    pieces.sort(key=lambda p: (-len(p[1]), p[0]))
    grids: list[list[ClassFamily]] = [[] for _ in range(k)]
    for _community, members in pieces:
        # The smallest grid that still has room for the whole piece, else the smallest.
        target = min(range(k), key=lambda i: (len(grids[i]) + len(members) > share, len(grids[i])))
        grids[target].extend(members)
    return grids


def class_teacher_ids(school_class: SchoolClass) -> set[int]:
    ids = set(
        db.session.scalars(
            select(TeachingAssignment.teacher_id).where(
                TeachingAssignment.class_id == school_class.id
            )
        )
    )
    if school_class.head_teacher_id:
        ids.add(school_class.head_teacher_id)
    return ids


def create_grids(actor: User, school_class: SchoolClass, k: int) -> list[Grid]:
    """Grids for a class that has none, from the proposal; the head teacher keeps each at first."""
    if db.session.scalar(select(Grid.id).where(Grid.class_id == school_class.id).limit(1)):
        raise RuleViolation(_("本班已经划分了网格，请在下面调整"), field="grids")
    families = class_families(school_class.id)
    if not families:
        raise RuleViolation(_("本班还没有学生，无法划分网格"), field="grids")
    proposal = propose(families, k)
    grids = []
    # One division per class: a second one sent at the same moment is refused by the unique
    # (class_id, number) of its first grid, with the same message.
    with held(_("本班已经划分了网格，请在下面调整"), field="grids"):
        for number, members in enumerate(proposal, 1):
            grid = Grid(
                class_id=school_class.id,
                school_id=school_class.school_id,
                number=number,
                name=_("第%(n)d网格", n=number),
                grid_teacher_id=school_class.head_teacher_id,
            )
            db.session.add(grid)
            db.session.flush()
            for fam in members:
                db.session.add(GridMember(grid=grid, family_id=fam.family_id))
            grids.append(grid)
    audit.record(actor, "grids.create", school_class, school_id=school_class.school_id, grids=k)
    return grids


def _grid_of_class(grid_id: int, school_class: SchoolClass) -> Grid:
    grid = db.session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.class_id != school_class.id:
        raise RuleViolation(_("只能移到本班的网格"), field="grid_id")
    return grid


def move_family(actor: User, school_class: SchoolClass, family_id: int, grid_id: int) -> Grid:
    """Put a family of the class into another grid of the class (or into one, if it had none)."""
    target = _grid_of_class(grid_id, school_class)
    in_class = db.session.scalar(
        select(Student.id)
        .where(
            Student.class_id == school_class.id,
            Student.family_id == family_id,
            Student.status == StudentStatus.ACTIVE,
        )
        .limit(1)
    )
    if in_class is None:
        raise RuleViolation(_("这个家庭不在本班"), field="family_id")
    # One grid per family and class (the unique key): two moves at once share the membership.
    member, _created = one_row(
        GridMember,
        {"class_id": school_class.id, "family_id": family_id},
        # By ids, not the relationship: a row the index refuses must not stay in target.members.
        lambda: GridMember(grid_id=target.id, class_id=school_class.id, family_id=family_id),
    )
    member.grid = target
    db.session.flush()
    audit.record(actor, "grids.move", target, school_id=school_class.school_id, family_id=family_id)
    return target


def update_grid(
    actor: User, grid: Grid, name: str, grid_teacher_id: int | None, deputy_id: int | None
) -> None:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise RuleViolation(_("请填写网格名称（不超过 40 字）"), field="name")
    teachers = class_teacher_ids(grid.school_class)
    if grid_teacher_id is None:
        raise RuleViolation(_("请选择网格员"), field="grid_teacher_id")
    if grid_teacher_id not in teachers:
        raise RuleViolation(_("网格员须是本班的任课教师"), field="grid_teacher_id")
    if deputy_id is not None and (deputy_id not in teachers or deputy_id == grid_teacher_id):
        raise RuleViolation(_("副网格员须是本班的另一位任课教师"), field="deputy_id")
    grid.name, grid.grid_teacher_id, grid.deputy_id = name, grid_teacher_id, deputy_id
    db.session.flush()
    audit.record(actor, "grids.update", grid, school_id=grid.school_id)


@dataclass(frozen=True)
class FocusChange:
    student_id: int
    category: FocusCategory
    mark: bool


def parse_focus(student_value, change_value) -> FocusChange | None:
    """The log form's focus fields: a student id and "mark:<category>" or "end:<category>"."""
    change_value = (change_value or "").strip()
    if not change_value:
        return None
    action, _sep, category = change_value.partition(":")
    try:
        student_id = int(student_value)
        cat = FocusCategory(category)
    except (TypeError, ValueError):
        raise RuleViolation(_("请选择学生和重点对象类别"), field="focus") from None
    if action not in {"mark", "end"} or not 1 <= student_id <= 2**31 - 1:
        raise RuleViolation(_("请选择学生和重点对象类别"), field="focus")
    return FocusChange(student_id, cat, action == "mark")


def focus_choices(user: User, grid: Grid) -> list[FocusCategory]:
    """The categories `user` may mark or end for a student of this grid: sensitive ones only
    for those who may see the class's sensitive data."""
    if not can_change_focus_in_grid(user, grid):
        return []
    sensitive_ok = sees_sensitive_in_class(user, grid.class_id, grid.school_id)
    return [c for c in FocusCategory if sensitive_ok or not c.sensitive]


def add_log(
    actor: User, grid: Grid, family_id: int, kind: GridLogKind, happened_on: date, text: str,
    today: date, focus: FocusChange | None = None,
) -> GridLog:  # fmt: skip
    if family_id not in {m.family_id for m in grid.members}:
        raise RuleViolation(_("这个家庭不在本网格"), field="family_id")
    text = (text or "").strip()
    if not text:
        raise RuleViolation(_("请填写内容"), field="text")
    if len(text) > TEXT_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field="text")
    if happened_on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="happened_on")
    entry = GridLog(
        school_id=grid.school_id,
        grid_id=grid.id,
        family_id=family_id,
        author_id=actor.id,
        happened_on=happened_on,
        kind=kind,
        text=text,
    )
    if focus is not None:
        if kind is not GridLogKind.SITUATION:
            raise RuleViolation(_("只有“情况变化”可以标记或解除重点对象"), field="focus")
        student = db.session.get(Student, focus.student_id)
        if (
            student is None
            or student.family_id != family_id
            or student.class_id != grid.class_id
            or student.status != StudentStatus.ACTIVE
        ):
            raise RuleViolation(_("这个学生不在本网格"), field="focus")
        if focus.category not in focus_choices(actor, grid):
            raise RuleViolation(
                _("敏感类别只能由班主任、校长或学校管理员标记或解除"), field="focus"
            )
        people_services.change_focus(actor, student, focus.category, focus.mark, happened_on)
        entry.student_id = student.id
        entry.focus_category = focus.category
        entry.focus_marked = focus.mark
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "grids.log", entry, school_id=grid.school_id, family_id=family_id)
    return entry


# ---- guidance activities --------------------------------------------------------------------------

TOPIC_LIMIT, PLACE_LIMIT, SPEAKER_LIMIT = 100, 100, 60


@dataclass
class ActivityData:
    topic: str
    held_on: date
    place: str
    speaker: str
    grid_id: int | None = None


def _check_activity(school_class: SchoolClass, data: ActivityData, today: date) -> None:
    for value, limit, message, name in (
        (data.topic, TOPIC_LIMIT, _("请填写活动主题（不超过 %(n)d 字）", n=TOPIC_LIMIT), "topic"),
        (data.place, PLACE_LIMIT, _("请填写地点（不超过 %(n)d 字）", n=PLACE_LIMIT), "place"),
        (
            data.speaker,
            SPEAKER_LIMIT,
            _("请填写主讲人（不超过 %(n)d 字）", n=SPEAKER_LIMIT),
            "speaker",
        ),
    ):
        if not value or not value.strip() or len(value.strip()) > limit:
            raise RuleViolation(message, field=name)
    if data.held_on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-11-20"), field="held_on")
    if abs((data.held_on - today).days) > 400:
        raise RuleViolation(_("活动日期须在一年之内"), field="held_on")
    if data.grid_id is not None:
        grid = db.session.get(Grid, data.grid_id)
        if grid is None or grid.class_id != school_class.id:
            raise RuleViolation(_("只能选择本班的网格"), field="grid_id")


def create_activity(
    actor: User, school_class: SchoolClass, data: ActivityData, today: date
) -> GuidanceActivity:
    _check_activity(school_class, data, today)
    activity = GuidanceActivity(
        school_id=school_class.school_id,
        class_id=school_class.id,
        grid_id=data.grid_id,
        topic=data.topic.strip(),
        held_on=data.held_on,
        place=data.place.strip(),
        speaker=data.speaker.strip(),
        created_by_id=actor.id,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "grids.activity.create", activity, school_id=school_class.school_id)
    return activity


def activity_families(activity: GuidanceActivity) -> list[ClassFamily]:
    """The families an activity is for: its grid's, or the whole class's."""
    families = class_families(activity.class_id)
    if activity.grid_id is None:
        return families
    in_grid = set(
        db.session.scalars(
            select(GridMember.family_id).where(GridMember.grid_id == activity.grid_id)
        )
    )
    return [f for f in families if f.family_id in in_grid]


def set_attendance(
    actor: User, activity: GuidanceActivity, family_ids: set[int], today: date
) -> tuple[int, int]:
    """Replace the activity's attendance with `family_ids`; returns (added, removed)."""
    if activity.held_on > today:
        raise RuleViolation(_("活动还没有举行，不能登记出席"), field="family_ids")
    allowed = {f.family_id for f in activity_families(activity)}
    unknown = family_ids - allowed
    if unknown:
        raise RuleViolation(_("只能登记本活动对象中的家庭"), field="family_ids")
    current = {a.family_id: a for a in activity.attendance}
    added = family_ids - set(current)
    removed = set(current) - family_ids
    # Two people saving the list at once: the unique (activity, family) index refuses the second
    # insert of a family, and the second is told the list changed.
    with held(_("出席名单刚刚被其他人修改过，请刷新页面后再试"), conflict=True):
        for fid in removed:
            activity.attendance.remove(current[fid])
        for fid in sorted(added):
            activity.attendance.append(GuidanceAttendance(family_id=fid))
    audit.record(
        actor, "grids.activity.attendance", activity, school_id=activity.school_id,
        attended=len(family_ids), added=len(added), removed=len(removed),
    )  # fmt: skip
    return len(added), len(removed)


def attendance_counts(family_ids, since: date | None = None, until: date | None = None):
    """How many guidance activities each family attended (in [since, until] when given)."""
    ids = sorted(set(family_ids))
    if not ids:
        return {}
    q = (
        select(GuidanceAttendance.family_id, func.count(GuidanceAttendance.id))
        .join(GuidanceActivity, GuidanceActivity.id == GuidanceAttendance.activity_id)
        .where(GuidanceAttendance.family_id.in_(ids))
        .group_by(GuidanceAttendance.family_id)
    )
    if since is not None:
        q = q.where(GuidanceActivity.held_on >= since)
    if until is not None:
        q = q.where(GuidanceActivity.held_on <= until)
    return dict(db.session.execute(q).all())


def grid_sizes(class_ids) -> dict[int, int]:
    rows = db.session.execute(
        select(GridMember.grid_id, func.count(GridMember.id))
        .where(GridMember.class_id.in_(list(class_ids)))
        .group_by(GridMember.grid_id)
    )
    return dict(rows.all())


# ---- queries for the grid pages -------------------------------------------------------------------


def grid_families(grid: Grid) -> list[dict]:
    """The grid's families for the grid page.

    Takes a grid (members loaded lazily). Returns one dict per family with at least one
    active student of the grid's class, sorted by the first student's name:
    ``{"family_id", "students": [(student_id, name)], "address", "guardian"`` (a row with
    family_id, student_id, guardian_id, name, relation, mobile, or None), ``"last_contact_on"``
    (date of the latest contact not withdrawn, or None), ``"logs"`` (the family's GridLog
    entries, newest first, author loaded)}. Empty list when the grid has no members.
    """
    family_ids = [m.family_id for m in grid.members]
    if not family_ids:
        return []
    students = db.session.execute(
        select(Student.id, Student.name, Student.family_id, Student.community, Student.address)
        .where(
            Student.family_id.in_(family_ids),
            Student.class_id == grid.class_id,
            Student.status == StudentStatus.ACTIVE,
        )
        .order_by(Student.student_number)
    ).all()
    primary = {
        r.family_id: r
        for r in db.session.execute(
            select(
                Student.family_id,
                Student.id.label("student_id"),
                Guardian.id.label("guardian_id"),
                Guardian.name,
                Guardian.relation,
                Guardian.mobile,
            )
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(
                Student.family_id.in_(family_ids),
                Student.class_id == grid.class_id,
                StudentGuardian.is_primary,
            )
        )
    }
    last = dict(
        db.session.execute(
            select(ContactFamily.family_id, func.max(Contact.contact_on))
            .join(Contact, Contact.id == ContactFamily.contact_id)
            .where(
                ContactFamily.family_id.in_(family_ids), Contact.status != ContactStatus.WITHDRAWN
            )
            .group_by(ContactFamily.family_id)
        ).all()
    )
    logs: dict[int, list[GridLog]] = {}
    for entry in db.session.scalars(
        select(GridLog)
        .where(GridLog.grid_id == grid.id)
        .options(joinedload(GridLog.author))
        .order_by(GridLog.happened_on.desc(), GridLog.id.desc())
    ):
        logs.setdefault(entry.family_id, []).append(entry)
    out = {}
    for s in students:
        fam = out.setdefault(
            s.family_id,
            {"family_id": s.family_id, "students": [], "address": s.address or s.community},
        )
        fam["students"].append((s.id, s.name))
    for fam in out.values():
        fid = fam["family_id"]
        fam["guardian"] = primary.get(fid)
        fam["last_contact_on"] = last.get(fid)
        fam["logs"] = logs.get(fid, [])
    # Pinyin order of the first child's name (the key stored as Student.name_key).
    return sorted(out.values(), key=lambda f: core_text.name_sort_key(f["students"][0][1]))


def recent_activities(grid: Grid, limit: int = 5) -> list[GuidanceActivity]:
    """The latest guidance activities seen on a grid's page.

    Takes a grid. Returns up to `limit` GuidanceActivity rows of the grid's class that are
    either for this grid or for the whole class (grid_id NULL), newest held_on first.
    """
    return db.session.scalars(
        select(GuidanceActivity)
        .where(
            GuidanceActivity.class_id == grid.class_id,
            or_(GuidanceActivity.grid_id == grid.id, GuidanceActivity.grid_id.is_(None)),
        )
        .order_by(GuidanceActivity.held_on.desc(), GuidanceActivity.id.desc())
        .limit(limit)
    ).all()


def grid_cases(grid: Grid) -> dict[int, list]:
    """The cases relayed from a grid, by family.

    Takes a grid. Returns {family_id: [Case, ...]} with each family's cases newest first.
    """
    from gridapp.cases.models import Case

    cases: dict[int, list] = {}
    for c in db.session.scalars(
        select(Case).where(Case.grid_id == grid.id).order_by(Case.id.desc())
    ):
        cases.setdefault(c.family_id, []).append(c)
    return cases


def my_grids(user: User, headed: set[int]) -> list[Grid]:
    """The grids listed on "my grids".

    Takes the user and the ids of the classes they head (schools.permissions.headed_class_ids).
    Returns the grids the user keeps (grid teacher or deputy) or that belong to a class they head,
    ordered by class then number, with school_class and grid_teacher loaded.
    """
    return db.session.scalars(
        select(Grid)
        .where(
            or_(
                Grid.grid_teacher_id == user.id,
                Grid.deputy_id == user.id,
                Grid.class_id.in_(sorted(headed)),
            )
        )
        .options(joinedload(Grid.school_class), joinedload(Grid.grid_teacher))
        .order_by(Grid.class_id, Grid.number)
    ).all()


def headed_classes_without_grids(headed: set[int]) -> list[SchoolClass]:
    """Of the given (headed) class ids, the classes not yet divided into grids.

    Takes a non-empty set of class ids. Returns their SchoolClass rows that have no Grid.
    """
    with_grids = set(
        db.session.scalars(select(Grid.class_id).where(Grid.class_id.in_(sorted(headed))))
    )
    return db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_(sorted(headed - with_grids)))
    ).all()


def class_grids(class_id: int) -> list[Grid]:
    """All grids of a class, by number."""
    return db.session.scalars(
        select(Grid).where(Grid.class_id == class_id).order_by(Grid.number)
    ).all()


def class_activities_query(class_id: int) -> Select:
    """The query (not yet run, for core.pagination.paginate) of a class's guidance activities,
    newest held_on first, with grid and created_by loaded."""
    return (
        select(GuidanceActivity)
        .where(GuidanceActivity.class_id == class_id)
        .options(joinedload(GuidanceActivity.grid), joinedload(GuidanceActivity.created_by))
        .order_by(GuidanceActivity.held_on.desc(), GuidanceActivity.id.desc())
    )


def activity_attendance_counts(activity_ids: list[int]) -> dict[int, int]:
    """How many families attended each activity: {activity_id: count}; activities with no
    attendance are absent from the dict."""
    return dict(
        db.session.execute(
            select(GuidanceAttendance.activity_id, func.count(GuidanceAttendance.id))
            .where(GuidanceAttendance.activity_id.in_(activity_ids))
            .group_by(GuidanceAttendance.activity_id)
        ).all()
    )


def class_grids_with_keepers(class_id: int) -> list[Grid]:
    """All grids of a class, by number, with grid_teacher and deputy loaded."""
    return db.session.scalars(
        select(Grid)
        .where(Grid.class_id == class_id)
        .options(joinedload(Grid.grid_teacher), joinedload(Grid.deputy))
        .order_by(Grid.number)
    ).all()


def class_members(class_id: int):
    """The GridMember rows (family placed in a grid) of a class, as a scalars result to iterate
    once, in no particular order."""
    return db.session.scalars(select(GridMember).where(GridMember.class_id == class_id))


def user_names(ids) -> list:
    """Rows (id, name) of the given user ids, by name."""
    return db.session.execute(
        select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name_key, User.id)
    ).all()
