"""The figures of a semester report (issue 18 item 6) beyond the coverage pages': each school's
cases of the semester with an honest on-time rate, and its parents' evaluations of contacts.
The PDF itself is drawn by `report_views.py` through the shared renderer (core/pdf.py).

The semester of a school is its current one (`rules.current_semester_ids`) or one it chose;
its days are the window whose work counts for it (`rules.semester_windows`: the semester and,
by the school's setting, the holiday before or after). Schools on the same window share one
grouped query, so a district of 100 schools on one calendar runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from gridapp.cases.models import Case
from gridapp.cases.services import OPEN
from gridapp.contacts import rules
from gridapp.contacts.models import LOW_RATING, Contact, ContactEvaluation
from gridapp.core.time import SHANGHAI, local
from gridapp.extensions import db
from gridapp.schools.models import School, Semester


@dataclass
class CaseFigures:
    """Cases of one school (or a total) in a semester: `received` in its window, of them
    `on_time` (answered by the deadline, or answered where no deadline was set), `late`
    (answered after the deadline, or still open past it: issue 18 item 2), `open`; and
    `overdue_now`: the school's open cases past their deadline today, whenever received."""

    received: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue_now: int = 0

    @property
    def judged(self) -> int:
        """The cases the on-time rate is based on: answered, or open past their deadline."""
        return self.on_time + self.late

    @property
    def on_time_percent(self) -> str:
        """The on-time rate in whole percent, "—" when no case is answered or late yet."""
        return f"{100 * self.on_time / self.judged:.0f}%" if self.judged else "—"

    def add(self, other: CaseFigures) -> None:
        for name in ("received", "on_time", "late", "open", "overdue_now"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class EvaluationFigures:
    """Parents' evaluations (1 to 5 stars, seed 000 家访评价) of one school's contacts of the
    semester: how many, the sum of their stars, how many at or below `LOW_RATING`."""

    count: int = 0
    stars: int = 0
    low: int = 0

    @property
    def average(self) -> str:
        """The mean rating to one decimal ("4.6"), "—" without an evaluation."""
        return f"{self.stars / self.count:.1f}" if self.count else "—"

    def add(self, other: EvaluationFigures) -> None:
        self.count += other.count
        self.stars += other.stars
        self.low += other.low


@dataclass(frozen=True)
class Window:
    """A school's semester for a report: the semester (with its school year loaded) and the
    first and last day whose work counts for it."""

    semester: Semester
    since: date
    until: date


def windows(school_ids, day: date, semester_id: int | None = None) -> dict[int, Window]:
    """{school id: Window} of the schools' current semesters on `day` (the ones
    `rules.current_semester_ids` picks; schools without one are left out), or of the one
    school's semester `semester_id` (one of its own: the caller checks). Two queries."""
    ids = sorted(school_ids)
    if semester_id is not None:
        chosen = {ids[0]: semester_id}
    else:
        chosen = rules.current_semester_ids(ids, day)
    rows = db.session.execute(
        select(Semester, School.break_counts_for)
        .join(School, School.id == Semester.school_id)
        .where(Semester.school_id.in_(list(chosen)))
        .options(joinedload(Semester.school_year))
        .order_by(Semester.school_id, Semester.starts_on)
    ).all()
    by_school: dict[int, list[Semester]] = defaultdict(list)
    setting = {}
    for sem, counts_for in rows:
        by_school[sem.school_id].append(sem)
        setting[sem.school_id] = counts_for
    out = {}
    for school_id, sems in by_school.items():
        for sem, since, until in rules.semester_windows(sems, setting[school_id]):
            if sem.id == chosen[school_id]:
                out[school_id] = Window(sem, since, until)
    return out


def _groups(wins: dict[int, Window]) -> dict[tuple[date, date], list[int]]:
    groups: dict[tuple[date, date], list[int]] = defaultdict(list)
    for school_id, w in wins.items():
        groups[(w.since, w.until)].append(school_id)
    return groups


def _instant(day: date) -> datetime:
    """The first instant of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def case_figures(wins: dict[int, Window], today: date) -> dict[int, CaseFigures]:
    """{school id: CaseFigures} for the schools of `wins`: the cases received in each school's
    window (by the day in Asia/Shanghai), answered on time or late, where an open case past its
    deadline counts late (issue 18 item 2: "按期答复率" never stands beside unanswered overdue
    cases as 100%), and the open cases overdue on `today`. A query per window, one more for the
    overdue ones."""
    out = {school_id: CaseFigures() for school_id in wins}
    is_open = Case.status.in_(sorted(OPEN))
    for (since, until), ids in _groups(wins).items():
        rows = db.session.execute(
            select(Case.school_id, Case.status, Case.replied_at, Case.due_on).where(
                Case.school_id.in_(sorted(ids)),
                Case.received_at >= _instant(since),
                Case.received_at < _instant(until + timedelta(days=1)),
            )
        )
        for school_id, status, replied_at, due_on in rows:
            f = out[school_id]
            f.received += 1
            if replied_at is not None:
                if due_on is None or local(replied_at).date() <= due_on:
                    f.on_time += 1
                else:
                    f.late += 1
            elif status in OPEN:
                f.open += 1
                if due_on is not None and due_on < today:
                    f.late += 1
    for school_id, n in db.session.execute(
        select(Case.school_id, func.count(Case.id))
        .where(Case.school_id.in_(sorted(wins)), is_open, Case.due_on < today)
        .group_by(Case.school_id)
    ):
        out[school_id].overdue_now = n
    return out


def evaluation_figures(wins: dict[int, Window]) -> dict[int, EvaluationFigures]:
    """{school id: EvaluationFigures}: parents' evaluations of the school's contacts made in its
    window (figures only: no parent, no words). A grouped query per window."""
    out = {school_id: EvaluationFigures() for school_id in wins}
    for (since, until), ids in _groups(wins).items():
        rows = db.session.execute(
            select(
                ContactEvaluation.school_id,
                func.count(ContactEvaluation.id),
                func.sum(ContactEvaluation.rating),
                func.sum(sql_case((ContactEvaluation.rating <= LOW_RATING, 1), else_=0)),
            )
            .join(Contact, Contact.id == ContactEvaluation.contact_id)
            .where(
                ContactEvaluation.school_id.in_(sorted(ids)),
                Contact.contact_on >= since,
                Contact.contact_on <= until,
            )
            .group_by(ContactEvaluation.school_id)
        )
        for school_id, count, stars, low in rows:
            out[school_id] = EvaluationFigures(int(count), int(stars or 0), int(low or 0))
    return out


def total_of(figures: dict, kind):
    """The sum of CaseFigures or EvaluationFigures (`kind`) over a dict of them."""
    out = kind()
    for f in figures.values():
        out.add(f)
    return out
