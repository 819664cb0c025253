"""Deadlines in working days: the Spring Festival and National Day with their make-up days, a
school's closures, and a year the holiday library does not know (2027)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridapp.schools.models import OfficialDay, SchoolClosure
from gridapp.schools.workdays import WorkCalendar, library_knows

from .. import factories as f


def test_spring_festival_2026_with_its_make_up_saturdays(ctx):
    cal = WorkCalendar()
    # Fri 13 Feb; Sat 14 Feb is a make-up working day; 15–23 Feb are the holiday.
    d = cal.add_workdays(date(2026, 2, 13), 5)
    assert d.due_on == date(2026, 2, 27) and not d.estimated
    # Sat 28 Feb is a make-up working day too.
    assert cal.add_workdays(date(2026, 2, 26), 2).due_on == date(2026, 2, 28)


def test_national_day_2026_with_its_make_up_days(ctx):
    cal = WorkCalendar()
    # 1–7 Oct off; Sat 10 Oct is a working day, Sun 11 Oct is not.
    assert cal.add_workdays(date(2026, 9, 30), 5).due_on == date(2026, 10, 13)
    # Sun 20 Sep is a make-up working day; 25 Sep (Mid-Autumn) is off.
    assert cal.add_workdays(date(2026, 9, 19), 1).due_on == date(2026, 9, 20)
    assert cal.add_workdays(date(2026, 9, 24), 1).due_on == date(2026, 9, 28)


def test_a_school_closure_is_not_a_working_day(ctx):
    school = f.SchoolFactory()
    ctx.add(SchoolClosure(school_id=school.id, on=date(2026, 2, 24), reason="校园消杀"))
    ctx.commit()
    cal = WorkCalendar(school.district_id, school.id)
    assert cal.add_workdays(date(2026, 2, 13), 5).due_on == date(2026, 2, 28)
    assert WorkCalendar(school.district_id, None).add_workdays(date(2026, 2, 13), 5).due_on == (
        date(2026, 2, 27)
    )


def test_2027_is_an_estimate_until_the_district_enters_the_schedule(ctx):
    assert not library_knows(2027)  # chinese-calendar 1.11 stops at 2026
    school = f.SchoolFactory()
    cal = WorkCalendar(school.district_id, school.id)
    d = cal.add_workdays(date(2026, 12, 28), 5)  # 1 Jan 2027 is a statutory holiday
    assert d == type(d)(date(2027, 1, 5), True)
    assert cal.source(2027) == "estimate"
    # The district admin enters 2027: 1 Jan off, Sat 2 Jan a make-up working day (say).
    ctx.add(OfficialDay(district_id=school.district_id, on=date(2027, 1, 1), is_workday=False,
                        name="元旦"))  # fmt: skip
    ctx.add(OfficialDay(district_id=school.district_id, on=date(2027, 1, 2), is_workday=True,
                        name="元旦调休"))  # fmt: skip
    ctx.commit()
    cal = WorkCalendar(school.district_id, school.id)
    assert cal.source(2027) == "official"
    d = cal.add_workdays(date(2026, 12, 28), 5)
    assert d.due_on == date(2027, 1, 4) and not d.estimated


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        WorkCalendar().add_workdays(date(2026, 1, 5), 0)


@settings(max_examples=60, deadline=None, database=None)
@given(start=st.dates(date(2004, 1, 1), date(2030, 12, 1)), n=st.integers(1, 20))
def test_any_date_gives_a_later_working_day_never_an_error(app, start, n):
    with app.app_context():
        cal = WorkCalendar()
        d = cal.add_workdays(start, n)
        assert d.due_on > start and d.due_on - start < timedelta(days=n * 3 + 20)
        assert cal.is_workday(d.due_on)[0]
        assert cal.workdays_between(start, d.due_on) == n
