"""What a pairing owes (issue 16 item 5): a log entry each month, the first plan within 14 days
and its reviews on their dates, a door visit each semester for a focus student; a follow-up
visit is a contact and counts as an entry (recorded once)."""

from __future__ import annotations

from datetime import date, timedelta

from gridapp.accounts.models import User
from gridapp.contacts.models import ContactForm
from gridapp.core.models import utcnow
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import due, services
from gridapp.pairing.models import HelpKind, SupportLogEntry, SupportPlanVersion
from gridapp.people.models import FocusCategory, Student

from .. import factories as f


def _pair(world, starts_on):
    principal = db.session.get(User, world.principal)
    [p] = services.pair(principal, world.school_a, world.subject_teacher, [world.student],
                        starts_on, today())  # fmt: skip
    return p


def test_a_new_pairing_owes_its_plan_and_an_entry(ctx, world):
    start = today() - timedelta(days=20)
    p = _pair(world, start)
    d = due.due_for([p], today())[p.id]
    assert d.plan_due_on == start + timedelta(days=14) and d.plan_overdue
    assert d.log_due_on == start + timedelta(days=31) and not d.log_overdue
    assert d.visit_due_on is None  # not a focus student
    ctx.add(SupportPlanVersion(pairing_id=p.id, version=1, situation="学习吃力", goals={},
                               actions=[], review_on=today() + timedelta(days=60),
                               written_at=utcnow()))  # fmt: skip
    ctx.add(SupportLogEntry(pairing_id=p.id, happened_on=today() - timedelta(days=2),
                            kind=HelpKind.STUDY, done="辅导数学", client_token="t1"))  # fmt: skip
    ctx.flush()
    d = due.due_for([p], today())[p.id]
    assert d.plan_version == 1 and not d.plan_overdue
    assert d.log_due_on == today() + timedelta(days=29)


def test_a_follow_up_door_visit_is_an_entry_and_the_focus_visit(ctx, world):
    student = ctx.get(Student, world.student)
    f.StudentFocusFactory(student=student, category=FocusCategory.LEFT_BEHIND,
                          since_on=date(2026, 9, 1))  # fmt: skip
    p = _pair(world, date(2026, 10, 1))
    d = due.due_for([p], today())[p.id]
    # The world's phone call of 10 October had the paired teacher present: an entry, not a visit.
    assert d.visit_due_on is not None and d.last_support_on == date(2026, 10, 10)
    teacher = ctx.get(User, world.subject_teacher)
    f.ContactFactory(recorded_by=teacher, school_id=world.school_a, family_id=student.family_id,
                     contact_on=date(2026, 11, 2), form=ContactForm.HOME_VISIT)  # fmt: skip
    # Someone else's contact with the family does not count for the pairing.
    f.ContactFactory(recorded_by=ctx.get(User, world.head_teacher), school_id=world.school_a,
                     family_id=student.family_id, contact_on=date(2026, 11, 20))  # fmt: skip
    d = due.due_for([p], today())[p.id]
    assert d.last_support_on == date(2026, 11, 2) and d.visit_due_on is None
    rows = ctx.execute(due.follow_up_query([p.id])).all()
    assert [c.contact_on for _pid, c in rows] == [date(2026, 11, 2), date(2026, 10, 10)]
    services.end_pairing(ctx.get(User, world.principal), p, today(), "转学", today())
    assert due.due_for([p], today()) == {}
