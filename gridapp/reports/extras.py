"""The figures a dashboard shows beside coverage, per class (issue 18 item 1), computed with a
school's kept snapshot (reports.snapshots) for the semester current on the day, in two grouped
queries for the whole school:

- `year_home_visits`: door visits (上门家访, seed 000 "四必访") that count for the school
  (`rules.counts`) and for this school year's semesters up to the day (`year_window`),
  credited as the semester's are (`rules.home_visits_by_class`: in the class each child of the
  family was in on the day of the visit), so never fewer than the semester's;
- `evaluations`, `rating_sum`, `low_ratings`: guardians' evaluations of the semester's counting
  contacts with the families of the class's active students (1–5 stars; low is `contacts.models.LOW_RATING` or less);
- `reviewed` of `review_students`: the class's active students with at least one published
  academic review (学业述评, seed 003) this semester."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date

from sqlalchemy import case, distinct, func, literal, select, union_all

from gridapp.contacts import rules
from gridapp.contacts.models import (
    LOW_RATING,
    Contact,
    ContactEvaluation,
    ContactFamily,
)
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.reviews.models import AcademicReview
from gridapp.schools.models import Semester


@dataclass
class Extras:
    """A class's (or a sum's) figures beside coverage; see the module docstring. Counts."""

    year_home_visits: int = 0
    evaluations: int = 0
    rating_sum: int = 0
    low_ratings: int = 0
    reviewed: int = 0
    review_students: int = 0

    def __add__(self, other: Extras) -> Extras:
        return Extras(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def mean_rating(self) -> float | None:
        """The mean rating (1–5), None without evaluations."""
        return self.rating_sum / self.evaluations if self.evaluations else None

    @property
    def reviews(self) -> rules.Share:
        """Academic review completion as a share of the class's students."""
        return rules.Share(self.reviewed, self.review_students)

    def dump(self) -> dict:
        return asdict(self)

    @classmethod
    def load(cls, data: dict | None) -> Extras:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in (data or {}).items() if k in names})


def _class_students(period: rules.Period):
    return select(Student.id, Student.class_id, Student.family_id).where(
        Student.school_id == period.school_id, Student.status == StudentStatus.ACTIVE
    )


def year_window(period: rules.Period) -> tuple[date, date]:
    """(from, until): the days whose contacts count for the school year of `period` up to its
    day: from the start of the window of the year's first semester (`rules.semester_window`:
    with the summer before it when holidays count for the next semester) to the day, within
    the current semester's window. So the year's door visits are never fewer than the
    semester's. One query in the second semester, none in the first."""
    until = min(period.today, period.counts_until)
    if period.semester_number == 1:
        return period.counts_from, until
    first = db.session.scalar(
        select(Semester.id).where(
            Semester.school_id == period.school_id,
            Semester.number == 1,
            Semester.starts_on >= period.year_starts_on,
            Semester.ends_on <= period.year_ends_on,
        )
    )
    window = rules.semester_window(period.school_id, first) if first else None
    return (window[0] if window else period.year_starts_on), until


def class_extras(period: rules.Period) -> dict[int, Extras]:
    """Each class's `Extras` for the school and semester of `period` (its `today` the day the
    year's door visits count up to): two grouped queries whatever the school's size."""
    out: dict[int, Extras] = {}

    def at(class_id: int) -> Extras:
        return out.setdefault(class_id, Extras())

    students = _class_students(period).subquery("s")
    zero = literal(0)
    reviews = (
        select(
            students.c.class_id,
            func.count(students.c.id),
            func.count(distinct(AcademicReview.student_id)),
            zero,
            zero,
            zero,
        )
        .outerjoin(
            AcademicReview,
            (AcademicReview.student_id == students.c.id)
            & (AcademicReview.semester_id == period.semester_id)
            & AcademicReview.published_at.is_not(None),
        )
        .group_by(students.c.class_id)
    )
    # Each (class, contact) pair once (`families` is distinct): an evaluation of a contact
    # counts once in each class of the family's children.
    families = (
        select(students.c.class_id, ContactFamily.contact_id)
        .join(ContactFamily, ContactFamily.family_id == students.c.family_id)
        .distinct()
        .subquery("cf")
    )
    rating = ContactEvaluation.rating
    evaluations = (
        select(
            families.c.class_id,
            zero,
            zero,
            func.count(ContactEvaluation.id),
            func.sum(rating),
            func.sum(case((rating <= LOW_RATING, 1), else_=0)),
        )
        .join(Contact, Contact.id == families.c.contact_id)
        .join(ContactEvaluation, ContactEvaluation.contact_id == Contact.id)
        .where(
            Contact.school_id == period.school_id,
            rules.counts(period),
            Contact.contact_on >= period.counts_from,
            Contact.contact_on <= period.counts_until,
        )
        .group_by(families.c.class_id)
    )
    for class_id, n, reviewed, rated, total, lows in db.session.execute(
        union_all(reviews, evaluations)
    ):
        e = at(class_id)
        e.review_students += int(n or 0)
        e.reviewed += int(reviewed or 0)
        e.evaluations += int(rated or 0)
        e.rating_sum += int(total or 0)
        e.low_ratings += int(lows or 0)
    since, until = year_window(period)
    for class_id, n in rules.home_visits_by_class(period, since, until).items():
        at(class_id).year_home_visits = n
    return out
