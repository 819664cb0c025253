"""Issue 22 item 9: every rule's status is met, met late (达标但逾期), owed or overdue — a
first-year door visit after the first half of the term no longer leaves "0/1 已逾期" on the
worklist for ever; the worklist and the figures say which."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules
from gridapp.contacts.models import ContactForm
from gridapp.people.models import Student
from gridapp.schools.models import BreakCountsFor, School, SchoolYear

from .. import factories as f

TODAY = date(2026, 11, 23)  # the first semester's midpoint (12 November) has passed


def _first_year(ctx, world):
    grade1 = f.GradeFactory(school=ctx.get(School, world.school_a), level=1)
    head = ctx.get(User, world.head_teacher)
    c = f.SchoolClassFactory(grade=grade1, number=1, head_teacher=head)
    s = f.StudentFactory(school_class=c, name="一年级新生")
    ctx.commit()
    return c, s


def _visit(ctx, world, family_id, on, form=ContactForm.HOME_VISIT):
    head = ctx.get(User, world.head_teacher)
    f.ContactFactory(recorded_by=head, school_id=world.school_a, family_id=family_id,
                     teachers=[head], contact_on=on, form=form)  # fmt: skip
    ctx.commit()


def test_statuses():
    due = date(2026, 11, 12)
    assert rules.rule_status(1, 0, due, TODAY) == rules.MET
    assert rules.rule_status(1, 1, due, TODAY) == rules.MET_LATE
    assert rules.rule_status(0, 0, due, date(2026, 11, 1)) == rules.OWED
    assert rules.rule_status(0, 0, due, TODAY) == rules.OVERDUE


def test_a_late_first_year_visit_leaves_the_worklist_and_shows_as_met_late(
    client, ctx, world, login
):
    c, s = _first_year(ctx, world)
    login(world.head_teacher_name)
    page = client.get(f"/classes/{c.id}/worklist").get_data(as_text=True)
    assert "一年级新生" in page and "起始年级上门家访" in page and "已逾期" in page
    _visit(ctx, world, s.family_id, date(2026, 11, 20))  # after the first half
    page = client.get(f"/classes/{c.id}/worklist").get_data(as_text=True)
    # Still on the list for the teacher's own contacts (one of two), the first-year rule shown
    # as met late, not overdue.
    assert "起始年级上门家访 <b>1/1</b>" in page and "达标但逾期" in page
    line = page.split("起始年级上门家访 <b>1/1</b>")[1][:200]
    assert "已逾期" not in line
    # With the teacher's second contact nothing is owed: the family leaves the worklist.
    _visit(ctx, world, s.family_id, date(2026, 11, 21), form=ContactForm.PHONE)
    page = client.get(f"/classes/{c.id}/worklist").get_data(as_text=True)
    assert "一年级新生" not in page


def test_the_figures_count_met_late_apart(client, ctx, world, login):
    c, s = _first_year(ctx, world)
    _visit(ctx, world, s.family_id, date(2026, 11, 20))
    p = rules.period_for(world.school_a, TODAY)
    share = rules.class_coverage(p, [c.id])[c.id].shares["first_year"]
    assert (share.met, share.total, share.late) == (1, 1, 1)
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "其中 1 达标但逾期" in page
    page = client.get(
        f"/schools/{world.school_a}/coverage/families",
        query_string={"rule": "first_year", "met": 1, "class_id": c.id},
    ).get_data(as_text=True)
    assert "一年级新生" in page and "达标但逾期" in page
    page = client.get(
        f"/schools/{world.school_a}/coverage/families",
        query_string={"rule": "teacher", "met": 0, "class_id": c.id},
    ).get_data(as_text=True)
    assert "一年级新生" in page and "已逾期" not in page and "未达标" in page


def test_a_contact_in_the_holiday_after_counts_late_when_the_school_counts_it_back(ctx, world):
    """With holidays counted for the previous semester, a contact after the semester's end
    still counts for it, late."""
    year = ctx.scalars(select(SchoolYear).where(SchoolYear.school_id == world.school_a)).one()
    f.SemesterFactory(school_year=year, number=2, starts_on=date(2027, 2, 23),
                      ends_on=date(2027, 7, 3))  # fmt: skip
    ctx.get(School, world.school_a).break_counts_for = BreakCountsFor.PREVIOUS
    ctx.commit()
    family = ctx.get(Student, world.student).family_id
    _visit(ctx, world, family, date(2027, 2, 1), form=ContactForm.PHONE)
    p = rules.period_for(world.school_a, TODAY)
    tf = rules.teacher_family_status(p, teacher_id=world.head_teacher).subquery()
    row = ctx.execute(select(tf).where(tf.c.family_id == family)).one()
    assert (row.count, row.met, row.late) == (2, 1, 1)
    tf = rules.teacher_family_status(p).subquery()
    row = ctx.execute(
        select(tf).where(tf.c.family_id == family, tf.c.teacher_id == world.head_teacher)
    ).one()
    assert (row.count, row.met, row.late) == (2, 1, 1)
    st = rules.student_status(p, student_ids=[world.student]).subquery()
    row = ctx.execute(select(st)).one()
    assert (row.remote_met, row.remote_late) == (1, 0)  # the world's call was in term
