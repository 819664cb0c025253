"""Issue 22 item 9: a contact in a holiday counts for a semester — the next one by default, the
previous one when the school chooses so — in every figure (quota rules, worklist, coverage, the
archive's semester filter, the grids overview, the contact page), through one function."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules, worklists
from gridapp.contacts.models import ContactForm
from gridapp.core.time import SHANGHAI
from gridapp.people.models import Student
from gridapp.schools.models import BreakCountsFor, School, SchoolYear, Semester

from .. import factories as f

WINTER = date(2027, 2, 1)  # between the first semester (to 23 Jan) and the second (from 23 Feb)


def _second_semester(ctx, world) -> int:
    year = ctx.scalars(select(SchoolYear).where(SchoolYear.school_id == world.school_a)).one()
    s2 = f.SemesterFactory(
        school_year=year, number=2, starts_on=date(2027, 2, 23), ends_on=date(2027, 7, 3)
    )
    ctx.commit()
    return s2.id


def _visit(ctx, world, on=WINTER):
    head = ctx.get(User, world.head_teacher)
    c = f.ContactFactory(
        recorded_by=head, school_id=world.school_a,
        family_id=ctx.get(Student, world.student).family_id, teachers=[head], contact_on=on,
        form=ContactForm.HOME_VISIT, students=[ctx.get(Student, world.student)],
    )  # fmt: skip
    ctx.commit()
    return c


def _counts(ctx, world, semester_id):
    p = rules.period_for(world.school_a, date(2026, 11, 23), semester_id)
    st = rules.student_status(p, student_ids=[world.student]).subquery()
    row = ctx.execute(select(st)).one()
    tf = rules.teacher_family_status(p, teacher_id=world.head_teacher).subquery()
    family = ctx.get(Student, world.student).family_id
    pair = ctx.execute(select(tf).where(tf.c.family_id == family)).one()
    return row.focus_count, pair.count


def test_a_winter_visit_counts_for_the_next_semester(ctx, world):
    s2 = _second_semester(ctx, world)
    s1 = world.semester_a
    before = (_counts(ctx, world, s1), _counts(ctx, world, s2))
    _visit(ctx, world)
    after = (_counts(ctx, world, s1), _counts(ctx, world, s2))
    # Door visits (the focus rule's count) and the head teacher's contacts: one more in the
    # second semester, none in the first.
    assert after[0] == before[0]
    assert after[1] == (before[1][0] + 1, before[1][1] + 1)
    assert rules.semester_for(world.school_a, WINTER) == s2
    assert rules.semester_for(world.school_a, date(2027, 1, 23)) == s1


def test_the_school_may_count_holidays_for_the_previous_semester(client, ctx, world, login):
    s2 = _second_semester(ctx, world)
    s1 = world.semester_a
    login(world.school_admin_name)
    form = {r: "2" for r in (
        "teacher_family", "head_teacher_remote", "focus_home_visit", "home_visit_two_years",
        "first_year_home_visit", "stage_primary", "stage_junior", "stage_senior",
    )}  # fmt: skip
    page = client.get(f"/schools/{world.school_a}/quotas").get_data(as_text=True)
    assert "假期中的家校联系计入" in page and "下一学期" in page
    r = client.post(
        f"/schools/{world.school_a}/quotas", data={**form, "break_counts_for": "previous"}
    )
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(School, world.school_a).break_counts_for is BreakCountsFor.PREVIOUS
    before = (_counts(ctx, world, s1), _counts(ctx, world, s2))
    contact = _visit(ctx, world)
    after = (_counts(ctx, world, s1), _counts(ctx, world, s2))
    assert after[1] == before[1]
    assert after[0] == (before[0][0] + 1, before[0][1] + 1)
    assert rules.semester_for(world.school_a, WINTER) == s1
    assert client.post(f"/schools/{world.school_a}/quotas", data={**form, "break_counts_for": "x"}
                       ).status_code == 422  # fmt: skip
    client.post("/logout")
    login(world.head_teacher_name)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "计入学期" in page and "2026—2027学年第一学期" in page


def test_in_the_holiday_the_worklist_is_the_semester_its_visits_count_for(
    client, ctx, world, login, time_machine
):
    s2 = _second_semester(ctx, world)
    time_machine.move_to(datetime(2027, 2, 2, 10, 0, tzinfo=SHANGHAI))
    period = rules.period_for(world.school_a, date(2027, 2, 2))
    assert period.semester_id == s2 and period.counts_from == date(2027, 1, 24)
    lines, _headed = worklists.teacher_lines(
        ctx.get(User, world.head_teacher), world.school_a, period
    )
    owed = {o.rule for line in lines if line.family_id == ctx.get(Student, world.student).family_id
            for o in line.owed}  # fmt: skip
    assert "teacher" in owed
    _visit(ctx, world)
    _visit(ctx, world, on=date(2027, 2, 2))
    lines, _headed = worklists.teacher_lines(
        ctx.get(User, world.head_teacher), world.school_a, period
    )
    owed = {o.rule for line in lines if line.family_id == ctx.get(Student, world.student).family_id
            for o in line.owed}  # fmt: skip
    assert "teacher" not in owed


def test_the_archive_and_the_contact_page_put_a_winter_visit_in_the_next_semester(
    client, ctx, world, login
):
    s2 = _second_semester(ctx, world)
    contact = _visit(ctx, world)
    login(world.head_teacher_name)
    page = client.get(
        f"/students/{world.student}/archive",
        query_string={"tab": "timeline", "kind": "contact", "semester": s2},
    ).get_data(as_text=True)
    assert "2027-02-01" in page
    page = client.get(
        f"/students/{world.student}/archive",
        query_string={"tab": "timeline", "kind": "contact", "semester": world.semester_a},
    ).get_data(as_text=True)
    assert "2027-02-01" not in page
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "2026—2027学年第二学期" in page
    assert ctx.get(Semester, s2).starts_on > contact.contact_on


def test_semester_windows_touch_end_to_end():
    class S:
        def __init__(self, a, b):
            self.starts_on, self.ends_on = a, b

    sems = [S(date(2027, 2, 23), date(2027, 7, 3)), S(date(2026, 9, 1), date(2027, 1, 23))]
    nxt = rules.semester_windows(sems, BreakCountsFor.NEXT)
    assert [(w[1], w[2]) for w in nxt] == [
        (date(2026, 7, 1), date(2027, 1, 23)),
        (date(2027, 1, 24), date(2027, 7, 3)),
    ]
    prev = rules.semester_windows(sems, BreakCountsFor.PREVIOUS)
    assert [(w[1], w[2]) for w in prev] == [
        (date(2026, 7, 1), date(2027, 2, 22)),
        (date(2027, 2, 23), date(2027, 9, 3)),
    ]
