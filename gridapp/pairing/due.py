"""What each pairing owes, and when (issue 16 item 5): a support log entry every
`log_every_days` (default a month), a door visit each semester for a focus student, the plan
within `plan_within_days` of the pairing's start and its review on the plan's date.

Follow-up visits (回访) are contacts (seed 003 (3) 回访; seed 001 跟踪回访): a contact the paired
teacher took part in with the student's family during the pairing, not withdrawn, counts as an
entry of the support log, and as the door visit when it is one. One definition for every page
and figure: `due_for` here, `follow_up_query` for the rows behind it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.sql import Select

from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactTeacher,
)
from gridapp.contacts.rules import period_for
from gridapp.extensions import db
from gridapp.pairing.models import (
    Pairing,
    PairingSettings,
    SupportLogEntry,
    SupportPlanVersion,
)
from gridapp.people.models import Student, StudentFocus


def follow_up_query(pairing_ids) -> Select:
    """Rows (pairing_id, Contact) of the follow-up contacts of the pairings: the paired teacher
    was present, the student's family was present, the date lies inside the pairing, and the
    record counts: neither withdrawn nor returned by the reviewer (a returned record stops
    counting until it is corrected and sent again: seed 002 §6, issue 21). Newest first."""
    family_present = or_(
        Contact.family_id == Student.family_id,
        exists().where(
            ContactFamily.contact_id == Contact.id, ContactFamily.family_id == Student.family_id
        ),
    )
    return (
        select(Pairing.id, Contact)
        .join(Student, Student.id == Pairing.student_id)
        .join(ContactTeacher, ContactTeacher.teacher_id == Pairing.teacher_id)
        .join(Contact, Contact.id == ContactTeacher.contact_id)
        .where(
            Pairing.id.in_(sorted(pairing_ids)),
            Contact.status.not_in([ContactStatus.WITHDRAWN, ContactStatus.RETURNED]),
            Contact.contact_on >= Pairing.starts_on,
            or_(Pairing.ends_on.is_(None), Contact.contact_on <= Pairing.ends_on),
            family_present,
        )
        .order_by(Contact.contact_on.desc(), Contact.id.desc())
    )


@dataclass(frozen=True)
class Due:
    """What one pairing owes on `today`. Dates are days in Asia/Shanghai; a `*_due_on` of None
    means nothing of that kind is owed. `*_overdue` when its date has passed."""

    pairing_id: int
    last_support_on: date | None  # the latest log entry or follow-up contact
    log_due_on: date | None
    plan_version: int | None  # the latest plan version, None before the first
    plan_due_on: date | None  # the first plan's deadline, or the latest version's review date
    visit_due_on: date | None  # a focus student's door visit this semester, until its end
    today: date

    @property
    def log_overdue(self) -> bool:
        return self.log_due_on is not None and self.log_due_on < self.today

    @property
    def plan_overdue(self) -> bool:
        return self.plan_due_on is not None and self.plan_due_on < self.today

    @property
    def visit_overdue(self) -> bool:
        return self.visit_due_on is not None and self.visit_due_on < self.today

    @property
    def overdue_count(self) -> int:
        return int(self.log_overdue) + int(self.plan_overdue) + int(self.visit_overdue)

    @property
    def next_due_on(self) -> date | None:
        dates = [d for d in (self.log_due_on, self.plan_due_on, self.visit_due_on) if d]
        return min(dates) if dates else None


def _settings_of(school_ids) -> dict[int, PairingSettings]:
    """Each school's pairing settings in one query (the defaults of `services.settings` for a
    school that kept none)."""
    kept = {
        row.school_id: row
        for row in db.session.scalars(
            select(PairingSettings).where(PairingSettings.school_id.in_(sorted(school_ids)))
        )
    }
    columns = PairingSettings.__table__.c
    defaults = {
        name: columns[name].default.arg
        for name in ("max_students", "log_every_days", "plan_within_days")
    }
    return {sid: kept.get(sid) or PairingSettings(school_id=sid, **defaults) for sid in school_ids}


def plan_due(pairings, rules_of: dict[int, PairingSettings] | None = None):
    """{pairing_id: (latest plan version or None, the day the plan is due)} for active pairings
    (objects with `id`, `school_id`, `starts_on`): before the first version, `plan_within_days`
    of the school after the start; then the latest version's review date. Two queries whatever
    the number of pairings and schools (one with `rules_of` given). The plan is overdue when
    that day is before today (`Due.plan_overdue`; the coverage figures count them)."""
    pairings = list(pairings)
    if not pairings:
        return {}
    if rules_of is None:
        rules_of = _settings_of({p.school_id for p in pairings})
    latest: dict[int, tuple[int, date]] = {}
    for pid, version, review_on in db.session.execute(
        select(SupportPlanVersion.pairing_id, SupportPlanVersion.version, SupportPlanVersion.review_on)
        .where(SupportPlanVersion.pairing_id.in_(sorted(p.id for p in pairings)))
    ):  # fmt: skip
        if pid not in latest or version > latest[pid][0]:
            latest[pid] = (version, review_on)
    out = {}
    for p in pairings:
        if p.id in latest:
            out[p.id] = latest[p.id]
        else:
            within = rules_of[p.school_id].plan_within_days
            out[p.id] = (None, p.starts_on + timedelta(days=within))
    return out


def due_for(pairings: list[Pairing], today: date) -> dict[int, Due]:
    """{pairing_id: Due} for active pairings (an ended pairing owes nothing: it is left out).
    A fixed number of queries whatever the number of pairings (5, plus a few per school for its
    semester, `contacts.rules.period_for`)."""
    active = [p for p in pairings if p.ends_on is None]
    if not active:
        return {}
    ids = [p.id for p in active]
    rules_of = _settings_of({p.school_id for p in active})
    plans = plan_due(active, rules_of)
    last_entry = dict(
        db.session.execute(
            select(SupportLogEntry.pairing_id, func.max(SupportLogEntry.happened_on))
            .where(SupportLogEntry.pairing_id.in_(ids))
            .group_by(SupportLogEntry.pairing_id)
        ).all()
    )
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for pid, contact in db.session.execute(follow_up_query(ids)):
        contacts[pid].append(contact)
    focus = set(
        db.session.scalars(
            select(StudentFocus.student_id).where(
                StudentFocus.student_id.in_({p.student_id for p in active}),
                StudentFocus.ended_on.is_(None),
            )
        )
    )
    periods = {school_id: period_for(school_id, today) for school_id in rules_of}
    out = {}
    for p in active:
        rules, period = rules_of[p.school_id], periods[p.school_id]
        dates = [d for d in (last_entry.get(p.id),) if d] + [c.contact_on for c in contacts[p.id]]
        last = max(dates) if dates else None
        log_due = (last or p.starts_on) + timedelta(days=rules.log_every_days)
        version, plan_due_on = plans[p.id]
        visit_due = None
        if p.student_id in focus and period is not None:
            # The semester's window as the quota engine counts it (contacts.rules.semester_windows:
            # the holiday before it counts for it by default).
            visited = any(
                c.form is ContactForm.HOME_VISIT
                and period.counts_from <= c.contact_on <= period.counts_until
                for c in contacts[p.id]
            )
            if not visited:
                visit_due = period.ends_on
        out[p.id] = Due(p.id, last, log_due, version, plan_due_on, visit_due, today)
    return out
