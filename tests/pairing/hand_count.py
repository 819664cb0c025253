"""A hand-counted pairing world on top of the standard one (tests/world.py), for the coverage
figures, the semester summary and the archive: what each line adds is said beside it."""

from __future__ import annotations

from datetime import date

from gridapp.accounts.models import User
from gridapp.contacts.models import ContactForm
from gridapp.core.models import utcnow
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import HelpKind, NeedDecision, SupportLogEntry, SupportPlanVersion
from gridapp.people.models import FocusCategory, Student, StudentStatus
from gridapp.schools.models import School

from .. import factories as f

ON = date(2026, 10, 1)  # inside the world's semester (1 September 2026 – 23 January 2027)


def focus(student):
    """An open focus category (left-behind) since the semester began: the student is in need."""
    f.StudentFocusFactory(student=student, category=FocusCategory.LEFT_BEHIND,
                          since_on=date(2026, 9, 1))  # fmt: skip


def _log(pairing, on, token):
    db.session.add(SupportLogEntry(pairing_id=pairing.id, happened_on=on, kind=HelpKind.STUDY,
                                   done="辅导数学作业", client_token=token))  # fmt: skip


def build(ctx, world) -> dict:
    """The hand-counted world (see the comments for what each line adds to the figures)."""
    principal = ctx.get(User, world.principal)
    a1 = ctx.get(Student, world.student).school_class
    party = ctx.get(User, world.subject_teacher)
    party2 = f.teacher(ctx.get(School, world.school_a), name="党员乙", is_party_member=True)
    student, other = ctx.get(Student, world.student), ctx.get(Student, world.other_student)
    s3 = f.StudentFactory(school_class=a1, name="赵三")
    s4 = f.StudentFactory(school_class=a1, name="钱四")
    s5 = f.StudentFactory(school_class=a1, name="孙五")
    gone = f.StudentFactory(school_class=a1, name="周六", status=StudentStatus.TRANSFERRED)
    for s in (student, s3, s4, gone, ctx.get(Student, world.student_a2)):
        focus(s)
    focus(ctx.get(Student, world.student_c1))  # another district: never counted
    ctx.flush()
    services.mark_need(principal, other, NeedDecision.INCLUDE, "父母离异")  # in need (A1)
    services.mark_need(principal, s4, NeedDecision.EXCLUDE, "家庭情况好转")  # not in need
    # A1: student (plan overdue), s3 (new, plan not yet due), s5 (not in need; no plan: overdue).
    [p1] = services.pair(principal, world.school_a, party.id, [student.id], ON, today())
    [p3] = services.pair(principal, world.school_a, party2.id, [s3.id], date(2026, 11, 20),
                         today())  # fmt: skip
    [p5] = services.pair(principal, world.school_a, party2.id, [s5.id], ON, today())
    # An ended pairing of `other` counts nowhere: `other` is in need and unpaired.
    [old] = services.pair(principal, world.school_a, party2.id, [other.id], ON, today())
    services.end_pairing(principal, old, date(2026, 10, 20), "调整", today())
    _log(old, date(2026, 10, 5), "old")
    ctx.add(SupportPlanVersion(pairing_id=p1.id, version=1, situation="留守", goals={}, actions=[],
                               review_on=date(2026, 11, 1), written_at=utcnow()))  # fmt: skip
    _log(p1, date(2026, 10, 15), "a")
    _log(p1, date(2026, 11, 10), "b")
    _log(p1, date(2026, 8, 20), "before")  # before the semester: not counted
    _log(p3, date(2026, 11, 21), "c")
    # The world's phone call of 10 October had `party` present: a follow-up contact of p1.
    f.ContactFactory(recorded_by=party, school_id=world.school_a, family_id=student.family_id,
                     contact_on=date(2026, 11, 2), form=ContactForm.HOME_VISIT)  # fmt: skip
    # School B: the sibling and another student in need, one paired (50 %, as school A).
    b_teacher = ctx.get(User, world.other_school_teacher)
    b_teacher.is_party_member = True
    sibling = ctx.get(Student, world.sibling)
    b2 = f.StudentFactory(school_class=sibling.school_class, name="吴七")
    focus(sibling)
    focus(b2)
    ctx.flush()
    services.pair(principal, world.school_b, b_teacher.id, [b2.id], ON, today())
    ctx.flush()
    return {"p1": p1, "p3": p3, "p5": p5, "old": old, "a1": a1.id, "s3": s3, "party2": party2}
