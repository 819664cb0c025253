"""The door-visit trip planner: a teacher's owed door visits grouped by residential community (by
address where the community is unknown), so that one trip covers neighbours, each group with a
day suggested from the schedule (issue 19 item 3; seed 004 §2-§3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import worklists
from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactTeacher,
)
from gridapp.core import text
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.schedules import services
from gridapp.schools.models import SchoolClass, Semester


@dataclass
class Stop:
    """One family of a trip: the student it is visited through, where they live, its week."""

    family_id: int
    student_id: int
    name: str
    class_name: str
    address: str
    week: int | None = None
    focus: bool = False


@dataclass
class Trip:
    """Families living in one community (`key`: the community, else the address), the week
    and day suggested for the trip (None: nothing scheduled; the first working day from today
    is suggested then)."""

    key: str
    by_address: bool
    stops: list[Stop] = field(default_factory=list)
    week: services.Week | None = None
    day: date | None = None

    @property
    def label(self) -> str:
        return self.key or _("住址未填写")


def _door_rules(line) -> bool:
    return any(o.rule in services.DOOR_RULES and not o.late for o in line.owed)


def teacher_trips(user: User, school_id: int, today: date) -> tuple[Semester | None, list[Trip]]:
    """(the semester, the trips) of the teacher at school `school_id` on `today`: the families
    they owe a door visit (their worklist, `contacts.worklists.teacher_work`) and those of their
    door-visit schedule items not done yet, grouped by `Student.community` (by address where
    it is empty). A group's suggested week is its earliest scheduled week not yet over (this
    week when it is overdue or nothing is scheduled); its day the first working day of that
    week from today. Trips are ordered by day, then by size (the larger first)."""
    _school, period, lines, _headed, _returned, _due = worklists.teacher_work(
        user, school_id, today
    )
    if period is None:
        return None, []
    semester = db.session.get(Semester, period.semester_id)
    weeks = services.semester_weeks(semester)
    families: dict[int, tuple[int, bool]] = {}
    for line in lines:
        if _door_rules(line) and line.first_student_id:
            families[line.family_id] = (line.first_student_id, line.is_focus)
    items = [
        i
        for i in services.schedule_items(semester.id, teacher_id=user.id)
        if i.form is ContactForm.HOME_VISIT
    ]
    done = services.done_item_ids(items, period)
    week_of: dict[int, int] = {}
    for item in items:
        if item.id in done:
            families.pop(item.family_id, None)
            continue
        families.setdefault(item.family_id, (item.student_id, False))
        week_of[item.family_id] = min(week_of.get(item.family_id, item.week), item.week)
    if not families:
        return semester, []
    students = {
        r.id: r
        for r in db.session.execute(
            select(Student.id, Student.name, Student.community, Student.address, SchoolClass.name)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Student.id.in_([sid for sid, _focus in families.values()]))
        )
    }
    trips: dict[str, Trip] = {}
    for family_id, (student_id, focus) in families.items():
        r = students.get(student_id)
        if r is None:
            continue
        community = (r.community or "").strip()
        address = (r.address or "").strip()
        key = community or address
        trip = trips.setdefault(key, Trip(key, by_address=not community))
        trip.stops.append(
            Stop(family_id, student_id, r.name, r[4], address, week_of.get(family_id), focus)
        )
    this_week = services.week_of(weeks, today)
    by_number = {w.number: w for w in weeks}
    for trip in trips.values():
        trip.stops.sort(key=lambda s: (not s.focus, text.name_sort_key(s.name), s.student_id))
        planned = [s.week for s in trip.stops if s.week is not None]
        number = min(planned) if planned else None
        if number is None or (this_week is not None and number < this_week):
            number = this_week
        week = by_number.get(number) if number else None
        trip.week = week
        trip.day = services.first_workday(semester, week, today) if week else None
    ordered = sorted(
        trips.values(), key=lambda t: (t.day or date.max, -len(t.stops), text.name_sort_key(t.key))
    )
    return semester, ordered


def find_trip(trips: list[Trip], key: str) -> Trip | None:
    return next((t for t in trips if t.key == key), None)


def visited_on(user: User, family_ids: list[int], day: date) -> set[int]:
    """The families of `family_ids` with a door visit on `day` that the user was at (not
    withdrawn): those already entered for the trip of that day."""
    if not family_ids:
        return set()
    return set(
        db.session.scalars(
            select(ContactFamily.family_id)
            .join(Contact, Contact.id == ContactFamily.contact_id)
            .join(ContactTeacher, ContactTeacher.contact_id == Contact.id)
            .where(
                ContactFamily.family_id.in_(family_ids),
                ContactTeacher.teacher_id == user.id,
                Contact.contact_on == day,
                Contact.form == ContactForm.HOME_VISIT,
                Contact.status != ContactStatus.WITHDRAWN,
            )
        )
    )
