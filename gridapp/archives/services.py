"""What the archive shows a viewer: the sections, who sees sensitive parts, and the archive's
context (profile, family, focus, timeline) shared by the archive page and the PDF dossier."""

from __future__ import annotations

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

SECTIONS = ("profile", "family", "focus", "sensitive", "timeline")


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
