"""School structure: the current semester, school years, classes and teaching assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit, text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.unique import held, lock_row, one_row
from gridapp.extensions import db
from gridapp.schools.models import (
    GRADE_LEVELS,
    GRADE_NAMES,
    Grade,
    School,
    SchoolClass,
    SchoolKind,
    SchoolYear,
    Semester,
    TeachingAssignment,
    class_name,
)
from gridapp.schools.permissions import taught_class_ids


def current_semester(school_id: int, today: date) -> Semester | None:
    """The semester whose dates hold today; in a holiday, the one that ended last; else the next."""
    base = select(Semester).where(Semester.school_id == school_id)
    return db.session.scalar(
        base.where(Semester.starts_on <= today).order_by(Semester.starts_on.desc())
    ) or db.session.scalar(base.order_by(Semester.starts_on))


def current_semesters(school_ids, today: date) -> dict[int, Semester]:
    """{school_id: its current semester} for many schools in one query, by the rule of
    `current_semester` (the latest begun; before any, the first); schools without a semester
    are left out."""
    rows = db.session.scalars(
        select(Semester)
        .where(Semester.school_id.in_(sorted(set(school_ids))))
        .order_by(Semester.school_id, Semester.starts_on, Semester.id)
    ).all()
    out: dict[int, Semester] = {}
    for sem in rows:  # in start order: the last begun wins, else the first stays
        known = out.get(sem.school_id)
        if known is None or sem.starts_on <= today:
            out[sem.school_id] = sem
    return out


@dataclass
class SchoolYearData:
    name: str
    first_starts_on: date
    first_ends_on: date
    second_starts_on: date
    second_ends_on: date


def create_school_year(actor: User, school: School, data: SchoolYearData) -> SchoolYear:
    if not data.first_starts_on < data.first_ends_on:
        raise RuleViolation(_("第一学期的结束日期须晚于开始日期"), field="first_ends_on")
    if not data.first_ends_on < data.second_starts_on:
        raise RuleViolation(_("第二学期须在第一学期结束之后开始"), field="second_starts_on")
    if not data.second_starts_on < data.second_ends_on:
        raise RuleViolation(_("第二学期的结束日期须晚于开始日期"), field="second_ends_on")
    if (data.second_ends_on - data.first_starts_on).days > 366:
        raise RuleViolation(_("一个学年不能超过一年"), field="second_ends_on")
    # Years must not overlap, a rule no index can hold on both databases: the school's row is
    # locked first, so a second year created at the same moment waits and then sees this one.
    lock_row(School, school.id)
    exists = db.session.scalar(
        select(SchoolYear.id).where(SchoolYear.school_id == school.id, SchoolYear.name == data.name)
    )
    if exists:
        raise RuleViolation(_("该学年已存在"), field="name")
    overlap = db.session.scalar(
        select(SchoolYear.id).where(
            SchoolYear.school_id == school.id,
            SchoolYear.starts_on <= data.second_ends_on,
            SchoolYear.ends_on >= data.first_starts_on,
        )
    )
    if overlap:
        raise RuleViolation(_("与已有学年的日期重叠"), field="first_starts_on")
    year = SchoolYear(
        school_id=school.id,
        name=data.name,
        starts_on=data.first_starts_on,
        ends_on=data.second_ends_on,
    )
    year.semesters = [
        Semester(
            school_id=school.id,
            number=1,
            starts_on=data.first_starts_on,
            ends_on=data.first_ends_on,
        ),
        Semester(
            school_id=school.id,
            number=2,
            starts_on=data.second_starts_on,
            ends_on=data.second_ends_on,
        ),
    ]
    with held(_("该学年已存在"), field="name"):
        db.session.add(year)
    audit.record(actor, "school_year.create", year, school_id=school.id, name=data.name)
    return year


def update_semester(actor: User, semester: Semester, starts_on: date, ends_on: date) -> None:
    if not starts_on < ends_on:
        raise RuleViolation(_("结束日期须晚于开始日期"), field="ends_on")
    # The year's dates may grow: checked with the school's row locked, like create_school_year.
    lock_row(School, semester.school_id)
    year = semester.school_year
    others = db.session.scalar(
        select(SchoolYear.id).where(
            SchoolYear.school_id == semester.school_id,
            SchoolYear.id != year.id,
            SchoolYear.starts_on <= max(ends_on, year.ends_on),
            SchoolYear.ends_on >= min(starts_on, year.starts_on),
        )
    )
    if others:
        raise RuleViolation(_("与已有学年的日期重叠"), field="starts_on")
    for other in year.semesters:
        if other.id == semester.id:
            continue
        if other.number < semester.number and starts_on <= other.ends_on:
            raise RuleViolation(_("第二学期须在第一学期结束之后开始"), field="starts_on")
        if other.number > semester.number and ends_on >= other.starts_on:
            raise RuleViolation(_("第一学期须在第二学期开始之前结束"), field="ends_on")
    semester.starts_on, semester.ends_on = starts_on, ends_on
    year.starts_on = min(s.starts_on for s in year.semesters)
    year.ends_on = max(s.ends_on for s in year.semesters)
    audit.record(actor, "semester.update", semester, starts_on=str(starts_on), ends_on=str(ends_on))


def school_teachers(school_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.school_id == school_id, UserRole.role == Role.TEACHER, User.active)
            .order_by(User.name_key, User.id)
        )
    )


def _check_teacher(school_id: int, teacher_id: int | None, field: str) -> User | None:
    if teacher_id is None:
        return None
    teacher = db.session.get(User, teacher_id)
    if teacher is None or not teacher.has_role(Role.TEACHER, school_id):
        raise RuleViolation(_("请选择本校的教师"), field=field)
    return teacher


def grade_for(school: School, level: int) -> Grade:
    if level not in school.levels:
        raise RuleViolation(_("本校没有这个年级"), field="level")
    grade, _created = one_row(
        Grade,
        {"school_id": school.id, "level": level},
        lambda: Grade(school_id=school.id, level=level, name=GRADE_NAMES[level]),
    )
    return grade


def create_class(
    actor: User,
    school: School,
    level: int,
    number: int,
    enrolment_year: int,
    head_teacher_id: int | None,
) -> SchoolClass:
    grade = grade_for(school, level)
    taken = db.session.scalar(
        select(SchoolClass.id).where(
            SchoolClass.grade_id == grade.id,
            SchoolClass.number == number,
            SchoolClass.closed_on.is_(None),
        )
    )
    if taken:
        raise RuleViolation(_("%(name)s 已存在", name=class_name(level, number)), field="number")
    _check_teacher(school.id, head_teacher_id, "head_teacher_id")
    school_class = SchoolClass(
        school_id=school.id,
        grade_id=grade.id,
        number=number,
        name=class_name(level, number),
        enrolment_year=enrolment_year,
        head_teacher_id=head_teacher_id,
    )
    with held(_("%(name)s 已存在", name=class_name(level, number)), field="number"):
        db.session.add(school_class)
    audit.record(actor, "class.create", school_class, name=school_class.name)
    return school_class


def set_head_teacher(actor: User, school_class: SchoolClass, teacher_id: int | None) -> None:
    _check_teacher(school_class.school_id, teacher_id, "head_teacher_id")
    if school_class.head_teacher_id != teacher_id:
        school_class.head_teacher_id = teacher_id
        audit.record(actor, "class.head_teacher", school_class, teacher_id=teacher_id)


def add_assignment(
    actor: User, school_class: SchoolClass, teacher_id: int | None, subject: str
) -> TeachingAssignment:
    if teacher_id is None:
        raise RuleViolation(_("请选择任课教师"), field="teacher_id")
    _check_teacher(school_class.school_id, teacher_id, "teacher_id")
    subject = subject.strip()
    if not subject:
        raise RuleViolation(_("请填写学科"), field="subject")
    exists = db.session.scalar(
        select(TeachingAssignment.id).where(
            TeachingAssignment.class_id == school_class.id,
            TeachingAssignment.teacher_id == teacher_id,
            TeachingAssignment.subject == subject,
        )
    )
    if exists:
        raise RuleViolation(_("该教师已任教本班的这门学科"), field="subject")
    assignment = TeachingAssignment(
        teacher_id=teacher_id, class_id=school_class.id, subject=subject
    )
    with held(_("该教师已任教本班的这门学科"), field="subject"):
        db.session.add(assignment)
    audit.record(
        actor,
        "assignment.create",
        assignment,
        school_id=school_class.school_id,
        subject=subject,
        teacher_id=teacher_id,
        class_id=school_class.id,
    )
    return assignment


def remove_assignment(actor: User, assignment: TeachingAssignment) -> None:
    audit.record(
        actor,
        "assignment.remove",
        assignment,
        school_id=assignment.school_class.school_id,
        subject=assignment.subject,
        teacher_id=assignment.teacher_id,
        class_id=assignment.class_id,
    )
    db.session.delete(assignment)


@dataclass
class SchoolData:
    name: str
    code: str
    kind: SchoolKind
    address: str = ""
    phone: str = ""


def save_school(
    actor: User, district_id: int, data: SchoolData, school: School | None = None
) -> School:
    """Create a school in the district, or update one; a school's kind cannot drop grades it has."""
    data.code = text.normalise_code(data.code)
    data.phone = text.normalise_line(data.phone)
    taken = db.session.scalar(select(School.id).where(School.code == data.code))
    if taken is not None and (school is None or taken != school.id):
        raise RuleViolation(_("学校代码已被使用"), field="code")
    if school is not None and data.kind != school.kind:
        levels = set(db.session.scalars(select(Grade.level).where(Grade.school_id == school.id)))
        if not levels <= set(GRADE_LEVELS[data.kind]):
            raise RuleViolation(_("本校已有的年级不属于这种学校类型"), field="kind")
    with held(_("学校代码已被使用"), field="code"):
        if school is None:
            school = School(district_id=district_id)
            db.session.add(school)
        for key, value in data.__dict__.items():
            setattr(school, key, value)
    audit.record(actor, "school.save", school, school_id=school.id, name=school.name)
    return school


HOTLINE_HOURS_LIMIT = 100  # School.hotline_hours


def set_hotline(actor: User, school: School, phone: str, hours: str) -> School:
    """Publish (or withdraw) the school's hotline (校长热线): its number and staffed hours,
    seed 004 §15 公布学校联系电话，并公布值守时间 (§13 校长热线).

    `phone` as typed (full-width digits and any dash accepted: `text.normalise_phone_line`),
    `hours` one line of text such as "工作日 8:00—17:30". Both empty withdraws it. Raises
    RuleViolation on a number that is not 5 to 20 digits joined by hyphens (field "phone"), a
    number without hours or hours without a number (the seed publishes both together), hours
    over 100 characters (field "hours"). Audited (`school.hotline`); flushes, never commits."""
    phone = text.normalise_phone_line(phone)
    hours = text.normalise_line(hours)
    if phone and not text.is_phone_line(phone):
        raise RuleViolation(
            _("请填写 5 到 20 位数字的电话号码，只能用连字符分隔，例如 0573-82345678"),
            field="phone",
        )
    if len(hours) > HOTLINE_HOURS_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=HOTLINE_HOURS_LIMIT), field="hours")
    if phone and not hours:
        raise RuleViolation(_("公布热线电话时请同时写明值守时间"), field="hours")
    if hours and not phone:
        raise RuleViolation(_("请填写热线电话，或清空值守时间"), field="phone")
    school.hotline_phone, school.hotline_hours = phone, hours
    db.session.flush()
    audit.record(
        actor, "school.hotline", school, school_id=school.id, published=bool(phone)
    )  # fields, never contents
    return school


def hotlines(school_ids) -> list:
    """The published hotlines of schools `school_ids`: rows (id, name, hotline_phone,
    hotline_hours) in id order, schools without one left out. One query."""
    ids = list(school_ids)
    if not ids:
        return []
    return db.session.execute(
        select(School.id, School.name, School.hotline_phone, School.hotline_hours)
        .where(School.id.in_(ids), School.hotline_phone != "")
        .order_by(School.id)
    ).all()


# ---- the working-day calendar: official schedules and closures -------------------------------------


def add_official_day(actor: User, district_id: int, on: date | None, is_workday: bool, name: str):
    """A day of the State Council's schedule for a year the holiday library does not know."""
    from gridapp.schools.models import OfficialDay

    if on is None:
        raise RuleViolation(_("请输入有效日期，例如 2027-01-01"), field="on")
    name = (name or "").strip()
    if len(name) > 40:
        raise RuleViolation(_("名称不能超过 40 字"), field="name")
    row, _created = one_row(
        OfficialDay,
        {"district_id": district_id, "on": on},
        lambda: OfficialDay(district_id=district_id, on=on, is_workday=is_workday, name=name),
    )
    row.is_workday, row.name = is_workday, name
    db.session.flush()
    audit.record(actor, "calendar.official_day", row, on=on.isoformat(), workday=is_workday)
    return row


def remove_official_day(actor: User, row) -> None:
    audit.record(actor, "calendar.official_day.remove", row, on=row.on.isoformat())
    db.session.delete(row)
    db.session.flush()


def add_closure(actor: User, school: School, on: date | None, reason: str):
    """A day the school is closed (not counted for deadlines)."""
    from gridapp.schools.models import SchoolClosure

    if on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-12-01"), field="on")
    reason = (reason or "").strip()
    if len(reason) > 60:
        raise RuleViolation(_("原因不能超过 60 字"), field="reason")
    if db.session.scalar(
        select(SchoolClosure.id).where(SchoolClosure.school_id == school.id, SchoolClosure.on == on)
    ):
        raise RuleViolation(_("这一天已经登记为停课日"), field="on")
    row = SchoolClosure(school_id=school.id, on=on, reason=reason)
    with held(_("这一天已经登记为停课日"), field="on"):
        db.session.add(row)
    audit.record(actor, "calendar.closure", row, school_id=school.id, on=on.isoformat())
    return row


def remove_closure(actor: User, row) -> None:
    audit.record(actor, "calendar.closure.remove", row, school_id=row.school_id)
    db.session.delete(row)
    db.session.flush()


def classes_of_teacher(user: User) -> list[tuple[SchoolClass, list[str]]]:
    """The teacher's classes, headed ones first, each with the subjects they teach there."""
    ids = taught_class_ids(user)
    if not ids:
        return []
    classes = db.session.scalars(
        select(SchoolClass)
        .where(SchoolClass.id.in_(ids))
        .options(joinedload(SchoolClass.grade), joinedload(SchoolClass.school))
    ).all()
    subjects: dict[int, list[str]] = {}
    for class_id, subject in db.session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.subject).where(
            TeachingAssignment.teacher_id == user.id
        )
    ):
        subjects.setdefault(class_id, []).append(subject)
    classes = sorted(
        classes, key=lambda c: (c.head_teacher_id != user.id, c.school_id, c.grade.level, c.number)
    )
    return [(c, subjects.get(c.id, [])) for c in classes]


def school_years(school_id: int) -> list[SchoolYear]:
    """School `school_id`'s years, latest start first, each with its semesters loaded."""
    return db.session.scalars(
        select(SchoolYear)
        .where(SchoolYear.school_id == school_id)
        .options(selectinload(SchoolYear.semesters))
        .order_by(SchoolYear.starts_on.desc())
    ).all()


def class_assignments(class_id: int) -> list[TeachingAssignment]:
    """Class `class_id`'s teaching assignments by subject, each with its teacher loaded."""
    return db.session.scalars(
        select(TeachingAssignment)
        .where(TeachingAssignment.class_id == class_id)
        .options(joinedload(TeachingAssignment.teacher))
        .order_by(TeachingAssignment.subject)
    ).all()
