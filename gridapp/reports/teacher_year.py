"""Each teacher's year in figures (issue 21 item 8): per teacher of a school and one school year,
their contacts with families by form, door visits, how far they met the per-semester contact
quota, records entered late and records returned, the parents' ratings of their contacts,
academic reviews written and follow-ups met. What a school puts in each teacher's yearly
assessment (seed 004 §22: 教师落实家校联系情况、家长评教情况列入教师年度考核; seed 001 5.5: 师德档案).

A fixed number of grouped queries for the whole school, whatever its number of teachers or
contacts: one per kind of figure, the quota engine once per semester begun. The figures from
contacts are kept under the school's generation and the day (core.generations); the reviews,
which the generations do not watch, and the list of teachers are read on each view.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import rules
from gridapp.contacts.models import (
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactRevision,
    ContactStatus,
    ContactTeacher,
    FollowUp,
)
from gridapp.core import audit, generations
from gridapp.core.i18n import gettext as _
from gridapp.core.xlsx import new_workbook, to_bytes, write_sheet
from gridapp.extensions import db
from gridapp.reviews.models import AcademicReview
from gridapp.schools import services as school_services
from gridapp.schools.models import SchoolYear

FORMS = tuple(ContactForm)  # the columns of contacts by form, in the order pages show them
SORTS = (
    "name", "contacts", "home_visits", "completion", "late", "returned", "rating", "reviews",
    "follow_ups",
)  # fmt: skip


@dataclass(frozen=True)
class YearWindow:
    """A school year as the figures read it: its semesters' periods (rules.period_for, in
    order), the days whose contacts count for it (from the first semester's window to the last
    one's: rules.semester_windows) and the school's counting choice (CountingSetting)."""

    year_id: int
    periods: tuple[rules.Period, ...]
    since: date
    until: date
    reviewed_only: bool
    late_entry_days: int


@dataclass
class TeacherYear:
    """One teacher's figures for a school year at a school.

    `contacts` maps each ContactForm to the contacts the teacher was present at that count for
    the school (rules.counts: the school's CountingSetting); `semesters` gives, per semester of
    the year in order, the quota share (families met of those the teacher owes contacts,
    rules.teacher_coverage) or None for a semester not begun; `quota` is their sum. `entries`
    are the records the teacher entered (not withdrawn), `late_entries` those entered more than
    the school's late_entry_days after the contact, `returned` the records the teacher entered
    that a reviewer returned (returned now or once before). `rating_sum` / `ratings`: the
    guardians' evaluations of contacts the teacher was at (1–5 stars). `reviews`: academic
    reviews written for the year's semesters. Follow-ups: those the teacher planned by a record
    of the year (not withdrawn), met by a later record, and past due unmet."""

    teacher_id: int
    name: str = ""
    name_key: str = ""
    on_staff: bool = True  # holds the teacher role at the school now
    contacts: dict = field(default_factory=dict)
    semesters: tuple = ()
    quota: rules.Share = field(default_factory=lambda: rules.Share(0, 0))
    entries: int = 0
    late_entries: int = 0
    returned: int = 0
    rating_sum: int = 0
    ratings: int = 0
    reviews: int = 0
    follow_ups: int = 0
    follow_ups_met: int = 0
    follow_ups_overdue: int = 0

    @property
    def total_contacts(self) -> int:
        return sum(self.contacts.values())

    @property
    def home_visits(self) -> int:
        return self.contacts.get(ContactForm.HOME_VISIT, 0)

    @property
    def rating(self) -> float | None:
        """The mean rating (1–5), None without an evaluation."""
        return self.rating_sum / self.ratings if self.ratings else None

    @property
    def follow_up_ratio(self) -> float | None:
        return self.follow_ups_met / self.follow_ups if self.follow_ups else None


# ---- the school's years ----------------------------------------------------------------------------


def school_years(school_id: int) -> list[SchoolYear]:
    """School `school_id`'s years, latest first, with their semesters."""
    return school_services.school_years(school_id)


def current_year(school_id: int, years: list[SchoolYear], today: date) -> SchoolYear | None:
    """Of `years` (school_years), the current one: the year of the current semester (the one
    rules.period_for picks: today's contacts count for it), else the latest begun, else the
    earliest; None without years."""
    if not years:
        return None
    semester_id = rules.current_semester_ids([school_id], today).get(school_id)
    for year in years:
        if any(s.id == semester_id for s in year.semesters):
            return year
    begun = [y for y in years if y.starts_on <= today]
    return begun[0] if begun else years[-1]


def year_window(school_id: int, year: SchoolYear, today: date) -> YearWindow | None:
    """The year's periods and the days its contacts count for; None for a year without
    semesters. Raises nothing."""
    periods = tuple(
        p
        for s in sorted(year.semesters, key=lambda s: s.starts_on)
        if (p := rules.period_for(school_id, today, s.id)) is not None
    )
    if not periods:
        return None
    return YearWindow(
        year_id=year.id,
        periods=periods,
        since=min(p.counts_from for p in periods),
        until=max(p.counts_until for p in periods),
        reviewed_only=periods[0].reviewed_only,
        late_entry_days=periods[0].late_entry_days,
    )


# ---- the figures -----------------------------------------------------------------------------------


def teacher_year(school_id: int, window: YearWindow, today: date) -> list[TeacherYear]:
    """One row per teacher of school `school_id` (those holding the teacher role there now, and
    anyone with a figure there in the year), in Chinese name order (User.name_key, then id).

    The contact figures are computed by `contact_figures` and kept under the school's generation
    and `today` (core.generations.kept); the reviews and the names are read each time (two
    queries). Source: seed 004 §22, seed 001 5.5; the rules are the quota engine's
    (contacts/rules.py) and the school's CountingSetting."""
    figures = generations.kept(
        ("teacher_year", window.year_id, today),
        school_id,
        lambda: contact_figures(school_id, window, today),
    )
    semester_ids = [p.semester_id for p in window.periods]
    reviews = dict(
        db.session.execute(
            select(AcademicReview.teacher_id, func.count(AcademicReview.id))
            .where(
                AcademicReview.school_id == school_id,
                AcademicReview.semester_id.in_(semester_ids),
            )
            .group_by(AcademicReview.teacher_id)
        ).all()
    )
    ids = set(figures) | set(reviews)
    on_staff = select(UserRole.user_id).where(
        UserRole.school_id == school_id, UserRole.role == Role.TEACHER
    )
    people = db.session.execute(
        select(User.id, User.name, User.name_key, User.id.in_(on_staff).label("on_staff"))
        .where(or_(User.id.in_(on_staff), User.id.in_(sorted(ids))))
        .order_by(User.name_key, User.id)
    ).all()
    empty = TeacherYear(0, semesters=tuple(None for _p in window.periods))
    return [
        replace(
            figures.get(p.id, empty),
            teacher_id=p.id,
            name=p.name,
            name_key=p.name_key,
            on_staff=bool(p.on_staff),
            reviews=reviews.get(p.id, 0),
        )
        for p in people
    ]


def contact_figures(school_id: int, window: YearWindow, today: date) -> dict[int, TeacherYear]:
    """{teacher id: TeacherYear without names and reviews} for the school's contacts dated in
    the year's window: four grouped queries, and the quota engine's teacher coverage for each
    semester begun by `today` (rules.teacher_coverage: two queries each)."""
    rows: dict[int, TeacherYear] = {}
    n = len(window.periods)

    def row(teacher_id: int) -> TeacherYear:
        if teacher_id not in rows:
            rows[teacher_id] = TeacherYear(teacher_id, semesters=(None,) * n)
        return rows[teacher_id]

    in_year = and_(
        Contact.school_id == school_id,
        Contact.contact_on >= window.since,
        Contact.contact_on <= window.until,
    )
    # Contacts the teacher was at, by form, as the school counts them.
    for teacher_id, form, count in db.session.execute(
        select(ContactTeacher.teacher_id, Contact.form, func.count(Contact.id))
        .join(Contact, Contact.id == ContactTeacher.contact_id)
        .where(in_year, rules.counts(window.periods[0]))
        .group_by(ContactTeacher.teacher_id, Contact.form)
    ):
        row(teacher_id).contacts[form] = count
    # Records the teacher entered: how many, how many late, how many returned by a reviewer.
    live = Contact.status != ContactStatus.WITHDRAWN
    late = and_(live, Contact.entered_days_late > window.late_entry_days)
    was_returned = or_(
        Contact.status == ContactStatus.RETURNED,
        exists().where(
            ContactRevision.contact_id == Contact.id, ContactRevision.action == "return"
        ),
    )
    for r in db.session.execute(
        select(
            Contact.recorded_by_id,
            func.sum(case((live, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
            func.sum(case((was_returned, 1), else_=0)),
        )
        .where(in_year)
        .group_by(Contact.recorded_by_id)
    ):
        target = row(r[0])
        target.entries, target.late_entries, target.returned = (int(v or 0) for v in r[1:])
    # Guardians' ratings of the contacts the teacher was at (withdrawn records left out).
    for teacher_id, count, total in db.session.execute(
        select(
            ContactTeacher.teacher_id,
            func.count(ContactEvaluation.id),
            func.sum(ContactEvaluation.rating),
        )
        .join(Contact, Contact.id == ContactTeacher.contact_id)
        .join(ContactEvaluation, ContactEvaluation.contact_id == Contact.id)
        .where(in_year, live)
        .group_by(ContactTeacher.teacher_id)
    ):
        target = row(teacher_id)
        target.ratings, target.rating_sum = int(count or 0), int(total or 0)
    # Follow-ups the teacher planned by a record of the year (contacts/follow_ups.py).
    for r in db.session.execute(
        select(
            FollowUp.teacher_id,
            func.count(FollowUp.id),
            func.sum(case((FollowUp.met_by_id.is_not(None), 1), else_=0)),
            func.sum(
                case((and_(FollowUp.met_by_id.is_(None), FollowUp.due_on < today), 1), else_=0)
            ),
        )  # fmt: skip
        .join(Contact, Contact.id == FollowUp.contact_id)
        .where(FollowUp.school_id == school_id, in_year, live)
        .group_by(FollowUp.teacher_id)
    ):
        target = row(r[0])
        target.follow_ups, target.follow_ups_met, target.follow_ups_overdue = (
            int(v or 0) for v in r[1:]
        )
    # The per-semester contact quota (seed 004 §2), by the quota engine, for each semester begun.
    for i, period in enumerate(window.periods):
        if period.starts_on > today:
            continue
        for teacher_id, coverage in rules.teacher_coverage(period).items():
            share = coverage.shares["teacher"]
            target = row(teacher_id)
            semesters = list(target.semesters)
            semesters[i] = share
            target.semesters = tuple(semesters)
            target.quota = target.quota + share
    return rows


# ---- the list as the page shows it -----------------------------------------------------------------


def _sort_value(row: TeacherYear, sort: str):
    return {
        "contacts": row.total_contacts,
        "home_visits": row.home_visits,
        "completion": row.quota.ratio,
        "late": row.late_entries,
        "returned": row.returned,
        "rating": row.rating,
        "reviews": row.reviews,
        "follow_ups": row.follow_up_ratio,
    }[sort]


def ordered(rows: list[TeacherYear], sort: str, descending: bool) -> list[TeacherYear]:
    """`rows` (in name order) sorted by the column `sort` (one of SORTS; "name" keeps the
    Chinese name order), largest first when `descending`; rows with no value (no quota, no
    rating) last either way, equal values in name order. A new list: kept rows are never
    changed."""
    if sort == "name":
        return list(reversed(rows)) if descending else list(rows)
    with_value = [r for r in rows if _sort_value(r, sort) is not None]
    without = [r for r in rows if _sort_value(r, sort) is None]
    # Stable sorts: name order stays within equal values.
    # (reverse=True keeps equal items in their order too)
    with_value.sort(key=lambda r: _sort_value(r, sort), reverse=descending)
    return with_value + without


def matching(rows: list[TeacherYear], search: str) -> list[TeacherYear]:
    """The rows whose teacher's name holds `search` (already in normal form: core.text
    .normalise_search), case-insensitively; all rows for an empty search."""
    if not search:
        return rows
    needle = search.casefold()
    return [r for r in rows if needle in r.name.casefold()]


# ---- the export ------------------------------------------------------------------------------------


def _percent(share: rules.Share | None):
    """A share as a number of percent with one decimal (an Excel cell sums it), or None."""
    if share is None or share.ratio is None:
        return None
    return round(100 * share.ratio, 1)


def export(actor: User, school, year: SchoolYear, rows: list[TeacherYear]) -> bytes:
    """The .xlsx of the rows (one per teacher, in the order given): a title row, then one
    column per figure, each semester's quota share beside the year's. Text cells through
    core.xlsx.write_sheet (no cell runs as a formula). Writes one audit entry
    (`reports.teacher_year.export`: the school year, the number of rows, the columns; never the
    figures). The caller checks the permission and commits. Source: seed 004 §22."""
    semesters = sorted(year.semesters, key=lambda s: s.starts_on)
    headers = [_("教师"), _("联系合计")]
    headers += [form.label for form in FORMS]
    headers += [_("应联系家庭（学期合计）"), _("已达标"), _("完成率（%）")]
    headers += [_("%(s)s完成率（%%）", s=_("第一学期") if s.number == 1 else _("第二学期"))
                for s in semesters]  # fmt: skip
    headers += [
        _("录入记录"), _("补录"), _("被退回"), _("家长评价条数"), _("家长评价平均分"),
        _("学业述评"), _("计划回访"), _("已回访"), _("逾期回访"),
    ]  # fmt: skip
    data = []
    for r in rows:
        line = [r.name, r.total_contacts]
        line += [r.contacts.get(form, 0) for form in FORMS]
        line += [r.quota.total, r.quota.met, _percent(r.quota)]
        line += [_percent(r.semesters[i]) if i < len(r.semesters) else None
                 for i in range(len(semesters))]  # fmt: skip
        line += [
            r.entries, r.late_entries, r.returned, r.ratings,
            None if r.rating is None else round(r.rating, 2),
            r.reviews, r.follow_ups, r.follow_ups_met, r.follow_ups_overdue,
        ]  # fmt: skip
        data.append(line)
    wb = new_workbook()
    ws = wb.active
    ws.title = _("教师学年统计")[:31]
    ws.cell(row=1, column=1, value=f"{school.name} {year.name}")
    count = write_sheet(ws, headers, data, first_row=2)
    audit.record(
        actor,
        "reports.teacher_year.export",
        school,
        school_id=school.id,
        school_year_id=year.id,
        rows=count,
        fields=["teacher", "contacts_by_form", "quota", "late_entries", "returned", "ratings",
                "reviews", "follow_ups"],
    )  # fmt: skip
    return to_bytes(wb)
