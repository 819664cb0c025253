"""Each teacher's year in figures (issue 21 item 8): the figures against a hand-built world, the
school's counting choice, the page (order, sorting, search, years, bad input) and the export."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules, services
from gridapp.contacts.models import (
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactStatus,
    CountingSetting,
    FiguresCount,
    FollowUp,
)
from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.reports import teacher_year
from gridapp.reviews.models import AcademicReview
from gridapp.schools.models import School, SchoolYear, Semester

from .. import factories as f

TODAY = date(2026, 11, 23)  # the tests' clock (tests/conftest.py)


def _user(world, key: str) -> User:
    return db.session.get(User, getattr(world, key))


def _build(world) -> dict:
    """The world's school A with a year of work on top of the world's own phone call
    (head teacher with the subject teacher, 王小明's family, 10 October, submitted):

    - a door visit by the head teacher (12 October) rated 2 by the parent; the world's call
      rated 5;
    - a phone call by the head teacher entered 10 days late (the default threshold is 7);
    - a record the principal returned, one the head teacher withdrew, and one of last school
      year (June 2026): none counts;
    - the head teacher's follow-ups: one planned by the door visit, overdue; one planned by the
      late call, met by the world's call; one planned by the withdrawn record (left out);
    - the subject teacher's academic review of 王小明 this semester.

    The teachers get names whose pinyin order differs from their code points."""
    head, subject = _user(world, "head_teacher"), _user(world, "subject_teacher")
    principal = _user(world, "principal")
    student = db.session.get(Student, world.student)
    family = student.family_id

    def contact(on, form=ContactForm.PHONE, by=head, teachers=None, **kw):
        return f.ContactFactory(
            recorded_by=by, school_id=world.school_a, family_id=family,
            teachers=teachers or [by], contact_on=on, form=form, **kw,
        )  # fmt: skip

    visit = contact(date(2026, 10, 12), ContactForm.HOME_VISIT)
    late_call = contact(date(2026, 11, 1), entered_days_late=10)
    returned = contact(date(2026, 11, 2))
    services.review_contact(principal, returned, False, "请补充与家长交流的内容")
    withdrawn = contact(date(2026, 11, 3))
    services.withdraw_contact(head, withdrawn, "重复录入")
    contact(date(2026, 6, 1), ContactForm.HOME_VISIT)  # last school year
    for contact_id, guardian, rating in (
        (world.contact, world.parent, 5),
        (visit.id, world.parent, 2),
    ):
        db.session.add(ContactEvaluation(contact_id=contact_id, guardian_user_id=guardian,
                                         school_id=world.school_a, rating=rating))  # fmt: skip
    for planner, due, met_by in (
        (visit, date(2026, 11, 1), None),
        (late_call, date(2026, 12, 1), world.contact),
        (withdrawn, date(2026, 11, 10), None),
    ):
        db.session.add(FollowUp(contact_id=planner.id, school_id=world.school_a,
                                family_id=family, teacher_id=head.id, form=ContactForm.PHONE,
                                due_on=due, met_by_id=met_by))  # fmt: skip
    db.session.add(AcademicReview(school_id=world.school_a, class_id=world.class_a1,
                                  student_id=student.id, teacher_id=subject.id,
                                  semester_id=world.semester_a, text="学习认真。"))  # fmt: skip
    head.name, subject.name = "张老师", "李老师"
    _user(world, "other_class_teacher").name, principal.name = "安老师", "曾校长"
    db.session.commit()
    return {"head": head.id, "subject": subject.id}


def _rows(world) -> dict[int, teacher_year.TeacherYear]:
    years = teacher_year.school_years(world.school_a)
    year = teacher_year.current_year(world.school_a, years, TODAY)
    window = teacher_year.year_window(world.school_a, year, TODAY)
    return {r.teacher_id: r for r in teacher_year.teacher_year(world.school_a, window, TODAY)}


def test_each_teachers_year_is_counted_as_built_by_hand(world, ctx):
    _build(world)
    rows = _rows(world)
    head, subject = rows[world.head_teacher], rows[world.subject_teacher]
    # Contacts the head teacher was at that count: the world's call, the visit, the late call.
    assert head.contacts == {ContactForm.PHONE: 2, ContactForm.HOME_VISIT: 1}
    assert (head.total_contacts, head.home_visits) == (3, 1)
    # Entered: call, visit, late call, returned (not the withdrawn one nor last year's).
    assert (head.entries, head.late_entries, head.returned) == (4, 1, 1)
    assert (head.ratings, head.rating) == (2, 3.5)
    assert (head.follow_ups, head.follow_ups_met, head.follow_ups_overdue) == (2, 1, 1)
    assert head.reviews == 0
    # The quota (2 contacts a family a semester): 王小明's family met (3), 张伟's not.
    assert (head.quota.met, head.quota.total) == (1, 2)
    assert head.semesters[0].met == 1
    # The subject teacher was at the world's call only; entered nothing; wrote one review.
    assert subject.contacts == {ContactForm.PHONE: 1}
    assert (subject.entries, subject.ratings, subject.rating) == (0, 1, 5.0)
    assert (subject.quota.met, subject.quota.total, subject.reviews) == (0, 2, 1)
    # The other class's teacher owes 陈静's family; the principal teaches no class.
    assert (rows[world.other_class_teacher].quota.total, rows[world.principal].quota.total) == (
        1, 0,
    )  # fmt: skip
    # Only school A's teachers.
    assert world.other_school_teacher not in rows


def test_the_quota_is_the_engines_for_each_semester(world, ctx):
    _build(world)
    rows = _rows(world)
    period = rules.period_for(world.school_a, TODAY)
    for teacher_id, coverage in rules.teacher_coverage(period).items():
        share = coverage.shares["teacher"]
        assert (rows[teacher_id].quota.met, rows[teacher_id].quota.total) == (
            share.met, share.total,
        )  # fmt: skip


def test_a_semester_not_begun_has_no_share_and_its_holiday_counts(world, ctx):
    year = db.session.scalars(
        select(SchoolYear).where(SchoolYear.school_id == world.school_a)
    ).one()
    db.session.add(Semester(school_year_id=year.id, school_id=world.school_a, number=2,
                            starts_on=date(2027, 2, 20), ends_on=date(2027, 7, 3)))  # fmt: skip
    db.session.commit()
    _build(world)
    window = teacher_year.year_window(world.school_a, year, TODAY)
    assert (window.since, window.until) == (date(2026, 7, 1), date(2027, 7, 3))
    head = _rows(world)[world.head_teacher]
    assert head.semesters[1] is None and head.semesters[0].total == 2


def test_the_schools_counting_choice_is_followed(world, ctx):
    _build(world)
    db.session.add(CountingSetting(school_id=world.school_a, late_entry_days=14,
                                   figures_count=FiguresCount.REVIEWED_ONLY))  # fmt: skip
    db.session.commit()
    head = _rows(world)[world.head_teacher]
    # Nothing is reviewed: no contact counts, no family met; 10 days is not late under 14.
    assert (head.total_contacts, head.quota.met, head.late_entries) == (0, 0, 0)
    call = db.session.get(Contact, world.contact)
    services.review_contact(_user(world, "principal"), call, True, "")
    db.session.commit()
    head = _rows(world)[world.head_teacher]
    assert head.contacts == {ContactForm.PHONE: 1} and call.status is ContactStatus.REVIEWED


def test_kept_figures_move_with_a_new_record(world, ctx):
    _build(world)
    assert _rows(world)[world.head_teacher].total_contacts == 3
    _rows(world)  # served from what was kept
    f.ContactFactory(recorded_by=_user(world, "head_teacher"), school_id=world.school_a,
                     family_id=db.session.get(Student, world.student).family_id,
                     contact_on=date(2026, 11, 20))  # fmt: skip
    db.session.commit()
    assert _rows(world)[world.head_teacher].total_contacts == 4
    # Reviews are read on each view (the generations do not watch them).
    db.session.add(AcademicReview(school_id=world.school_a, class_id=world.class_a1,
                                  student_id=world.other_student, teacher_id=world.head_teacher,
                                  semester_id=world.semester_a, text="进步明显。"))  # fmt: skip
    db.session.commit()
    assert _rows(world)[world.head_teacher].reviews == 1


# ---- the page --------------------------------------------------------------------------------------


def _names(page: str, names=("安老师", "李老师", "曾校长", "张老师")) -> list[str]:
    body = page[page.find("<tbody") :]  # the signed-in principal's name is in the header too
    return sorted((n for n in names if n in body), key=body.index)


def test_the_page_lists_teachers_in_chinese_order_and_sorts_each_column(client, login, world, ctx):
    _build(world)
    login(world.principal_name)
    r = client.get(f"/schools/{world.school_a}/teacher-year")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "2026—2027学年" in page and "教师学年统计" in page
    assert _names(page) == ["安老师", "李老师", "曾校长", "张老师"]  # pinyin, not code points
    assert "3.5" in page and "50%" in page and "1/4" in page  # rating, quota, late entries
    base = f"/schools/{world.school_a}/teacher-year"
    by_contacts = client.get(f"{base}?sort=contacts").get_data(as_text=True)
    assert _names(by_contacts)[:2] == ["张老师", "李老师"]  # 3 then 1, ties in name order
    assert 'aria-sort="descending"' in by_contacts
    by_rating = client.get(f"{base}?sort=rating&dir=asc").get_data(as_text=True)
    assert _names(by_rating) == ["张老师", "李老师", "安老师", "曾校长"]  # no rating: last
    by_name_desc = client.get(f"{base}?sort=name&dir=desc").get_data(as_text=True)
    assert _names(by_name_desc) == ["张老师", "曾校长", "李老师", "安老师"]
    for key in teacher_year.SORTS:
        assert client.get(f"{base}?sort={key}").status_code == 200


def test_search_finds_a_teacher_and_says_when_none_matches(client, login, world, ctx):
    _build(world)
    login(world.principal_name)
    base = f"/schools/{world.school_a}/teacher-year"
    page = client.get(f"{base}?q=李").get_data(as_text=True)
    assert _names(page) == ["李老师"]
    fragment = client.get(f"{base}?q=李", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "李老师" in fragment and "<html" not in fragment
    assert "没有符合条件的教师" in client.get(f"{base}?q=无此人").get_data(as_text=True)


def test_the_district_sees_the_figures_of_its_schools(client, login, world, ctx):
    _build(world)
    login(world.district_supervisor_name)
    page = client.get(f"/schools/{world.school_a}/teacher-year").get_data(as_text=True)
    assert "张老师" in page and "3.5" in page
    assert client.get(f"/schools/{world.school_c}/teacher-year").status_code == 404


@pytest.mark.parametrize(
    "query, status",
    [
        ("year=abc", 200), ("year=", 200), ("year=-3", 200), ("year=99999999999999", 200),
        ("year=987654", 404), ("sort=drop%20table&dir=sideways", 200), ("page=-1", 200),
        ("page=abc", 200), ("q=%00%25_", 200), ("q=" + "长" * 300, 200),
    ],
)  # fmt: skip
def test_bad_input_is_ignored_or_404_never_500(client, login, world, query, status):
    login(world.principal_name)
    assert client.get(f"/schools/{world.school_a}/teacher-year?{query}").status_code == status
    xlsx = client.get(f"/schools/{world.school_a}/teacher-year.xlsx?{query}")
    assert xlsx.status_code == status


def test_another_schools_year_is_404(client, login, world, ctx):
    other_year = db.session.scalars(
        select(SchoolYear.id).where(SchoolYear.school_id == world.school_b)
    ).one()
    login(world.principal_name)
    for path in ("teacher-year", "teacher-year.xlsx"):
        url = f"/schools/{world.school_a}/{path}?year={other_year}"
        assert client.get(url).status_code == 404


def test_a_past_year_can_be_chosen(client, login, world, ctx):
    _build(world)
    past = SchoolYear(school_id=world.school_a, name="2025—2026学年", starts_on=date(2025, 9, 1),
                      ends_on=date(2026, 7, 3))  # fmt: skip
    db.session.add(past)
    db.session.flush()
    db.session.add(Semester(school_year_id=past.id, school_id=world.school_a, number=2,
                            starts_on=date(2026, 2, 20), ends_on=date(2026, 7, 3)))  # fmt: skip
    db.session.commit()
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/teacher-year?year={past.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and f'value="{past.id}" selected' in text
    # Last June's door visit is that year's; the year's own figures are not in it.
    assert "3.5" not in text
    # Chosen in place (htmx swaps the table), the export names the year shown.
    fragment = client.get(
        f"/schools/{world.school_a}/teacher-year?year={past.id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert f"teacher-year.xlsx?year={past.id}" in fragment
    years = teacher_year.school_years(world.school_a)
    window = teacher_year.year_window(world.school_a, past, TODAY)
    rows = {r.teacher_id: r for r in teacher_year.teacher_year(world.school_a, window, TODAY)}
    assert rows[world.head_teacher].home_visits == 1 and len(years) == 2


def test_empty_states(client, login, world, ctx):
    school = f.SchoolFactory(district=db.session.get(School, world.school_a).district)
    db.session.commit()
    # A school without years (its leader: the district sees any school of the district).
    login(world.district_supervisor_name)
    page = client.get(f"/schools/{school.id}/teacher-year").get_data(as_text=True)
    assert "学校还没有设置学年" in page
    assert client.get(f"/schools/{school.id}/teacher-year.xlsx").status_code == 404
    # A year without teachers.
    f.SemesterFactory(school_year=f.SchoolYearFactory(school=school))
    db.session.commit()
    page = client.get(f"/schools/{school.id}/teacher-year").get_data(as_text=True)
    assert "本学年还没有教师的统计" in page


def test_the_links_from_the_schools_pages(client, login, world):
    login(world.principal_name)
    url = f"/schools/{world.school_a}/teacher-year"
    assert url in client.get(f"/schools/{world.school_a}").get_data(as_text=True)
    assert url in client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)


# ---- the export ------------------------------------------------------------------------------------


def test_the_export_holds_every_teacher_in_name_order_and_is_audited(client, login, world, ctx):
    _build(world)
    login(world.principal_name)
    r = client.get(f"/schools/{world.school_a}/teacher-year.xlsx?sort=contacts&q=李")
    assert r.status_code == 200
    assert r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "南湖区实验小学 2026—2027学年"
    headers = rows[1]
    assert headers[:3] == ("教师", "联系合计", "上门家访")
    data = {row[0]: dict(zip(headers, row, strict=True)) for row in rows[2:]}
    assert list(data) == ["安老师", "李老师", "曾校长", "张老师"]
    head = data["张老师"]
    assert (head["联系合计"], head["上门家访"], head["电话家访"]) == (3, 1, 2)
    assert (head["应联系家庭（学期合计）"], head["已达标"], head["完成率（%）"]) == (2, 1, 50.0)
    assert (head["补录"], head["被退回"], head["家长评价平均分"], head["逾期回访"]) == (
        1,
        1,
        3.5,
        1,
    )
    assert data["李老师"]["学业述评"] == 1
    entry = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "reports.teacher_year.export")
    ).one()
    assert entry.school_id == world.school_a and entry.detail["rows"] == 4
