"""The drowning-prevention letter's reach: the share of a class's students whose family a door
visit found the letter delivered to this school year (seed 000 三.4: 了解教育部防溺水“六不准”
致家长一封信的送达情况)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gridapp.contacts.models import Contact, ContactFamily, ContactForm
from gridapp.contacts.rules import (
    Period,
    Share,
    _placed_students,
    _school_semesters,
    counts,
    period_for,
    semester_windows,
)
from gridapp.core import generations
from gridapp.extensions import db


def year_window(p: Period) -> tuple[date, date]:
    """(from, until), both included: the days whose contacts count for the semesters of the
    school year around period `p` (`rules.semester_windows`: the holiday before a semester
    counts with it by default), so a letter seen in the summer before term counts for the
    coming year, as the semesters' figures do. One query."""
    pairs, counts_for, _counting = _school_semesters(p.school_id)
    year_of = {sem.id: year for sem, year in pairs}
    windows = [
        (since, until)
        for sem, since, until in semester_windows([s for s, _y in pairs], counts_for)
        if year_of[sem.id].starts_on == p.year_starts_on
    ]
    if not windows:  # not reached: p's own semester is one of them
        return p.year_starts_on, p.year_ends_on
    return min(w[0] for w in windows), max(w[1] for w in windows)


def class_shares(p: Period, class_ids) -> dict[int, Share]:
    """{class id: Share(met=students whose family got the letter, total=students)} for the
    classes `class_ids` of period `p`'s school.

    The students are those the coverage figures count (`rules._placed_students`: the class
    each was in on the period's reckoning day), each once however many visits saw the letter.
    A family got it when a door visit of the school dated in the school year's window
    (`year_window`), and counting by the school's rule (`rules.counts`), says the letter was
    delivered; a visit with siblings' family counts for each sibling. A class without students
    is left out. Two queries (the window, then one grouped statement), whatever the size."""
    class_ids = list(class_ids)
    if not class_ids:
        return {}
    since, until = year_window(p)
    students = _placed_students(p, class_ids=class_ids)
    delivered = (
        select(ContactFamily.family_id)
        .join(Contact, Contact.id == ContactFamily.contact_id)
        .where(
            Contact.school_id == p.school_id,
            Contact.form == ContactForm.HOME_VISIT,
            Contact.drowning_letter_delivered.is_(True),
            Contact.contact_on >= since,
            Contact.contact_on <= until,
            counts(p),
        )
        .distinct()
        .subquery("letters")
    )
    rows = db.session.execute(
        select(
            students.c.class_id,
            func.count(students.c.student_id),
            func.count(delivered.c.family_id),
        )
        .select_from(students)
        .outerjoin(delivered, delivered.c.family_id == students.c.family_id)
        .group_by(students.c.class_id)
    ).all()
    return {class_id: Share(met, total) for class_id, total, met in rows}


def total(shares) -> Share:
    """The sum of some classes' shares (a school's figure)."""
    out = Share(0, 0)
    for share in shares:
        out = out + share
    return out


def current_class_share(school_id: int, class_id: int, today: date) -> Share | None:
    """The class's share (`class_shares`) in the school's current semester's school year, kept
    under the school's generation and the day (`core.generations.kept`: the class page reads
    it on every view). None when the school has no semester yet; Share(0, 0) for a class
    without students."""

    def compute():
        p = period_for(school_id, today)
        if p is None:
            return ()
        share = class_shares(p, [class_id]).get(class_id, Share(0, 0))
        return (share.met, share.total)

    kept = generations.kept(("drowning_letter", class_id, today), school_id, compute)
    return Share(*kept) if kept else None
