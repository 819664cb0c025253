"""What the archive shows a viewer: the sections, who sees sensitive parts, and the archive's
context (profile, family, focus, timeline) shared by the archive page and the PDF dossier."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from gridapp.archives import timeline
from gridapp.contacts import rules
from gridapp.core.permissions import Need
from gridapp.extensions import db
from gridapp.people import services as people
from gridapp.people.models import Student
from gridapp.people.permissions import can_see_sensitive, load_student
from gridapp.schools.models import Semester

SECTIONS = ("profile", "family", "focus", "sensitive", "pairing", "timeline")


def archive_student(student_id: int) -> Student:
    """Staff of the student's school who may see the student; never a parent, never the
    district (404 otherwise)."""
    student = load_student(student_id, Need.VIEW)
    if student.school_id not in current_user.staff_school_ids:
        abort(404)
    return student


def entitled_student(student_id: int) -> Student:
    """The student, for a viewer entitled to the sensitive record (404 otherwise)."""
    student = archive_student(student_id)
    if not can_see_sensitive(current_user, student):
        abort(404)
    return student


def viewer_of(user, student: Student, sensitive: bool | None = None) -> timeline.Viewer:
    """What `user` sees of the student: sensitive parts if entitled (and, when given, asked)."""
    entitled = can_see_sensitive(user, student)
    return timeline.Viewer(
        user=user, sensitive=entitled if sensitive is None else sensitive and entitled, notes=True
    )


def archive_context(
    student: Student, viewer, kinds=None, semester=None, with_timeline: bool = True
) -> dict:
    """Profile, family, open focus categories, semesters and (if asked) the timeline."""
    since = until = None
    if semester is not None:
        # What counts for the semester, the holiday it takes in included (contacts.rules).
        since, until = rules.semester_window(semester.school_id, semester.id) or (
            semester.starts_on, semester.ends_on,
        )  # fmt: skip
    focus = people.open_focus([student.id]).get(student.id, [])
    links, siblings = people.family_of(student)
    semesters = db.session.scalars(
        select(Semester)
        .where(Semester.school_id == student.school_id)
        .order_by(Semester.starts_on.desc())
    ).all()
    return {
        "student": student,
        "viewer": viewer,
        "entries": timeline.timeline(student, viewer, kinds, since, until) if with_timeline else [],
        "kinds": timeline.labels(),
        "focus": focus,
        "links": links,
        "siblings": siblings,
        "semesters": semesters,
    }


# ---- 1+N pairing in the archive and the dossier (issue 16 item 7) ---------------------------------


def sees_pairings(user, student: Student) -> bool:
    """Whether `user` may see the student's pairing section: those who would see any pairing of
    the student (the head teacher of the class, the school's leaders: the sensitive-data rule)
    and a teacher paired with the student now or before (pairing/permissions.py, Need.VIEW)."""
    return can_see_sensitive(user, student) or bool(timeline.visible_pairings(student, user))


def dossier_sections_for(user, student: Student) -> tuple[str, ...]:
    """The dossier sections offered to `user` for the student: the pairing section only to
    those who may see it."""
    if sees_pairings(user, student):
        return SECTIONS
    return tuple(s for s in SECTIONS if s != "pairing")


@dataclass
class LogLine:
    """One line of the support log in the dossier: an entry, or a follow-up contact (回访)."""

    on: date
    title: str
    text: str


@dataclass
class PairingSection:
    """The dossier's 结对帮扶 section as `user` may see it: `allowed` false means left out (the
    section says so, whether or not the student is paired); else the visible pairings (newest
    first), the current plan (the latest version of the active pairing, else of the latest
    pairing) and the support log with follow-up contacts (newest first)."""

    allowed: bool
    pairings: list = field(default_factory=list)
    plan: object | None = None
    log: list[LogLine] = field(default_factory=list)

    @property
    def goals(self) -> list[tuple[str, str]]:
        """The plan's goals as (kind of help's label, text), in the four kinds' order."""
        from gridapp.pairing.models import HelpKind

        goals = (self.plan.goals or {}) if self.plan is not None else {}
        return [(k.label, goals[k.value]) for k in HelpKind if goals.get(k.value)]

    @property
    def actions(self) -> list[tuple[str, str, str]]:
        """The plan's planned actions as (date, kind of help's label, what), by date."""
        from gridapp.pairing.models import HelpKind

        labels = {k.value: k.label for k in HelpKind}
        actions = (self.plan.actions or []) if self.plan is not None else []
        rows = [
            (str(a.get("due_on") or ""), labels.get(a.get("kind"), ""), str(a.get("what") or ""))
            for a in actions
            if isinstance(a, dict)
        ]
        return sorted(rows, key=lambda r: r[0])


def pairing_section(student: Student, user) -> PairingSection:
    """The pairing section of the dossier for `user` (a fixed number of queries)."""
    from gridapp.core.i18n import gettext as _
    from gridapp.pairing import due
    from gridapp.pairing.models import SupportLogEntry, SupportPlanVersion

    pairings = timeline.visible_pairings(student, user)
    if not pairings and not can_see_sensitive(user, student):
        return PairingSection(allowed=False)
    out = PairingSection(allowed=True, pairings=pairings)
    if not pairings:
        return out
    by_id = {p.id: p for p in pairings}
    current = next((p for p in pairings if p.ends_on is None), pairings[0])
    out.plan = db.session.scalar(
        select(SupportPlanVersion)
        .where(SupportPlanVersion.pairing_id == current.id)
        .order_by(SupportPlanVersion.version.desc())
        .limit(1)
    )
    entries = db.session.scalars(
        select(SupportLogEntry).where(SupportLogEntry.pairing_id.in_(sorted(by_id)))
    ).all()
    for e in entries:
        parts = (e.done, _("效果：%(t)s", t=e.outcome) if e.outcome else "",
                 _("下一步：%(t)s", t=e.next_step) if e.next_step else "")  # fmt: skip
        out.log.append(LogLine(e.happened_on,
                               f"{e.kind.label} · {by_id[e.pairing_id].teacher.name}",
                               "\n".join(t for t in parts if t)))  # fmt: skip
    for pid, contact in db.session.execute(due.follow_up_query(sorted(by_id))):
        out.log.append(LogLine(contact.contact_on,
                               _("回访 · %(f)s · %(t)s", f=contact.form.label,
                                 t=by_id[pid].teacher.name),
                               contact.guidance_given or contact.follow_up))  # fmt: skip
    out.log.sort(key=lambda line: line.on, reverse=True)
    return out
