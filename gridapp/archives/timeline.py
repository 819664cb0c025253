"""The student archive (一生一档): everything the school knows and did for one student, gathered
from every part of GridApp into one timeline.

Each part adds its entries in one place, the SOURCES table below: a kind, its label, and a
function reading that part's records of the student (one query each, whatever their number).
The archive page and the PDF dossier both read the timeline from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import has_request_context, url_for
from sqlalchemy import select

from gridapp.core.i18n import lazy_gettext as _l
from gridapp.extensions import db
from gridapp.people.models import Student


@dataclass
class Entry:
    on: date
    kind: str
    title: str
    text: str = ""
    url: str | None = None
    hidden: bool = False  # sensitive: shown masked to those not entitled
    # The contact whose private notes on the family the entry shows (audited when shown).
    notes: int | None = None
    # What else the entry shows of the family that is audited when shown (issue 20 item 3):
    # "grid_log" (a grid family log's text), "focus" (a sensitive focus category unmasked).
    shows: str | None = None


@dataclass
class Viewer:
    """What the person looking may see of this student."""

    user: object
    sensitive: bool  # head teacher, principal, school admin
    # The teachers' notes on the family (contact records) may be shown at all; each contact's
    # are shown only to those contacts.permissions.notes_visible_ids names (seed 002 §7).
    notes: bool


def _contacts(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.contacts.models import Contact, ContactFamily, ContactStatus
    from gridapp.contacts.permissions import notes_visible_ids

    # Every contact the family was at, a group visit's included.
    rows = db.session.scalars(
        select(Contact)
        .join(ContactFamily, ContactFamily.contact_id == Contact.id)
        .where(
            ContactFamily.family_id == student.family_id,
            Contact.status != ContactStatus.WITHDRAWN,
        )
        .order_by(Contact.contact_on.desc(), Contact.id.desc())
    ).all()
    private = notes_visible_ids(viewer.user, rows) if viewer.notes else set()
    out = []
    for c in rows:
        # What happened (the form, the day) for every teacher; the family situation only for
        # those who read the record's private notes, and then the view is audited.
        notes = c.id if c.id in private and c.family_situation else None
        fields = (
            (c.family_situation, c.said_about_school, c.guidance_given, c.follow_up)
            if notes is not None
            else (c.said_about_school, c.guidance_given, c.follow_up)
        )
        text = "\n".join(v for v in fields if v)
        out.append(
            Entry(c.contact_on, "contact", c.form.label, text, f"/contacts/{c.id}", notes=notes)
        )
    return out


def _grid_logs(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.grids.models import GridLog

    rows = db.session.scalars(
        select(GridLog)
        .where(GridLog.family_id == student.family_id)
        .order_by(GridLog.happened_on.desc(), GridLog.id.desc())
    ).all()
    out = []
    for e in rows:
        hidden = (
            e.focus_category is not None and e.focus_category.sensitive and not viewer.sensitive
        )
        title = e.kind.label
        if e.focus_category is not None and e.student_id == student.id:
            title += " · " + (
                str(_l("敏感类别"))
                if e.focus_category.sensitive and not viewer.sensitive
                else e.focus_category.label
            )
        text = "" if hidden else e.text
        sensitive = e.focus_category is not None and e.focus_category.sensitive and not hidden
        shows = "focus" if sensitive else ("grid_log" if text else None)
        out.append(Entry(e.happened_on, "grid_log", title, text, hidden=hidden, shows=shows))
    return out


def _focus_marks(student: Student, viewer: Viewer) -> list[Entry]:
    """Focus categories marked and ended from the student page (issue 21 item 5: those with a
    reason; a grid log's mark is its log entry, `_grid_logs`). A sensitive category is masked
    for those not entitled, and the reasons are shown only to those entitled."""
    from gridapp.people.models import StudentFocus

    rows = db.session.scalars(
        select(StudentFocus)
        .where(
            StudentFocus.student_id == student.id,
            (StudentFocus.reason.is_not(None)) | (StudentFocus.end_reason.is_not(None)),
        )
        .order_by(StudentFocus.since_on.desc(), StudentFocus.id.desc())
    ).all()
    out = []
    for f in rows:
        hidden = f.category.sensitive and not viewer.sensitive
        label = str(_l("敏感类别")) if hidden else f.category.label
        # A sensitive category unmasked, or a reason (the family's circumstances) shown.
        shows = "focus" if (f.category.sensitive and not hidden) or viewer.sensitive else None
        if f.reason is not None:
            title = str(_l("标记重点对象")) + " · " + label
            text = f.reason if viewer.sensitive else ""
            out.append(Entry(f.since_on, "focus", title, text, hidden=hidden, shows=shows))
        if f.ended_on is not None and f.end_reason is not None:
            title = str(_l("解除重点对象")) + " · " + label
            text = f.end_reason if viewer.sensitive else ""
            out.append(Entry(f.ended_on, "focus", title, text, hidden=hidden, shows=shows))
    return out


def _cases(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.cases.models import Case

    rows = db.session.scalars(
        select(Case)
        .where(Case.family_id == student.family_id)
        .order_by(Case.received_at.desc(), Case.id.desc())
    ).all()
    from gridapp.contacts.models import Contact
    from gridapp.contacts.permissions import notes_visible_ids
    from gridapp.core.time import local

    # A parent's opinion heard at a contact is one of its private notes (seed 002 §7): its words
    # are shown to those who read the contact's notes, and then the view is audited.
    heard = [c.contact_id for c in rows if c.contact_id is not None]
    private = set()
    if heard and viewer.notes:
        contacts = db.session.scalars(select(Contact).where(Contact.id.in_(heard))).all()
        private = notes_visible_ids(viewer.user, contacts)
    return [
        Entry(
            local(c.received_at).date(),
            "case",
            f"{c.source.label} · {c.category.label}",
            c.words if c.contact_id is None or c.contact_id in private else "",
            f"/cases/{c.id}",
            notes=c.contact_id if c.contact_id in private else None,
        )  # fmt: skip
        for c in rows
    ]


def _reception(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.reception.models import Booking, BookingStatus, ReceptionDay

    rows = db.session.execute(
        select(Booking, ReceptionDay.on)
        .join(ReceptionDay, ReceptionDay.id == Booking.day_id)
        .where(
            (Booking.student_id == student.id) | (Booking.family_id == student.family_id),
            Booking.status.in_([BookingStatus.ATTENDED, BookingStatus.BOOKED]),
        )
        .order_by(ReceptionDay.on.desc())
    ).all()
    return [Entry(on, "reception", f"{b.status.label} · {b.topic}", b.outcome) for b, on in rows]


def _activities(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.grids.models import GuidanceActivity, GuidanceAttendance

    rows = db.session.scalars(
        select(GuidanceActivity)
        .join(GuidanceAttendance, GuidanceAttendance.activity_id == GuidanceActivity.id)
        .where(GuidanceAttendance.family_id == student.family_id)
        .order_by(GuidanceActivity.held_on.desc())
    ).all()
    return [Entry(a.held_on, "activity", a.topic, f"{a.place} · {a.speaker}") for a in rows]


def _reviews(student: Student, viewer: Viewer) -> list[Entry]:
    from gridapp.reviews.models import AcademicReview

    rows = db.session.scalars(
        select(AcademicReview)
        .where(AcademicReview.student_id == student.id)
        .order_by(AcademicReview.semester_id.desc(), AcademicReview.id)
    ).all()
    return [
        Entry(
            r.semester.ends_on,
            "review",
            f"{r.semester.name} · {r.teacher.name} {r.subject}",
            r.text,
        )  # fmt: skip
        for r in rows
    ]


def _enrolment(student: Student, viewer: Viewer) -> list[Entry]:
    """The student's classes over time and status changes (issue 15 item 6): each move to
    another class, each departure or return; undone changes are left out."""
    from gridapp.core.i18n import gettext
    from gridapp.people.models import ClassPlacement, StudentStatusChange
    from gridapp.schools.models import SchoolClass

    rows = db.session.execute(
        select(ClassPlacement.from_on, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == ClassPlacement.class_id)
        .where(ClassPlacement.student_id == student.id)
        .order_by(ClassPlacement.from_on, ClassPlacement.id)
    ).all()
    out = []
    for (on, name), (_on, before) in zip(rows[1:], rows, strict=False):
        if name != before:
            out.append(Entry(on, "enrolment", gettext("调班：%(a)s → %(b)s", a=before, b=name)))
    changes = db.session.scalars(
        select(StudentStatusChange)
        .where(
            StudentStatusChange.student_id == student.id,
            StudentStatusChange.undone_at.is_(None),
        )
        .order_by(StudentStatusChange.on)
    ).all()
    for c in changes:
        out.append(
            Entry(c.on, "enrolment", f"{c.from_status.label} → {c.to_status.label}", c.reason)
        )
    return out


def visible_pairings(student: Student, user) -> list:
    """The student's pairings (ended ones included, newest first, with their teachers) that
    `user` may see by the pairing's policy (pairing/permissions.py, Need.VIEW: the paired
    teacher, the head teacher of the student's class, the school's leaders; never a subject
    teacher, a parent or the district). The plan and the log are sensitive family data."""
    from sqlalchemy.orm import joinedload

    from gridapp.core.permissions import Need, can
    from gridapp.pairing.models import Pairing

    rows = db.session.scalars(
        select(Pairing)
        .where(Pairing.student_id == student.id)
        .options(joinedload(Pairing.teacher))
        .order_by(Pairing.starts_on.desc(), Pairing.id.desc())
    ).all()
    return [p for p in rows if can(user, Need.VIEW, p)]


def _pairing_url(pairing_id: int) -> str:
    """The pairing's page; a dossier job renders outside a request, where the path is enough."""
    if has_request_context():
        return url_for("pairing.pairing_page", pairing_id=pairing_id)
    return f"/pairings/{pairing_id}"


def _pairing(student: Student, viewer: Viewer) -> list[Entry]:
    """1+N pairing (issue 16 item 7): each pairing's start and end with its teacher, the plan
    versions written, the support log's entries; only for those who may see the pairing
    (`visible_pairings`). Follow-up visits are contacts: they are in the contacts' entries."""
    from gridapp.core.i18n import gettext
    from gridapp.core.time import local
    from gridapp.pairing.models import SupportLogEntry, SupportPlanVersion

    pairings = visible_pairings(student, viewer.user)
    if not pairings:
        return []
    by_id = {p.id: p for p in pairings}
    out = []
    for p in pairings:
        url = _pairing_url(p.id)
        out.append(Entry(p.starts_on, "pairing",
                         gettext("结对帮扶开始 · %(t)s", t=p.teacher.name), p.reason, url))  # fmt: skip
        if p.ends_on is not None:
            out.append(Entry(p.ends_on, "pairing",
                             gettext("结对帮扶结束 · %(t)s", t=p.teacher.name), p.end_reason,
                             url))  # fmt: skip
    versions = db.session.scalars(
        select(SupportPlanVersion)
        .where(SupportPlanVersion.pairing_id.in_(sorted(by_id)))
        .order_by(SupportPlanVersion.pairing_id, SupportPlanVersion.version)
    ).all()
    for v in versions:
        title = gettext("帮扶方案第 %(v)d 版 · 复查日期 %(d)s", v=v.version,
                        d=v.review_on.isoformat())  # fmt: skip
        text = "\n".join(t for t in (v.situation, v.note) if t)
        out.append(Entry(local(v.written_at).date(), "pairing", title, text,
                         _pairing_url(v.pairing_id)))  # fmt: skip
    logs = db.session.scalars(
        select(SupportLogEntry)
        .where(SupportLogEntry.pairing_id.in_(sorted(by_id)))
        .order_by(SupportLogEntry.happened_on.desc(), SupportLogEntry.id.desc())
    ).all()
    for e in logs:
        teacher = by_id[e.pairing_id].teacher.name
        text = "\n".join(
            t
            for t in (
                e.done,
                gettext("效果：%(t)s", t=e.outcome) if e.outcome else "",
                gettext("下一步：%(t)s", t=e.next_step) if e.next_step else "",
            )
            if t
        )
        out.append(Entry(e.happened_on, "pairing",
                         gettext("帮扶记录 · %(k)s · %(t)s", k=e.kind.label, t=teacher), text,
                         _pairing_url(e.pairing_id)))  # fmt: skip
    return out


# kind -> (label, reader). Parent school adds its own here.
SOURCES: dict[str, tuple[object, Callable[[Student, Viewer], list[Entry]]]] = {
    "contact": (_l("家访与联系"), _contacts),
    "grid_log": (_l("网格档案"), _grid_logs),
    "focus": (_l("重点对象"), _focus_marks),
    "activity": (_l("家庭教育指导"), _activities),
    "case": (_l("意见建议"), _cases),
    "reception": (_l("接待日"), _reception),
    "review": (_l("学业述评"), _reviews),
    "enrolment": (_l("学籍与班级"), _enrolment),
    # Sensitive: shown only to those who may see the pairing, each view audited (archives.views).
    "pairing": (_l("结对帮扶"), _pairing),
}


def timeline(
    student: Student, viewer: Viewer, kinds: set[str] | None = None,
    since: date | None = None, until: date | None = None,
) -> list[Entry]:  # fmt: skip
    entries: list[Entry] = []
    for kind, (_label, read) in SOURCES.items():
        if kinds and kind not in kinds:
            continue
        entries.extend(read(student, viewer))
    if since is not None:
        entries = [e for e in entries if e.on >= since]
    if until is not None:
        entries = [e for e in entries if e.on <= until]
    entries.sort(key=lambda e: e.on, reverse=True)
    return entries


def labels() -> dict[str, object]:
    return {kind: label for kind, (label, _read) in SOURCES.items()}
