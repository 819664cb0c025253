"""The figures a dashboard shows beside coverage, per class (issue 18 item 1), computed with a
school's kept snapshot (reports.snapshots) for the semester current on the day, in two grouped
queries for the whole school:

- `year_home_visits`: door visits (上门家访, seed 000 "四必访") that count for the school
  (`rules.counts`) made this school year up to the day, to the families of the class's active
  students (a visit to a family with two children in two classes counts in both);
- `evaluations`, `rating_sum`, `low_ratings`: guardians' evaluations of the semester's counting
  contacts with those families (1–5 stars; low is `contacts.models.LOW_RATING` or less);
- `reviewed` of `review_students`: the class's active students with at least one published
  academic review (学业述评, seed 003) this semester."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy import and_, case, distinct, func, or_, select

from gridapp.contacts import rules
from gridapp.contacts.models import (
    LOW_RATING,
    Contact,
    ContactEvaluation,
    ContactFamily,
    ContactForm,
)
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.reviews.models import AcademicReview


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


def class_extras(period: rules.Period) -> dict[int, Extras]:
    """Each class's `Extras` for the school and semester of `period` (its `today` the day the
    year's door visits count up to): two grouped queries whatever the school's size."""
    out: dict[int, Extras] = {}

    def at(class_id: int) -> Extras:
        return out.setdefault(class_id, Extras())

    students = _class_students(period).subquery("s")
    for class_id, n, reviewed in db.session.execute(
        select(
            students.c.class_id,
            func.count(students.c.id),
            func.count(distinct(AcademicReview.student_id)),
        )
        .outerjoin(
            AcademicReview,
            (AcademicReview.student_id == students.c.id)
            & (AcademicReview.semester_id == period.semester_id)
            & AcademicReview.published_at.is_not(None),
        )
        .group_by(students.c.class_id)
    ):
        at(class_id).review_students, at(class_id).reviewed = n, reviewed
    until = min(period.today, period.year_ends_on)
    families = (
        select(students.c.class_id, ContactFamily.contact_id)
        .join(ContactFamily, ContactFamily.family_id == students.c.family_id)
        .distinct()
        .subquery("cf")
    )
    # One pass over the (class, contact) pairs of the year and the semester: each pair once
    # (`families` is distinct), so each evaluation of a contact counts once per class.
    in_year = and_(
        Contact.form == ContactForm.HOME_VISIT,
        Contact.contact_on >= period.year_starts_on,
        Contact.contact_on <= until,
    )
    in_semester = and_(
        ContactEvaluation.id.is_not(None),
        Contact.contact_on >= period.counts_from,
        Contact.contact_on <= period.counts_until,
    )
    rating = ContactEvaluation.rating
    query = (
        select(
            families.c.class_id,
            func.count(distinct(case((in_year, Contact.id)))),
            func.sum(case((in_semester, 1), else_=0)),
            func.sum(case((in_semester, rating), else_=0)),
            func.sum(case((and_(in_semester, rating <= LOW_RATING), 1), else_=0)),
        )
        .join(Contact, Contact.id == families.c.contact_id)
        .outerjoin(ContactEvaluation, ContactEvaluation.contact_id == Contact.id)
        .where(
            Contact.school_id == period.school_id,
            rules.counts(period),
            or_(
                and_(Contact.contact_on >= period.year_starts_on, Contact.contact_on <= until),
                and_(
                    Contact.contact_on >= period.counts_from,
                    Contact.contact_on <= period.counts_until,
                ),
            ),
        )
        .group_by(families.c.class_id)
    )
    for class_id, visits, n, total, lows in db.session.execute(query):
        e = at(class_id)
        e.year_home_visits = int(visits or 0)
        e.evaluations, e.rating_sum, e.low_ratings = int(n or 0), int(total or 0), int(lows or 0)
    return out
