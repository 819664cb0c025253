"""The dashboards' cases, pairing and reception days (issue 18 item 1): on a hand-built world
each school's figures equal a record-by-record count, they add up school → district → city, the
district sees figures and never a family, the pages link to the cases behind a figure, the
tables export them as numbers, and the region dashboard runs as many queries for five schools
as for three."""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from datetime import date, datetime, time

import openpyxl
import pytest
from sqlalchemy import event, select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.cases.models import Case, CaseCategory, CaseSource, CaseStatus
from gridapp.cases.services import OPEN
from gridapp.contacts import rules
from gridapp.core.time import SHANGHAI, local, today
from gridapp.extensions import db
from gridapp.reception.models import Booking, BookingStatus, DayStatus, ReceptionDay
from gridapp.reports import dashboards
from gridapp.reports.activity import Activity, school_activity
from gridapp.schools.models import District, Region, School
from gridapp.schools.workdays import WorkCalendar

from .. import factories as f
from ..pairing.hand_count import build as build_pairings

DAY = date(2026, 11, 23)  # the tests' frozen day (tests/conftest.py)


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def _case(school_id, received_on, status, due_on, replied_on=None, rating=None):
    db.session.add(
        Case(
            school_id=school_id, source=CaseSource.MAILBOX, category=CaseCategory.TEACHING,
            status=status, words="午饭太咸了", received_at=_at(received_on), due_on=due_on,
            replied_at=_at(replied_on, 16) if replied_on else None, rating=rating,
            reply="已答复" if replied_on else "",
        )
    )  # fmt: skip


def _day(school_id, on, host_id):
    day = ReceptionDay(
        school_id=school_id, on=on, starts=time(14), ends=time(16), room="接待室",
        slot_minutes=20, capacity=2, opens_at=_at(date(2026, 8, 1)),
        closes_at=_at(on), host_ids=[host_id], status=DayStatus.PUBLISHED,
        created_by_id=host_id,
    )  # fmt: skip
    db.session.add(day)
    db.session.flush()
    return day


def _booking(day, status, walk_in=False):
    db.session.add(
        Booking(
            school_id=day.school_id, day_id=day.id, status=status, topic="孩子的学习",
            walk_in=walk_in, guest_name="来访家长", uid=uuid.uuid4().hex,
        )
    )  # fmt: skip


def _hand_built(world) -> None:
    """Cases and reception days beside the world's (one relayed case, one booking of school A
    a week ahead), and the pairing world of tests/pairing/hand_count.py."""
    a, b, c = world.school_a, world.school_b, world.school_c
    # A: answered on time (Mon 2 Nov → Thu 5 Nov: 3 working days), rated 5.
    _case(a, date(2026, 11, 2), CaseStatus.REPLIED, date(2026, 11, 9), date(2026, 11, 5), 5)
    # A: answered late (2 Nov → Tue 10 Nov: 6 working days), rated 2.
    _case(a, date(2026, 11, 2), CaseStatus.REPLIED, date(2026, 11, 6), date(2026, 11, 10), 2)
    # A: open past its deadline: late, and overdue now.
    _case(a, date(2026, 11, 9), CaseStatus.ASSIGNED, date(2026, 11, 16))
    # A: open, not yet due: received, judged nowhere.
    _case(a, date(2026, 11, 20), CaseStatus.REGISTERED, date(2026, 11, 27))
    # A: received before the semester, still open past its deadline: overdue now only.
    _case(a, date(2026, 6, 1), CaseStatus.ASSIGNED, date(2026, 6, 8))
    # B: answered the day it came (0 working days), not rated.
    _case(b, date(2026, 11, 3), CaseStatus.REPLIED, date(2026, 11, 10), date(2026, 11, 3))
    # C (the other district): open past its deadline.
    _case(c, date(2026, 10, 12), CaseStatus.SUBMITTED, date(2026, 10, 19))
    # A's reception day of 16 November: attended, absent, cancelled, and a walk-in.
    past = _day(a, date(2026, 11, 16), world.principal)
    for status in (BookingStatus.ATTENDED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW,
                   BookingStatus.CANCELLED):  # fmt: skip
        _booking(past, status)
    _booking(past, BookingStatus.ATTENDED, walk_in=True)
    # Last semester's day (June) is not this semester's.
    _booking(_day(a, date(2026, 6, 10), world.principal), BookingStatus.ATTENDED)
    # C: one attended.
    _booking(_day(c, date(2026, 11, 11), world.principal), BookingStatus.ATTENDED)
    build_pairings(db.session, world)
    db.session.commit()


def _by_hand(school_ids) -> dict[int, Activity]:
    """Each school's cases and bookings counted record by record in Python (the working days by
    the school's own calendar, day by day); the pairing figures are hand_count.py's."""
    out: dict[int, Activity] = defaultdict(Activity)
    window = {}
    for school_id in school_ids:
        period = rules.period_for(school_id, DAY)
        window[school_id] = rules.semester_window(school_id, period.semester_id)
    for case in db.session.scalars(select(Case).where(Case.school_id.in_(school_ids))):
        a = out[case.school_id]
        if case.status in OPEN and case.due_on is not None and case.due_on < DAY:
            a.overdue_now += 1
        since, until = window[case.school_id]
        if not since <= local(case.received_at).date() <= until:
            continue
        a.received += 1
        if case.replied_at is not None:
            school = db.session.get(School, case.school_id)
            calendar = WorkCalendar(school.district_id, school.id)
            a.replied += 1
            a.reply_workdays += calendar.workdays_between(
                local(case.received_at).date(), local(case.replied_at).date()
            )
            if local(case.replied_at).date() <= case.due_on:
                a.on_time += 1
            else:
                a.late += 1
        elif case.status in OPEN and case.due_on < DAY:
            a.late += 1
        if case.rating is not None:
            a.ratings += 1
            a.rating_sum += case.rating
    for booking in db.session.scalars(select(Booking).where(Booking.school_id.in_(school_ids))):
        since, until = window[booking.school_id]
        if not since <= db.session.get(ReceptionDay, booking.day_id).on <= until:
            continue
        a = out[booking.school_id]
        if booking.walk_in:
            a.walk_ins += booking.status == BookingStatus.ATTENDED
            continue
        a.bookings += booking.status in (
            BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW
        )  # fmt: skip
        a.attended += booking.status == BookingStatus.ATTENDED
        a.no_shows += booking.status == BookingStatus.NO_SHOW
        a.cancelled += booking.status == BookingStatus.CANCELLED
    return out


def _cases_and_bookings(a: Activity) -> Activity:
    return Activity(**{**a.dump(), "in_need": 0, "paired": 0, "support_entries": 0})


def test_figures_equal_a_record_by_record_count_and_add_up(ctx, world):
    _hand_built(world)
    schools = [world.school_a, world.school_b, world.school_c]
    found = school_activity(schools, DAY)
    by_hand = _by_hand(schools)
    for school_id in schools:
        assert _cases_and_bookings(found.schools[school_id]) == by_hand[school_id], school_id
    a = found.schools[world.school_a]
    # What the comments of _hand_built say, with the world's relayed case (received today).
    assert (a.received, a.on_time, a.late, a.overdue_now) == (5, 1, 2, 2)
    assert (a.replied, a.reply_workdays, a.mean_reply_workdays) == (2, 9, 4.5)
    assert (a.ratings, a.mean_rating) == (2, 3.5)
    assert a.on_time_share.total == 3 and a.on_time_share.percent == "33%"
    # The world's booking a week ahead, the 16 November day's two attended and one absent.
    assert (a.bookings, a.attended, a.no_shows, a.cancelled, a.walk_ins) == (4, 2, 1, 1, 1)
    # Pairing: tests/pairing/hand_count.py's figures.
    assert (a.in_need, a.paired, a.support_entries) == (4, 2, 5)
    b = found.schools[world.school_b]
    assert (b.received, b.on_time, b.reply_workdays, b.in_need, b.paired) == (1, 1, 0, 2, 1)
    assert found.classes[world.class_a1].paired_share.percent == "66%"
    assert (
        sum((found.classes[k] for k in (world.class_a1, world.class_a2)), Activity()).paired_share
        == a.paired_share
    )

    # school → district → city, as met and total.
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    rows = {r.key: r for r in dashboards.district_rows(districts, DAY)}
    mine = found.schools[world.school_a] + found.schools[world.school_b]
    assert rows[world.district].activity == mine
    assert rows[world.other_district].activity == found.schools[world.school_c]
    city = db.session.get(Region, world.city)
    total = dashboards.add_up("region", city.id, city.name, dashboards.region_rows(city, DAY))
    assert total.activity == sum(found.schools.values(), Activity())
    # A's 3 judged, B's answer, C's open case past its deadline.
    assert total.activity.overdue_now == 3 and total.activity.on_time_share.total == 5


def test_the_district_sees_the_figures_never_a_family(client, ctx, world, login):
    _hand_built(world)
    login(world.district_supervisor_name)
    html = client.get("/district").get_data(as_text=True)
    assert "收到意见" in html and "困境学生已结对" in html and "接待日预约" in html
    assert "/district/cases" in html  # the cases behind a school's cell
    assert f"/schools/{world.school_a}/pairing/coverage" in html
    for private in ("王小明", "张伟", "李芳", "13812345678", "来访家长", "午饭", "孩子的"):
        assert private not in html, private
    r = client.get("/district?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    headers = [c.value for c in ws[2]]
    rows = {ws.cell(row=i, column=1).value: i for i in range(3, ws.max_row + 1)}
    received = headers.index("本学期收到意见") + 1
    rate = headers.index("按期答复率") + 1
    paired = headers.index("已结对") + 1
    line = rows["南湖区实验小学"]
    assert ws.cell(row=line, column=received).value == 5
    assert ws.cell(row=line, column=rate).value == pytest.approx(1 / 3)
    assert ws.cell(row=line, column=rate).number_format == "0.0%"
    assert ws.cell(row=rows["合计"], column=paired).value == 3
    assert ws.cell(row=line, column=headers.index("已接待") + 1).value == 2


def test_leaders_are_led_to_their_case_desk(client, ctx, world, login):
    _hand_built(world)
    login(world.principal_name)
    html = client.get(f"/schools/{world.school_a}/dashboard").get_data(as_text=True)
    assert f"/schools/{world.school_a}/cases" in html and "困境学生已结对" in html
    assert "2 / 3" in html  # A1's pairing share (the class row)
    html = client.get(f"/classes/{world.class_a1}/dashboard").get_data(as_text=True)
    assert "全校意见与接待日" in html and f"/schools/{world.school_a}/cases" in html
    r = client.get(f"/classes/{world.class_a1}/dashboard?format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = {ws.cell(row=i, column=1).value: i for i in range(3, ws.max_row + 1)}
    assert ws.cell(row=rows["困境学生结对"], column=2).value == 2
    assert ws.cell(row=rows["全校：本学期收到意见"], column=2).value == 5
    login(world.subject_teacher_name)  # a teacher: the figures, no case desk
    html = client.get(f"/classes/{world.class_a1}/dashboard").get_data(as_text=True)
    assert "全校意见与接待日" in html and f"/schools/{world.school_a}/cases" not in html


def _more_schools(world, n: int) -> None:
    """`n` more schools in the other district, each with a class, a student, a case and a
    reception day with a booking."""
    district = db.session.get(District, world.other_district)
    host = db.session.get(User, world.principal)
    for i in range(n):
        school = f.SchoolFactory(district=district, name=f"秀洲区第{i + 2}小学")
        f.SemesterFactory(school_year=f.SchoolYearFactory(school=school))
        grade = f.GradeFactory(school=school, level=3)
        f.StudentFactory(school_class=f.SchoolClassFactory(grade=grade, number=1))
        db.session.flush()
        _case(school.id, date(2026, 11, 2), CaseStatus.ASSIGNED, date(2026, 11, 9))
        _booking(_day(school.id, date(2026, 11, 16), host.id), BookingStatus.ATTENDED)
    db.session.commit()


def test_the_region_dashboard_runs_as_many_queries_for_more_schools(app, client, ctx, world,
                                                                     login):  # fmt: skip
    _hand_built(world)
    user = f.UserFactory(username="city_count", district_id=world.district)
    user.roles.append(UserRole(role=Role.DISTRICT_SUPERVISOR, region_id=world.city))
    db.session.commit()
    login("city_count")
    counted = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            counted[-1] += 1

    def queries() -> int:
        client.get(f"/regions/{world.city}")  # computes and keeps the new schools' figures
        counted.append(0)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get(f"/regions/{world.city}")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert page.status_code == 200
        return counted[-1]

    three = queries()
    _more_schools(world, 2)
    five = queries()
    assert three == five and three > 20, (three, five)
    schools = db.session.scalars(select(School.id)).all()
    assert len(schools) == 5
    city = db.session.get(Region, world.city)
    total = dashboards.add_up("region", city.id, city.name, dashboards.region_rows(city, today()))
    assert total.activity.received == sum(
        r.received for r in school_activity(schools, today()).schools.values()
    )
