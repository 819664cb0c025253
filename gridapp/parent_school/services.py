"""The parent school's rules (家长学校, seed 004 §8): publishing, editing and cancelling courses,
who a course is for, signing families in (by staff from a list, or by the guardian with the
course's code), and each family's sessions and class hours in the school year against the
school's target (四次八课时). Services flush, never commit."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, delete, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from gridapp.accounts.models import User
from gridapp.core import audit, storage
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import SHANGHAI
from gridapp.extensions import db
from gridapp.parent_school.models import (
    DEFAULT_TARGET_HOURS,
    DEFAULT_TARGET_SESSIONS,
    CourseDelivery,
    CourseMaterial,
    CourseSignIn,
    CourseStatus,
    ParentCourse,
    ParentCourseGrade,
    ParentSchoolSetting,
    SignInMethod,
    format_hours,
    tenths,
)
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.models import Grade, School, SchoolClass, SchoolYear

TITLE_LIMIT = 100
SPEAKER_LIMIT = 50
PLACE_LIMIT = 200
LINK_LIMIT = 300
MAX_MATERIALS = 10
MAX_HOURS = Decimal("99.9")
SUBDIR = "parent_school"
# A code is shown in the room from half an hour before the start until two hours after the end.
CODE_OPENS_BEFORE = timedelta(minutes=30)
CODE_CLOSES_AFTER = timedelta(hours=2)
# Six characters a parent reads off a screen and types on a phone: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


@dataclass
class CourseData:
    """What a leader types for a course. `hours` in class hours (Decimal, one decimal place);
    `grade_ids` the grades it is for when not `whole_school`."""

    title: str
    speaker: str
    held_on: date | None
    starts_at: time | None
    ends_at: time | None
    hours: Decimal | None
    whole_school: bool
    grade_ids: list[int] = field(default_factory=list)
    delivery: CourseDelivery = CourseDelivery.IN_PERSON
    place: str = ""
    link: str = ""


# ---- courses ---------------------------------------------------------------------------------------


def _check(school: School, data: CourseData) -> list[int]:
    """Refuse a course that cannot be held; returns the grade ids (the school's own) it is for.
    Raises RuleViolation beside the field: an end not after the start (ends_at), class hours
    out of 0.1–99.9 (hours), no grade chosen, no place or link for its way of delivery."""
    if not data.title.strip():
        raise RuleViolation(_("请填写课程名称"), field="title")
    if not data.speaker.strip():
        raise RuleViolation(_("请填写主讲人"), field="speaker")
    if data.held_on is None:
        raise RuleViolation(_("请填写上课日期"), field="held_on")
    if data.starts_at is None or data.ends_at is None:
        raise RuleViolation(_("请填写开始和结束时间"), field="starts_at")
    if data.ends_at <= data.starts_at:
        raise RuleViolation(_("结束时间必须晚于开始时间"), field="ends_at")
    if data.hours is None or not Decimal("0.1") <= data.hours <= MAX_HOURS:
        raise RuleViolation(_("课时请填写 0.1 到 99.9 之间的数，例如 2 或 1.5"), field="hours")
    if data.hours != data.hours.quantize(Decimal("0.1")):
        raise RuleViolation(_("课时最多保留一位小数，例如 1.5"), field="hours")
    grade_ids: list[int] = []
    if not data.whole_school:
        own = set(db.session.scalars(select(Grade.id).where(Grade.school_id == school.id)))
        grade_ids = sorted({g for g in data.grade_ids if g in own})
        if not grade_ids:
            raise RuleViolation(_("请选择面向的年级，或选择“全校家长”"), field="grade_ids")
    if data.delivery is CourseDelivery.IN_PERSON and not data.place.strip():
        raise RuleViolation(_("现场授课请填写上课地点"), field="place")
    if data.delivery is CourseDelivery.ONLINE:
        link = data.link.strip()
        if not link:
            raise RuleViolation(_("线上授课请填写参加链接"), field="link")
        if not link.lower().startswith(("https://", "http://")) or " " in link:
            raise RuleViolation(_("链接应以 https:// 开头，例如 https://meeting.example.cn/123"), field="link")  # fmt: skip
    return grade_ids


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(ParentCourse.id).where(ParentCourse.code == code)) is None:
            return code


def _apply(course: ParentCourse, data: CourseData, grade_ids: list[int]) -> None:
    course.title = data.title.strip()
    course.speaker = data.speaker.strip()
    course.held_on = data.held_on
    course.starts_at = data.starts_at
    course.ends_at = data.ends_at
    course.hours_tenths = tenths(data.hours)
    course.whole_school = data.whole_school
    course.delivery = data.delivery
    course.place = data.place.strip() if data.delivery is CourseDelivery.IN_PERSON else ""
    course.link = data.link.strip() if data.delivery is CourseDelivery.ONLINE else ""
    course.grades = [ParentCourseGrade(grade_id=g) for g in grade_ids]


def clean_material(raw: bytes, filename: str):
    """A material file checked by its content: a PDF (rewritten without metadata or active
    content) or a JPEG/PNG picture (re-encoded without metadata), at most 5 MB. Raises
    RuleViolation (field "materials") for anything else. Returns cases.mailbox.Upload."""
    from gridapp.cases.mailbox import clean_attachment

    try:
        return clean_attachment(raw, filename)
    except RuleViolation as e:
        raise RuleViolation(e.message, field="materials") from None


def _add_materials(actor: User, course: ParentCourse, uploads, now: datetime) -> None:
    if len(course.materials) + len(uploads) > MAX_MATERIALS:
        raise RuleViolation(_("每节课最多 %(n)d 个资料文件", n=MAX_MATERIALS), field="materials")
    for up in uploads:
        ext = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}[up.kind]
        stored = storage.store_file(up.data, ext, SUBDIR)
        course.materials.append(
            CourseMaterial(
                stored_name=stored, name=up.name or f"{_('资料')}.{ext}", kind=up.kind,
                size=len(up.data), uploaded_by_id=actor.id, uploaded_at=now,
            )
        )  # fmt: skip


def publish_course(
    actor: User, school: School, data: CourseData, uploads, now: datetime
) -> ParentCourse:
    """Publish a course of `school`'s parent school with its materials (cleaned uploads, see
    `clean_material`); a new sign-in code is drawn. Raises RuleViolation (see `_check`).
    Seed 004 §8."""
    grade_ids = _check(school, data)
    course = ParentCourse(school_id=school.id, code=_new_code(), created_by_id=actor.id)
    _apply(course, data, grade_ids)
    course.status = CourseStatus.PUBLISHED
    db.session.add(course)
    _add_materials(actor, course, uploads, now)
    db.session.flush()
    audit.record(actor, "parent_school.course.publish", course)
    return course


def update_course(
    actor: User, course: ParentCourse, data: CourseData, uploads, removed_ids, now: datetime
) -> ParentCourse:
    """Change a published course: its fields, materials added and those in `removed_ids`
    taken off (the file stays on disk: nothing a person may need is deleted). A cancelled
    course is not edited (IllegalTransition). Raises RuleViolation like `publish_course`."""
    if course.cancelled:
        raise IllegalTransition(_("这节课已经取消，不能再修改"))
    grade_ids = _check(course.school, data)
    _apply(course, data, grade_ids)
    removed = set(removed_ids or [])
    for m in [m for m in course.materials if m.id in removed]:
        course.materials.remove(m)
        db.session.delete(m)
    _add_materials(actor, course, uploads, now)
    db.session.flush()
    audit.record(actor, "parent_school.course.update", course)
    return course


def cancel_course(actor: User, course: ParentCourse, now: datetime) -> None:
    """Cancel a published course (a state: its sign-ins stay, but a cancelled course counts in
    no figure). A second cancel (two leaders at once) raises IllegalTransition."""
    done = db.session.execute(
        update(ParentCourse)
        .where(ParentCourse.id == course.id, ParentCourse.status == CourseStatus.PUBLISHED)
        .values(status=CourseStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise IllegalTransition(_("这节课已经取消了"))
    db.session.refresh(course)
    audit.record(actor, "parent_school.course.cancel", course)


def material_path(material: CourseMaterial):
    return storage.path_of(material.stored_name, SUBDIR)


# ---- who a course is for ---------------------------------------------------------------------------


def code_window(course: ParentCourse) -> tuple[datetime, datetime]:
    """The instants (aware, Asia/Shanghai) between which the course's code signs a family in:
    30 minutes before its start to 2 hours after its end."""
    start = datetime.combine(course.held_on, course.starts_at, SHANGHAI)
    end = datetime.combine(course.held_on, course.ends_at, SHANGHAI)
    return start - CODE_OPENS_BEFORE, end + CODE_CLOSES_AFTER


def code_open(course: ParentCourse, now: datetime) -> bool:
    opens, closes = code_window(course)
    return not course.cancelled and opens <= now <= closes


def _audience_classes_query(course: ParentCourse):
    q = select(SchoolClass.id).where(
        SchoolClass.school_id == course.school_id, SchoolClass.closed_on.is_(None)
    )
    if not course.whole_school:
        q = q.where(
            SchoolClass.grade_id.in_(
                select(ParentCourseGrade.grade_id).where(ParentCourseGrade.course_id == course.id)
            )
        )
    return q


def audience_classes(course: ParentCourse) -> list[SchoolClass]:
    """The open classes whose families a course is for, by grade level and class number."""
    return list(
        db.session.scalars(
            select(SchoolClass)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(SchoolClass.id.in_(_audience_classes_query(course)))
            .order_by(Grade.level, SchoolClass.number)
        )
    )


def audience_label(course: ParentCourse) -> str:
    """ "全校家长", or the grades by level ("一年级、三年级家长")."""
    if course.whole_school:
        return _("全校家长")
    names = db.session.scalars(
        select(Grade.name)
        .join(ParentCourseGrade, ParentCourseGrade.grade_id == Grade.id)
        .where(ParentCourseGrade.course_id == course.id)
        .order_by(Grade.level)
    )
    return _("%(grades)s家长", grades="、".join(names))


@dataclass
class FamilyRow:
    """A family on a list: its id, its children in the class (names), its guardians' names."""

    family_id: int
    children: list[str]
    guardians: list[str]
    sessions: int = 0
    hours_tenths: int = 0
    present: bool = False

    @property
    def hours(self) -> str:
        return format_hours(self.hours_tenths)


def class_families(class_ids) -> dict[int, list[FamilyRow]]:
    """{class id: its families}, each family once per class with its active children there
    (pinyin order of the first child) and its guardians' names: two queries."""
    class_ids = list(class_ids)
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Student.class_id, Student.family_id, Student.name)
        .where(Student.class_id.in_(class_ids), Student.status == StudentStatus.ACTIVE)
        .order_by(Student.name_key, Student.id)
    ).all()
    out: dict[int, dict[int, FamilyRow]] = {c: {} for c in class_ids}
    for class_id, family_id, name in rows:
        row = out[class_id].setdefault(family_id, FamilyRow(family_id, [], []))
        row.children.append(name)
    family_ids = {r.family_id for rows_ in out.values() for r in rows_.values()}
    guardians: dict[int, list[str]] = defaultdict(list)
    if family_ids:
        for family_id, name in db.session.execute(
            select(Guardian.family_id, Guardian.name)
            .where(Guardian.family_id.in_(sorted(family_ids)))
            .order_by(Guardian.id)
        ):
            guardians[family_id].append(name)
    for rows_ in out.values():
        for row in rows_.values():
            row.guardians = guardians.get(row.family_id, [])
    return {c: list(v.values()) for c, v in out.items()}


def _family_in_audience(course: ParentCourse, family_id: int) -> bool:
    q = select(Student.id).where(
        Student.family_id == family_id,
        Student.status == StudentStatus.ACTIVE,
        Student.class_id.in_(_audience_classes_query(course)),
    )
    return db.session.scalar(q.limit(1)) is not None


def _family_at_school(family_id: int, school_id: int) -> bool:
    q = select(Student.id).where(
        Student.family_id == family_id,
        Student.school_id == school_id,
        Student.status == StudentStatus.ACTIVE,
    )
    return db.session.scalar(q.limit(1)) is not None


# ---- signing in ------------------------------------------------------------------------------------


def signed_in_families(course_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(CourseSignIn.family_id).where(CourseSignIn.course_id == course_id)
        )
    )


def _insert_sign_in(course, family_id: int, method: SignInMethod, actor: User, now) -> bool:
    """One sign-in at a SAVEPOINT; False when the family already had one (the unique index)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                CourseSignIn(
                    course_id=course.id, family_id=family_id, school_id=course.school_id,
                    method=method, signed_by_id=actor.id, signed_at=now,
                )
            )  # fmt: skip
            db.session.flush()
    except IntegrityError:
        return False
    return True


def sign_in_with_code(user: User, raw_code: str, now: datetime) -> ParentCourse:
    """Sign the guardian's family in at the course whose code they typed (seed 004 §8
    attendance). Refused with a Chinese message beside the code field, nothing changed: an
    unknown code, a cancelled course, outside `code_window`, a family with no child at the
    course's school or outside its grades, a family already signed in (also when two
    guardians of one family send at once: the unique (course, family) index). Returns the
    course."""
    from gridapp.core.text import normalise_code

    code = normalise_code(raw_code)
    # Only a code that could be one is looked up (a NUL byte is refused by PostgreSQL).
    plausible = code.isascii() and code.isalnum() and len(code) == CODE_LENGTH
    course = (
        db.session.scalar(select(ParentCourse).where(ParentCourse.code == code))
        if plausible
        else None
    )
    wrong = _("签到码不正确，请核对老师展示的 6 位签到码")
    families = (
        list(db.session.scalars(select(Guardian.family_id).where(Guardian.user_id == user.id)))
        if course is not None
        else []
    )
    at_school = [
        f for f in families if course is not None and _family_at_school(f, course.school_id)
    ]
    # Another school's code says no more than an unknown one: nothing about courses elsewhere
    # (a security review read "其他学校的课程", "已经结束" and "还没开始" off guessed codes).
    if course is None or not at_school:
        raise RuleViolation(wrong, field="code")
    if course.cancelled:
        raise RuleViolation(_("这节课已经取消，不能签到"), field="code")
    opens, closes = code_window(course)
    if now < opens:
        raise RuleViolation(
            _("签到还没开始：签到时间为课程开始前 30 分钟到结束后 2 小时"), field="code"
        )
    if now > closes:
        raise RuleViolation(
            _("签到已经结束：签到时间为课程开始前 30 分钟到结束后 2 小时"), field="code"
        )
    fitting = [f for f in at_school if _family_in_audience(course, f)]
    if not fitting:
        raise RuleViolation(
            _("这节课面向%(who)s，您孩子所在的年级不在其中", who=audience_label(course)),
            field="code",
        )
    family_id = fitting[0]
    already = _("您家已经签到过这节课（%(t)s），不必重复签到", t=course.title)
    if family_id in signed_in_families(course.id):
        raise RuleViolation(already, field="code")
    if not _insert_sign_in(course, family_id, SignInMethod.CODE, user, now):
        raise RuleViolation(already, field="code")
    return course


def mark_attendance(
    actor: User,
    course: ParentCourse,
    school_class: SchoolClass,
    present_ids,
    now: datetime,
    shown_present=None,
) -> tuple[int, int]:
    """Staff's sign-in sheet of one class: the class's families in `present_ids` are signed in
    (those already in, by code or by a colleague, stay as they are), the class's other families
    signed out. With `shown_present` (the families the sheet showed ticked when it was opened),
    only those are signed out: a family that signed in with the code while the sheet was open
    was never shown to the teacher and stays in. Families not of the class are ignored.
    Refused: a cancelled course (IllegalTransition), a course that has not begun
    (RuleViolation). Returns (added, removed)."""
    if course.cancelled:
        raise IllegalTransition(_("这节课已经取消，不能登记出勤"))
    opens, _closes = code_window(course)
    if now < opens:
        raise RuleViolation(_("课程还没开始，开始前 30 分钟起才能登记出勤"))
    families = {r.family_id for r in class_families([school_class.id])[school_class.id]}
    wanted = families & set(present_ids or [])
    before = signed_in_families(course.id) & families
    added = 0
    for family_id in sorted(wanted - before):
        added += _insert_sign_in(course, family_id, SignInMethod.STAFF, actor, now)
    removable = before if shown_present is None else before & set(shown_present)
    gone = sorted(removable - wanted)
    if gone:
        db.session.execute(
            delete(CourseSignIn).where(
                CourseSignIn.course_id == course.id, CourseSignIn.family_id.in_(gone)
            )
        )
    if added or gone:
        audit.record(
            actor, "parent_school.attendance", course, class_id=school_class.id,
            added=added, removed=len(gone),
        )  # fmt: skip
    return added, len(gone)


# ---- figures ---------------------------------------------------------------------------------------


@dataclass
class Target:
    sessions: int
    hours: int  # whole class hours

    def met(self, sessions: int, hours_tenths: int) -> bool:
        return sessions >= self.sessions and hours_tenths >= self.hours * 10


def target_of(school_id: int) -> Target:
    """The school's yearly target per family (default 4 sessions / 8 class hours, seed 004 §8)."""
    row = db.session.get(ParentSchoolSetting, school_id)
    if row is None:
        return Target(DEFAULT_TARGET_SESSIONS, DEFAULT_TARGET_HOURS)
    return Target(row.target_sessions, row.target_hours)


def set_target(actor: User, school: School, sessions: int | None, hours: int | None) -> None:
    """Set the school's target: whole sessions 1–100 and whole class hours 1–200."""
    if sessions is None or not 1 <= sessions <= 100:
        raise RuleViolation(_("次数请填写 1 到 100 之间的整数"), field="target_sessions")
    if hours is None or not 1 <= hours <= 200:
        raise RuleViolation(_("课时请填写 1 到 200 之间的整数"), field="target_hours")
    row = db.session.get(ParentSchoolSetting, school.id)
    if row is None:
        row = ParentSchoolSetting(school_id=school.id)
        db.session.add(row)
    row.target_sessions, row.target_hours, row.updated_by_id = sessions, hours, actor.id
    db.session.flush()
    audit.record(actor, "parent_school.target", school, sessions=sessions, hours=hours)


def school_year_of(school_id: int, today: date) -> SchoolYear | None:
    """The school year holding today; in a summer holiday the one that ended last; before any,
    the first."""
    base = select(SchoolYear).where(SchoolYear.school_id == school_id)
    return db.session.scalar(
        base.where(SchoolYear.starts_on <= today).order_by(SchoolYear.starts_on.desc())
    ) or db.session.scalar(base.order_by(SchoolYear.starts_on))


def _year_courses(school_ids, year_bounds):
    """Condition: a course of one of the schools, not cancelled, held in its school's year."""
    parts = [
        and_(ParentCourse.school_id == sid, ParentCourse.held_on.between(start, end))
        for sid, (start, end) in year_bounds.items()
        if sid in school_ids
    ]
    return and_(ParentCourse.status == CourseStatus.PUBLISHED, or_(*parts) if parts else false())


def family_totals(school_id: int, year: SchoolYear | None, family_ids=None) -> dict[int, tuple]:
    """{family id: (sessions, class hours in tenths)} at the school's courses held in `year`
    (cancelled ones left out); families with none are absent. One grouped query."""
    if year is None:
        return {}
    q = (
        select(
            CourseSignIn.family_id, func.count(CourseSignIn.id), func.sum(ParentCourse.hours_tenths)
        )
        .join(ParentCourse, ParentCourse.id == CourseSignIn.course_id)
        .where(_year_courses({school_id}, {school_id: (year.starts_on, year.ends_on)}))
        .group_by(CourseSignIn.family_id)
    )
    if family_ids is not None:
        q = q.where(CourseSignIn.family_id.in_(sorted(family_ids)))
    return {f: (int(n), int(h or 0)) for f, n, h in db.session.execute(q)}


@dataclass
class ClassFigures:
    school_class: SchoolClass
    families: list[FamilyRow]
    target: Target

    @property
    def meeting(self) -> int:
        return sum(1 for f in self.families if self.target.met(f.sessions, f.hours_tenths))

    @property
    def below(self) -> list[FamilyRow]:
        return [f for f in self.families if not self.target.met(f.sessions, f.hours_tenths)]

    @property
    def signed_any(self) -> int:
        return sum(1 for f in self.families if f.sessions)


def class_figures(classes, school_id: int, today: date) -> list[ClassFigures]:
    """Each class's families with their sessions and hours this school year against the
    school's target (a family of two classes appears in both). Three queries."""
    classes = list(classes)
    target = target_of(school_id)
    year = school_year_of(school_id, today)
    families = class_families([c.id for c in classes])
    totals = family_totals(school_id, year)
    out = []
    for c in classes:
        rows = families.get(c.id, [])
        for r in rows:
            r.sessions, r.hours_tenths = totals.get(r.family_id, (0, 0))
        out.append(ClassFigures(c, rows, target))
    return out


def school_classes(school_id: int) -> list[SchoolClass]:
    return list(
        db.session.scalars(
            select(SchoolClass)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(SchoolClass.school_id == school_id, SchoolClass.closed_on.is_(None))
            .order_by(Grade.level, SchoolClass.number)
        )
    )


@dataclass
class CourseRow:
    course: ParentCourse
    audience: str
    signed_in: int


def school_courses(
    school_id: int, year: SchoolYear | None, from_on: date | None = None
) -> list[CourseRow]:
    """The school's courses of the year (all years when None; from `from_on` on when given;
    cancelled ones too), latest first, each with its audience and how many families signed
    in: three queries."""
    q = select(ParentCourse).where(ParentCourse.school_id == school_id)
    if year is not None:
        q = q.where(ParentCourse.held_on.between(year.starts_on, year.ends_on))
    if from_on is not None:
        q = q.where(ParentCourse.held_on >= from_on)
    courses = list(
        db.session.scalars(q.order_by(ParentCourse.held_on.desc(), ParentCourse.starts_at.desc()))
    )
    ids = [c.id for c in courses]
    counts = dict(
        db.session.execute(
            select(CourseSignIn.course_id, func.count())
            .where(CourseSignIn.course_id.in_(ids))
            .group_by(CourseSignIn.course_id)
        ).all()
    ) if ids else {}  # fmt: skip
    grades: dict[int, list[str]] = defaultdict(list)
    if ids:
        for course_id, name in db.session.execute(
            select(ParentCourseGrade.course_id, Grade.name)
            .join(Grade, Grade.id == ParentCourseGrade.grade_id)
            .where(ParentCourseGrade.course_id.in_(ids))
            .order_by(Grade.level)
        ):
            grades[course_id].append(name)
    return [
        CourseRow(
            c,
            _("全校家长") if c.whole_school else _("%(g)s家长", g="、".join(grades[c.id])),
            counts.get(c.id, 0),
        )
        for c in courses
    ]


def held_totals(rows: list[CourseRow], today: date) -> tuple[int, int]:
    """(sessions held, class hours in tenths) of the rows: not cancelled, on or before today."""
    held = [r.course for r in rows if not r.course.cancelled and r.course.held_on <= today]
    return len(held), sum(c.hours_tenths for c in held)


# ---- a guardian's page -----------------------------------------------------------------------------


@dataclass
class GuardianSchool:
    """A guardian's family at one school: its record this school year and the coming courses
    for their children's grades."""

    school: School
    children: list[str]
    sessions: int
    hours_tenths: int
    target: Target
    coming: list[CourseRow]
    attended: list[ParentCourse]

    @property
    def hours(self) -> str:
        return format_hours(self.hours_tenths)

    @property
    def met(self) -> bool:
        return self.target.met(self.sessions, self.hours_tenths)


def guardian_record(user: User, today: date, now: datetime) -> list[GuardianSchool]:
    """The guardian's family at each school of their children: sessions and class hours this
    school year against the school's target, the courses attended, and the published courses
    from today on whose audience holds a child of theirs."""
    children = db.session.execute(
        select(Student.school_id, Student.family_id, Student.name, SchoolClass.id)
        .join(StudentGuardian, StudentGuardian.student_id == Student.id)
        .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Guardian.user_id == user.id, Student.status == StudentStatus.ACTIVE)
        .order_by(Student.birth_on, Student.id)
    ).all()
    by_school: dict[int, list] = defaultdict(list)
    for row in children:
        by_school[row[0]].append(row)
    out = []
    for school_id, rows in sorted(by_school.items()):
        school = db.session.get(School, school_id)
        family_ids = {r[1] for r in rows}
        class_ids = {r[3] for r in rows}
        year = school_year_of(school_id, today)
        totals = family_totals(school_id, year, family_ids)
        sessions = sum(t[0] for t in totals.values())
        hours = sum(t[1] for t in totals.values())
        upcoming = [
            r
            for r in reversed(school_courses(school_id, None, today))
            if not r.course.cancelled
            and (
                r.course.held_on > today
                or (r.course.held_on == today and code_window(r.course)[1] >= now)
            )
            and _for_classes(r.course, class_ids)
        ]
        attended = list(
            db.session.scalars(
                select(ParentCourse)
                .join(CourseSignIn, CourseSignIn.course_id == ParentCourse.id)
                .where(
                    CourseSignIn.family_id.in_(sorted(family_ids)),
                    _year_courses(
                        {school_id}, {school_id: (year.starts_on, year.ends_on)} if year else {}
                    ),
                )
                .order_by(ParentCourse.held_on.desc())
            )
        )
        out.append(
            GuardianSchool(
                school, [r[2] for r in rows], sessions, hours, target_of(school_id), upcoming,
                attended,
            )
        )  # fmt: skip
    return out


def _for_classes(course: ParentCourse, class_ids: set[int]) -> bool:
    if course.whole_school:
        return True
    return bool(set(db.session.scalars(_audience_classes_query(course))) & class_ids)


def class_figures_of(class_ids, today: date) -> list[ClassFigures]:
    """The figures of the open classes of `class_ids` (a teacher's, each its own school's
    target and year), by grade and number."""
    if not class_ids:
        return []
    classes = list(
        db.session.scalars(
            select(SchoolClass)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(SchoolClass.id.in_(sorted(class_ids)), SchoolClass.closed_on.is_(None))
            .order_by(Grade.level, SchoolClass.number)
        )
    )
    out: list[ClassFigures] = []
    by_school: dict[int, list[SchoolClass]] = defaultdict(list)
    for c in classes:
        by_school[c.school_id].append(c)
    for school_id, group in by_school.items():
        out.extend(class_figures(group, school_id, today))
    return out
