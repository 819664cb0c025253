"""The contact schedule's rules (教师联系学生家长安排表, seed 004 §2): the semester's weeks and
holiday weeks, the plan built from what the quota engine says is owed (balanced over the weeks),
an item's move with its history, and when an item is done. Services add and flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import rules, worklists
from gridapp.contacts.models import (
    REMOTE_FORMS,
    Contact,
    ContactFamily,
    ContactForm,
    ContactTeacher,
)
from gridapp.core import unique
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.people.permissions import linked_student_ids
from gridapp.schedules.models import ScheduleItem, ScheduleMove
from gridapp.schools.models import School, SchoolClass, Semester
from gridapp.schools.permissions import taught_class_ids
from gridapp.schools.workdays import WorkCalendar

# A week with fewer working days than this is a holiday week (国庆, 春节…): nothing is planned in
# it. A week with one statutory day off still has four (清明, 元旦); the National Day week and the
# one after it, shortened by the holiday, have three each (make-up Saturdays counted).
MIN_WORKDAYS = 4
# At most this many door visits to one community are planned in one week: one trip.
TRIP_SIZE = 4
# Which class rule asks for which form (the door-visit rules, and the head teacher's remote one).
DOOR_RULES = ("focus", "first_year", "two_years", "stage")
# The rule of an item added by hand to a class's schedule (`add_item`).
ADDED = "added"


@dataclass(frozen=True)
class Week:
    """A week of a semester: `number` 1 is the Monday-to-Sunday week of its first day;
    `starts_on` its Monday, `ends_on` its Sunday; `workdays` the working days inside the
    semester (the school's calendar: `schools.workdays`)."""

    number: int
    starts_on: date
    ends_on: date
    workdays: int

    @property
    def holiday(self) -> bool:
        return self.workdays < MIN_WORKDAYS

    def label(self) -> str:
        return _(
            "第%(n)d周（%(a)s–%(b)s）",
            n=self.number,
            a=f"{self.starts_on.month}/{self.starts_on.day}",
            b=f"{self.ends_on.month}/{self.ends_on.day}",
        )


def semester_weeks(semester: Semester) -> list[Week]:
    """The weeks of `semester` in order, each with its working days counted by the school's
    calendar (the district's schedule, `chinese-calendar`, the school's closures). Weeks with
    fewer than MIN_WORKDAYS are holiday weeks (`Week.holiday`)."""
    school = db.session.get(School, semester.school_id)
    calendar = WorkCalendar(school.district_id, school.id)
    monday = semester.starts_on - timedelta(days=semester.starts_on.weekday())
    weeks = []
    number = 1
    while monday <= semester.ends_on:
        days = [monday + timedelta(days=i) for i in range(7)]
        inside = [d for d in days if semester.starts_on <= d <= semester.ends_on]
        workdays = sum(1 for d in inside if calendar.is_workday(d)[0])
        weeks.append(Week(number, monday, monday + timedelta(days=6), workdays))
        monday += timedelta(days=7)
        number += 1
    return weeks


def week_of(weeks: list[Week], day: date) -> int | None:
    """The number of the week holding `day`, or None outside the semester's weeks."""
    for week in weeks:
        if week.starts_on <= day <= week.ends_on:
            return week.number
    return None


def first_workday(semester: Semester, week: Week, since: date) -> date:
    """The first working day of `week` not before `since` (a trip's suggested day); the week's
    Monday (or `since`) when it has none left."""
    school = db.session.get(School, semester.school_id)
    calendar = WorkCalendar(school.district_id, school.id)
    day = max(week.starts_on, since)
    while day <= week.ends_on:
        if calendar.is_workday(day)[0]:
            return day
        day += timedelta(days=1)
    return max(week.starts_on, since)


# ---- what is owed, as items to plan ----------------------------------------------------------------


@dataclass
class Wanted:
    """A contact the quota engine says is owed, to be placed in a week."""

    teacher_id: int
    family_id: int
    student_id: int
    class_id: int
    form: ContactForm
    rule: str
    due: date
    focus: bool = False
    community: str = ""

    @property
    def key(self) -> tuple:
        return (self.teacher_id, self.family_id, self.form)


def owed(period: rules.Period, class_ids: list[int]) -> list[Wanted]:
    """What the teachers of the classes `class_ids` still owe their families this semester, one
    item per (teacher, family, form): a door visit for the head teacher where a door-visit rule
    is owed, a phone call for the head teacher's remote rule, and a phone call for each teacher's
    own contact (任课教师每学期联系) unless that teacher already has an item with the family (any
    form meets it). From `rules.class_student_rows` and `rules.teacher_pair_rows` (seed 004 §2,
    the quotas of `contacts.rules`)."""
    if not class_ids:
        return []
    student_rows = rules.class_student_rows(period, class_ids)
    first_student: dict[tuple[int, int], int] = {}
    focus: set[int] = set()
    out: dict[tuple, Wanted] = {}
    for r in sorted(student_rows, key=lambda r: (r.name_key, r.student_id)):
        first_student.setdefault((r.family_id, r.class_id), r.student_id)
        if r.is_focus:
            focus.add(r.family_id)
        if r.head_teacher_id is None:
            continue
        for name in worklists.owed_class_rules(period, r):
            form = ContactForm.HOME_VISIT if name in DOOR_RULES else ContactForm.PHONE
            item = Wanted(
                r.head_teacher_id, r.family_id, r.student_id, r.class_id, form, name,
                getattr(r, f"{name}_due"),
            )  # fmt: skip
            known = out.get(item.key)
            if known is None or item.due < known.due:
                out[item.key] = item
    teachers_with = {(w.teacher_id, w.family_id) for w in out.values()}
    for r in rules.teacher_pair_rows(period, class_ids=class_ids):
        if not r.applies or r.met or (r.teacher_id, r.family_id) in teachers_with:
            continue
        student_id = first_student.get((r.family_id, r.class_id))
        if student_id is None:
            continue
        item = Wanted(
            r.teacher_id, r.family_id, student_id, r.class_id, ContactForm.PHONE, "teacher", r.due
        )
        out.setdefault(item.key, item)
        teachers_with.add((r.teacher_id, r.family_id))
    items = list(out.values())
    places = dict(
        (sid, (community or address or "").strip())
        for sid, community, address in db.session.execute(
            select(Student.id, Student.community, Student.address).where(
                Student.id.in_({w.student_id for w in items})
            )
        )
    )
    for w in items:
        w.focus = w.family_id in focus
        w.community = places.get(w.student_id, "")
    return items


# ---- done ------------------------------------------------------------------------------------------


def _matches(item_form: ContactForm, rule: str, contact_form: ContactForm) -> bool:
    """Whether a contact of `contact_form` meets an item: a door visit only by a door visit, the
    head teacher's remote contact by a phone call or online, a teacher's own contact by any, an
    item added by hand by its own form (a phone call or online for a remote one)."""
    if item_form is ContactForm.HOME_VISIT:
        return contact_form is ContactForm.HOME_VISIT
    if rule == "teacher":
        return True
    if rule == ADDED and item_form not in REMOTE_FORMS:  # a 到校座谈 added by hand: one held
        return contact_form is item_form
    return contact_form in REMOTE_FORMS


# Up to this many items are looked up by their ids; more (a school's week summary) by semester.
ITEMS_BY_ID = 200


def done_item_ids(items, period: rules.Period | None) -> set[int]:
    """The ids of `items` (ScheduleItems, or rows with their id, form and rule, of the semester
    of `period`) that are done: a contact that counts for the semester (`rules.counts`, dated
    in its window) with the item's family, the item's teacher present, of a matching form
    (`_matches`). One query, joined through the items themselves: a few items by their ids,
    many (a school's whole schedule) by their semester, never long lists of families and
    teachers (a school's week summary took 0.8 s on the demo school that way)."""
    items = list(items)
    if not items or period is None:
        return set()
    wanted = {i.id: i for i in items}
    query = (
        select(ScheduleItem.id, Contact.form)
        .select_from(ScheduleItem)
        .join(ContactFamily, ContactFamily.family_id == ScheduleItem.family_id)
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .join(
            ContactTeacher,
            (ContactTeacher.contact_id == Contact.id)
            & (ContactTeacher.teacher_id == ScheduleItem.teacher_id),
        )
        .where(
            rules.counts(period),
            Contact.contact_on >= period.counts_from,
            Contact.contact_on <= period.counts_until,
        )
        .distinct()
    )
    if len(wanted) <= ITEMS_BY_ID:
        query = query.where(ScheduleItem.id.in_(sorted(wanted)))
    else:
        query = query.where(ScheduleItem.semester_id == period.semester_id)
    done = set()
    for item_id, form in db.session.execute(query):
        item = wanted.get(item_id)
        if item is not None and _matches(item.form, item.rule, form):
            done.add(item_id)
    return done


# ---- the plan ---------------------------------------------------------------------------------------


@dataclass
class Placement:
    wanted: Wanted
    week: int


@dataclass
class Plan:
    """A build's outcome before it is saved: the weeks, the items kept as they are (done or
    moved, or of classes outside the build), those dropped (pending and never moved: placed
    again), and the new placements."""

    semester: Semester
    period: rules.Period
    weeks: list[Week]
    kept: list[ScheduleItem] = field(default_factory=list)
    dropped: list[ScheduleItem] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    class_ids: frozenset = frozenset()

    @property
    def kept_here(self) -> list[ScheduleItem]:
        """The kept items of the classes built (other classes' are kept too, untouched)."""
        return [i for i in self.kept if i.class_id in self.class_ids]

    def per_week(self) -> list[tuple[Week, int, int]]:
        """(week, items of the built classes kept in it, new items placed in it) per week."""
        kept: dict[int, int] = {}
        new: dict[int, int] = {}
        for i in self.kept_here:
            kept[i.week] = kept.get(i.week, 0) + 1
        for p in self.placements:
            new[p.week] = new.get(p.week, 0) + 1
        return [(w, kept.get(w.number, 0), new.get(w.number, 0)) for w in self.weeks]


def week_summary(semester_id: int, period: rules.Period | None) -> dict[int, tuple[int, int]]:
    """{week: (items, done)} of a semester's whole schedule (weeks without items left out)."""
    items = list(
        db.session.execute(
            select(
                ScheduleItem.id, ScheduleItem.week, ScheduleItem.family_id,
                ScheduleItem.teacher_id, ScheduleItem.form, ScheduleItem.rule,
            ).where(ScheduleItem.semester_id == semester_id)
        )
    )  # fmt: skip
    done = done_item_ids(items, period)
    out: dict[int, tuple[int, int]] = {}
    for item in items:
        n, d = out.get(item.week, (0, 0))
        out[item.week] = (n + 1, d + (item.id in done))
    return out


def items_with_names(ids: list[int]) -> list[ScheduleItem]:
    """The items of `ids` in that order, with the teacher, student and class shown on each line
    loaded (two more queries, however many items)."""
    if not ids:
        return []
    found = {
        i.id: i
        for i in db.session.scalars(
            select(ScheduleItem)
            .where(ScheduleItem.id.in_(ids))
            .options(
                selectinload(ScheduleItem.teacher),
                selectinload(ScheduleItem.student).selectinload(Student.school_class),
            )
        )
    }
    return [found[i] for i in ids if i in found]


def schedule_items(
    semester_id: int, *, class_ids=None, teacher_id=None, week=None
) -> list[ScheduleItem]:
    """The semester's items (of some classes, of one teacher, of one week), by week, then
    teacher, then the student's name (Chinese order)."""
    query = (
        select(ScheduleItem)
        .join(Student, Student.id == ScheduleItem.student_id)
        .join(User, User.id == ScheduleItem.teacher_id)
        .where(ScheduleItem.semester_id == semester_id)
        .order_by(ScheduleItem.week, User.name_key, Student.name_key, ScheduleItem.id)
    )
    if class_ids is not None:
        query = query.where(ScheduleItem.class_id.in_(list(class_ids)))
    if teacher_id is not None:
        query = query.where(ScheduleItem.teacher_id == teacher_id)
    if week is not None:
        query = query.where(ScheduleItem.week == week)
    return list(db.session.scalars(query))


def _units(items: list[Wanted]) -> list[list[Wanted]]:
    """A teacher's items as units placed together: door visits to one community in trips of up
    to TRIP_SIZE, every other item alone; focus families first, then the nearest due date."""
    doors: dict[str, list[Wanted]] = {}
    units = []
    for w in items:
        if w.form is ContactForm.HOME_VISIT and w.community:
            doors.setdefault(w.community, []).append(w)
        else:
            units.append([w])
    for group in doors.values():
        group.sort(key=lambda w: (not w.focus, w.due))
        units.extend(group[i : i + TRIP_SIZE] for i in range(0, len(group), TRIP_SIZE))
    units.sort(key=lambda u: (not any(w.focus for w in u), min(w.due for w in u)))
    return units


def _place(units, open_weeks: list[Week], load: dict[int, int]) -> list[Placement]:
    """Spread one teacher's units over the open weeks: unit i of n aims at the week i·W/n of the
    W open weeks and takes, among the weeks up to its due date (all open weeks when none is),
    the one with the lightest load after it, the nearest to its aim on a tie. Trips (units of
    several door visits) are placed before single items, which then fill the lighter weeks
    around them: a trip placed last on an even load would leave its week two or more items
    over the others."""
    out = []
    n = len(units)
    for i in sorted(range(n), key=lambda i: -len(units[i])):  # stable: as given within a size
        unit = units[i]
        due = min(w.due for w in unit)
        eligible = [k for k, week in enumerate(open_weeks) if week.starts_on <= due]
        if not eligible:
            eligible = list(range(len(open_weeks)))
        aim = i * len(open_weeks) / n
        best = min(
            eligible,
            key=lambda k: (load.get(open_weeks[k].number, 0) + len(unit), abs(k - aim)),
        )
        number = open_weeks[best].number
        load[number] = load.get(number, 0) + len(unit)
        out.extend(Placement(w, number) for w in unit)
    return out


def plan(school_id: int, semester: Semester, class_ids: list[int], today: date) -> Plan:
    """The schedule a build of the classes `class_ids` of school `school_id` would save for
    `semester`, computed and not written (the preview). Items done, moved or added by hand are
    kept as they are, and so are other classes' items; the others of these classes are dropped and what is
    still owed (`owed`) is placed again over the open weeks: the weeks not yet over (from
    today's) that are not holiday weeks (`Week.holiday`), balanced per teacher (`_place`).
    Raises RuleViolation when the semester has no open week left (seed 004 §2)."""
    period = rules.period_for(school_id, today, semester.id)
    weeks = semester_weeks(semester)
    open_weeks = [w for w in weeks if not w.holiday and w.ends_on >= today]
    if not open_weeks:
        raise RuleViolation(_("这个学期已经没有可以安排的周了"))
    existing = schedule_items(semester.id)
    done = done_item_ids(existing, period)
    scope = set(class_ids)
    result = Plan(semester, period, weeks, class_ids=frozenset(scope))
    for item in existing:
        # An item added by hand is no rule's: dropped, nothing would place it again.
        if item.class_id in scope and item.id not in done and not item.moves and item.rule != ADDED:
            result.dropped.append(item)
        else:
            result.kept.append(item)
    taken = {(i.teacher_id, i.family_id, i.form) for i in result.kept}
    by_teacher: dict[int, list[Wanted]] = {}
    for w in owed(period, class_ids):
        if w.key not in taken:
            by_teacher.setdefault(w.teacher_id, []).append(w)
    for teacher_id, items in sorted(by_teacher.items()):
        load: dict[int, int] = {}
        for i in result.kept:
            if i.teacher_id == teacher_id:
                load[i.week] = load.get(i.week, 0) + 1
        result.placements.extend(_place(_units(items), open_weeks, load))
    return result


def save_plan(user: User, school_id: int, result: Plan) -> int:
    """Write a plan: the dropped items go, the placements are added (flushed, not committed).
    Returns how many items were placed. A build running at the same moment for the same
    families is refused by the unique index (RuleViolation, nothing written)."""
    with unique.held(_("同一时间有人在生成这份安排表，请刷新后再试")):
        if result.dropped:
            db.session.execute(
                delete(ScheduleItem).where(ScheduleItem.id.in_([i.id for i in result.dropped]))
            )
        for p in result.placements:
            w = p.wanted
            db.session.add(
                ScheduleItem(
                    school_id=school_id,
                    semester_id=result.semester.id,
                    class_id=w.class_id,
                    teacher_id=w.teacher_id,
                    family_id=w.family_id,
                    student_id=w.student_id,
                    form=w.form,
                    rule=w.rule,
                    week=p.week,
                    created_by_id=user.id,
                )  # fmt: skip
            )
    return len(result.placements)


# ---- moves and items added by hand --------------------------------------------------------------------


def open_weeks(weeks: list[Week], day: date) -> list[Week]:
    """The weeks an item may still be put in on `day`: this week and the ones after it (a week
    already over would show the item overdue at once)."""
    return [w for w in weeks if w.ends_on >= day]


def _check_week(weeks: list[Week], week: int | None, field_name: str, day: date) -> Week:
    chosen = next((w for w in weeks if w.number == week), None)
    if chosen is None:
        raise RuleViolation(_("请选择第 1 到第 %(n)d 周中的一周", n=len(weeks)), field=field_name)
    if chosen.holiday:
        raise RuleViolation(_("%(w)s是假期，请选择其他周", w=chosen.label()), field=field_name)
    if chosen.ends_on < day:
        raise RuleViolation(
            _("%(w)s已经过去，请选择本周或以后的一周", w=chosen.label()), field=field_name
        )
    return chosen


def move_item(
    user: User, item: ScheduleItem, week: int | None, weeks: list[Week], day: date
) -> None:
    """Move `item` to week `week` of its semester (`weeks`), keeping the move in its history
    (who, when, from which week). Refused beside the field `week`: a week outside the semester,
    a holiday week, a week already over on `day`, the week it is already in."""
    if week == item.week:
        raise RuleViolation(_("已经安排在这一周了"), field="week")
    _check_week(weeks, week, "week", day)
    db.session.add(
        ScheduleMove(
            item_id=item.id,
            from_week=item.week,
            to_week=week,
            moved_by_id=user.id,
            moved_at=now(),
        )  # fmt: skip
    )
    item.week = week
    db.session.flush()


def teacher_links_family(teacher: User, student: Student) -> bool:
    """Whether `teacher` is linked to the student's family: a teacher of the school who heads or
    teaches the student's class, or whom a registered link gives the student (a pairing)."""
    if not teacher.has_role(Role.TEACHER, student.school_id):
        return False
    return student.class_id in taught_class_ids(teacher) or student.id in linked_student_ids(
        teacher
    )


def _an_id(value) -> bool:
    """A number a row's id can be (PostgreSQL refuses a bigger one in the query)."""
    return isinstance(value, int) and 0 < value < 2**31


def add_item(
    user: User,
    school_class: SchoolClass,
    semester: Semester,
    teacher_id: int | None,
    student_id: int | None,
    form: ContactForm,
    week: int | None,
    weeks: list[Week],
    day: date,
) -> ScheduleItem:
    """Add one item by hand to a class's schedule: teacher `teacher_id` contacts the family of
    the class's student `student_id` in `form` during week `week`. Refused beside its field, with
    nothing written: a student not of the class, a teacher not linked to the family
    (`teacher_links_family`), a week outside the semester, a holiday or a week already over on
    `day`, an item the teacher already has for the family in that form."""
    student = db.session.get(Student, student_id) if _an_id(student_id) else None
    if (
        student is None
        or student.class_id != school_class.id
        or student.status is not StudentStatus.ACTIVE
    ):
        raise RuleViolation(_("请选择本班的学生"), field="student_id")
    teacher = db.session.get(User, teacher_id) if _an_id(teacher_id) else None
    if teacher is None or not teacher_links_family(teacher, student):
        raise RuleViolation(
            _("这位教师没有任教这个家庭的孩子，不能安排他联系这个家庭"), field="teacher_id"
        )
    _check_week(weeks, week, "week", day)
    item = ScheduleItem(
        school_id=school_class.school_id, semester_id=semester.id, class_id=school_class.id,
        teacher_id=teacher.id, family_id=student.family_id, student_id=student.id, form=form,
        rule=ADDED, week=week,
        created_by_id=user.id,
    )  # fmt: skip
    with unique.held(_("这位教师本学期已经安排了以这种方式联系这个家庭"), field="form"):
        db.session.add(item)
    return item


def class_teachers(school_class: SchoolClass) -> list[User]:
    """Teachers who may be given an item of the class: the school's teachers (the rule refuses
    those not linked to the family), by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.TEACHER,
                UserRole.school_id == school_class.school_id,
                User.active.is_(True),
            )
            .order_by(User.name_key, User.id)
            .distinct()
        )
    )
