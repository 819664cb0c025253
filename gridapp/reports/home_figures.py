"""What each role's home page shows of its work (issue 18 item 7), each part in a fixed number
of grouped queries whatever the number of schools: a principal's cases, reception bookings, low
ratings, unpaired students in need and key figures; the district's schools below target and
overdue cases; a school admin's import and account tasks. Only kept figures are read (coverage
from `reports.snapshots`): the home page is loaded at every login and never runs the quota
engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from gridapp.cases import services as case_services
from gridapp.cases.models import Case, CaseStatus
from gridapp.contacts import rules
from gridapp.contacts import services as contact_services
from gridapp.core.outbox import OutboxMessage, OutboxStatus
from gridapp.core.time import now
from gridapp.extensions import db
from gridapp.people.activation import ActivationCode
from gridapp.reception import services as reception_services
from gridapp.reports import figures, pairing_figures, snapshots
from gridapp.roster import staff
from gridapp.roster.models import ImportJob

CASES_SHOWN = 5  # cases listed per kind on a leader's home; the desk has the rest
BELOW_TARGET_SHOWN = 10  # schools listed below target on the district's home


# ---- honest shares --------------------------------------------------------------------------------


@dataclass
class Part:
    """`part` of `whole` counted things, shown with the count it is based on ("12 / 45")."""

    part: int
    whole: int

    @property
    def percent(self) -> str:
        """The share as a whole percentage rounded down, so that only all of them is 100 %
        ("—" when there is nothing to count)."""
        return "—" if not self.whole else f"{100 * self.part // self.whole}%"

    @property
    def based_on(self) -> str:
        return f"{self.part} / {self.whole}"


def on_time(stats: figures.ReplyStats | None, overdue_open: int) -> Part:
    """The honest on-time rate of a school's cases (issue 18 item 2): the answers given by
    their deadline over the answers given plus the open cases already past their deadline
    (late whatever happens now). `stats` from `figures.reply_stats`, `overdue_open` from
    `cases.services.desk_counts_by_school` ("overdue")."""
    stats = stats or figures.ReplyStats()
    return Part(stats.on_time, stats.replied + overdue_open)


# ---- a principal's school -------------------------------------------------------------------------


@dataclass
class LeaderWork:
    """A principal's schools' work on `day`. `cases`: {school id: desk figures}; `new_cases`
    and `overdue_cases`: the first CASES_SHOWN of each; `on_time`: {school id: Part};
    `bookings_count` ({school id: n}) and `bookings` (the first 20): today's and tomorrow's
    bookings; `low_ratings`: {school id:
    count}; `need`: {school id: PairingFigures}; `summary`: `figures.school_summary` rows;
    `coverage`: {school id: snapshots.SchoolFigures} (kept only)."""

    day: date
    cases: dict[int, dict] = field(default_factory=dict)
    new_cases: list[Case] = field(default_factory=list)
    overdue_cases: list[Case] = field(default_factory=list)
    on_time: dict[int, Part] = field(default_factory=dict)
    bookings_count: dict[int, int] = field(default_factory=dict)
    bookings: list = field(default_factory=list)
    low_ratings: dict[int, int] = field(default_factory=dict)
    need: dict = field(default_factory=dict)
    summary: list[dict] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)

    @property
    def tomorrow(self) -> date:
        return self.day + timedelta(days=1)


def leader_work(school_ids, day: date) -> LeaderWork:
    """What waits for the leaders of `school_ids` on `day` (Asia/Shanghai): new and overdue
    cases (the desk's definitions: `cases.services._filtered`), the on-time rate, the reception
    bookings of today and tomorrow, low parent ratings (`ContactEvaluation.low`), the
    students in need not paired (seed 004 §11) and the schools' key figures with their kept
    coverage. About 16 queries whatever the number of schools."""
    ids = sorted(school_ids)
    out = LeaderWork(day=day)
    if not ids:
        return out
    out.cases = case_services.desk_counts_by_school(ids, day)
    out.new_cases = case_services.desk_preview(ids, {"status": CaseStatus.COLLECTED.value})
    out.overdue_cases = case_services.desk_preview(ids, {"view": "overdue"})
    timing = figures.reply_stats(Case.school_id, Case.school_id.in_(ids))
    out.on_time = {
        sid: on_time(timing.get(sid), out.cases.get(sid, {}).get("overdue", 0)) for sid in ids
    }
    out.bookings_count, out.bookings = reception_services.school_bookings(
        ids, day, day + timedelta(days=1)
    )
    out.low_ratings = contact_services.flagged_counts(ids)
    out.need = pairing_figures.need_counts(ids)
    out.summary = figures.school_summary(ids)
    out.coverage = snapshots.kept_totals(ids, day)
    return out


# ---- the district ---------------------------------------------------------------------------------


@dataclass
class BelowTarget:
    """A school below target: `figures` its kept coverage, `gaps` the semester rules whose
    share is not whole ((column, Share), weakest first)."""

    school_id: int
    figures: snapshots.SchoolFigures
    gaps: list[tuple[str, rules.Share]]


def below_target(kept: dict[int, snapshots.SchoolFigures]) -> list[BelowTarget]:
    """The schools whose kept coverage falls short of the quota in one of the rules the ranking
    scores this semester (`rules.SEMESTER_COLUMNS`): the quota's target is every family or
    student a rule applies to reached (seed 004 §2–3: 全体教师家访全体学生; seed 000: 全覆盖).
    Weakest score first, then by school id."""
    out = []
    for school_id, f in kept.items():
        gaps = [
            (column, share)
            for column in rules.SEMESTER_COLUMNS
            if (share := f.row.shares.get(column)) is not None and share.met < share.total
        ]
        if gaps:
            gaps.sort(key=lambda g: g[1].met / g[1].total)
            out.append(BelowTarget(school_id, f, gaps))
    out.sort(key=lambda b: (b.figures.row.score or 0, b.school_id))
    return out


@dataclass
class DistrictWork:
    """The district's home on `day`: `schools` {id: School}; `below` the schools below target
    (`below_target`); `pending` the schools with a semester whose figures are being computed;
    `computed_at` the oldest inexact figures' time (None when all are exact); `overdue`
    [(school id, overdue cases)] most first; `overdue_total`."""

    day: date
    schools: dict = field(default_factory=dict)
    below: list[BelowTarget] = field(default_factory=list)
    measured: int = 0
    pending: list[int] = field(default_factory=list)
    computed_at: object = None
    overdue: list[tuple[int, int]] = field(default_factory=list)
    overdue_total: int = 0


def district_work(school_ids, day: date) -> DistrictWork:
    """The district's schools below target from the kept coverage (never computed here) and
    its open cases past their deadline per school: a fixed number of queries (about 7) whatever
    the number of schools."""
    ids = sorted(school_ids)
    out = DistrictWork(day=day)
    if not ids:
        return out
    out.schools = {s.id: s for s in figures.schools_by_ids(ids)}
    kept = snapshots.kept_totals(ids, day)
    out.measured = len(kept)
    out.below = below_target(kept)
    with_semester = rules.current_semester_ids(ids, day)
    out.pending = [sid for sid in ids if sid not in kept and sid in with_semester]
    out.computed_at = min((f.computed_at for f in kept.values() if not f.exact), default=None)
    counts = case_services.desk_counts_by_school(ids, day)
    out.overdue = sorted(
        ((sid, c["overdue"]) for sid, c in counts.items() if c["overdue"]),
        key=lambda item: (-item[1], item[0]),
    )
    out.overdue_total = sum(n for _sid, n in out.overdue)
    return out


# ---- a school admin's tasks -----------------------------------------------------------------------


@dataclass
class AdminWork:
    """A school admin's tasks: `jobs` {school id: the school's last background roster import},
    `staff` {school id: (staff without a password, of them with an open link)}, `parents`
    {school id: (parents' activation codes not used, of them expired)}, `failed_messages`
    {school id: messages by SMS or email that failed}, `summary` `figures.school_summary`."""

    jobs: dict[int, ImportJob] = field(default_factory=dict)
    staff: dict[int, tuple[int, int]] = field(default_factory=dict)
    parents: dict[int, tuple[int, int]] = field(default_factory=dict)
    failed_messages: dict[int, int] = field(default_factory=dict)
    summary: list[dict] = field(default_factory=list)


def admin_work(school_ids) -> AdminWork:
    """The import and account tasks of the admins of `school_ids`: the last background roster
    import, staff accounts without a password, parents' activation codes not used
    (`people.activation.ActivationCode`: one row per guardian, open until used or expired),
    failed messages, and the schools' counts. Eight queries whatever their number."""
    ids = sorted(school_ids)
    out = AdminWork()
    if not ids:
        return out
    last = (
        select(func.max(ImportJob.id))
        .where(ImportJob.school_id.in_(ids))
        .group_by(ImportJob.school_id)
    )
    out.jobs = {
        j.school_id: j for j in db.session.scalars(select(ImportJob).where(ImportJob.id.in_(last)))
    }
    out.staff = staff.without_password_counts(ids, now())
    stamp = now()
    out.parents = {
        r[0]: (int(r[1]), int(r[2] or 0))
        for r in db.session.execute(
            select(
                ActivationCode.school_id,
                func.count(ActivationCode.id),
                func.sum(sql_case((ActivationCode.expires_at <= stamp, 1), else_=0)),
            )
            .where(ActivationCode.school_id.in_(ids), ActivationCode.used_at.is_(None))
            .group_by(ActivationCode.school_id)
        )
    }
    out.summary = figures.school_summary(ids)
    out.failed_messages = dict(
        db.session.execute(
            select(OutboxMessage.school_id, func.count(OutboxMessage.id))
            .where(OutboxMessage.school_id.in_(ids), OutboxMessage.status == OutboxStatus.FAILED)
            .group_by(OutboxMessage.school_id)
        ).all()
    )
    return out
