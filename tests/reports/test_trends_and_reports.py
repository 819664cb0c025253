"""The trend by week beside the previous semester (issue 18 item 3) against a hand count on a
hand-built world, its chart, table and .xlsx; the school's and the district's semester reports
as PDF (item 6): what they say, who may have them, and the audit entry of each download."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import pypdf
from openpyxl import load_workbook
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.cases.models import Case
from gridapp.contacts.models import (
    Contact,
    ContactEvaluation,
    ContactForm,
    ContactStatus,
    CountingSetting,
    FiguresCount,
)
from gridapp.core.audit import AuditEntry
from gridapp.people.models import Student
from gridapp.reports import charts, trends
from gridapp.schools.models import School

from .. import factories as f

HOME, PHONE = ContactForm.HOME_VISIT, ContactForm.PHONE


def _contact(ctx, world, on, form, *, status=ContactStatus.SUBMITTED, school="a"):
    """A contact of school A (the head teacher with 王小明's family) or B (its teacher with
    王小红's family) on `on`."""
    if school == "a":
        teacher, student, school_id = world.head_teacher, world.student, world.school_a
    else:
        teacher, student, school_id = world.other_school_teacher, world.sibling, world.school_b
    t = ctx.get(User, teacher)
    return f.ContactFactory(
        recorded_by=t, school_id=school_id, family_id=ctx.get(Student, student).family_id,
        teachers=[t], contact_on=on, form=form, status=status,
    )  # fmt: skip


def _hand_built(ctx, world):
    """The world's one contact of school A (a phone call on 2026-10-10, week 6), and by hand:
    school A's current semester (2026-09-01, a Tuesday, to 2027-01-23; today 2026-11-23 is in
    week 13) and its previous one (2026-02-23, a Monday, to 2026-07-03: 19 weeks)."""
    school = ctx.get(School, world.school_a)
    year = f.SchoolYearFactory(
        school=school, name="2025—2026学年", starts_on=date(2025, 9, 1), ends_on=date(2026, 7, 10)
    )
    f.SemesterFactory(
        school_year=year, number=2, starts_on=date(2026, 2, 23), ends_on=date(2026, 7, 3)
    )
    # This semester.
    _contact(ctx, world, date(2026, 9, 1), HOME)  # week 1 (its first day)
    _contact(ctx, world, date(2026, 9, 6), HOME)  # week 1 (the Sunday)
    _contact(ctx, world, date(2026, 9, 7), PHONE)  # week 2 (the Monday)
    _contact(ctx, world, date(2026, 9, 8), HOME, status=ContactStatus.WITHDRAWN)  # no count
    _contact(ctx, world, date(2026, 9, 9), HOME, status=ContactStatus.RETURNED)  # no count
    _contact(ctx, world, date(2026, 11, 23), HOME)  # week 13, today
    _contact(ctx, world, date(2026, 8, 31), HOME)  # the holiday before: in no week
    _contact(ctx, world, date(2026, 9, 2), HOME, school="b")  # school B's
    # The previous semester.
    _contact(ctx, world, date(2026, 2, 23), HOME)  # week 1 (its first day, a Monday)
    _contact(ctx, world, date(2026, 3, 1), PHONE)  # week 1 (the Sunday)
    _contact(ctx, world, date(2026, 3, 2), HOME)  # week 2
    _contact(ctx, world, date(2026, 7, 3), HOME)  # week 19, its last day
    _contact(ctx, world, date(2026, 7, 4), HOME)  # after it: in no week
    ctx.commit()


def _weeks(trend):
    return {
        r.week: (r.contacts, r.home_visits, r.previous_contacts, r.previous_home_visits)
        for r in trend.weeks
    }


def test_a_schools_weeks_equal_a_hand_count(ctx, world):
    _hand_built(ctx, world)
    trend = trends.school_trend(world.school_a, date(2026, 11, 23))
    assert trend.current_week == 13 and trend.running
    assert trend.semester_name == "2026—2027学年第一学期"
    assert trend.previous_name == "2025—2026学年第二学期"
    weeks = _weeks(trend)
    # 2026-09-01 to 2027-01-23 touches 21 weeks; the previous semester 19.
    assert len(weeks) == 21
    assert weeks[1] == (2, 2, 2, 1)
    assert weeks[2] == (1, 0, 1, 1)
    assert weeks[6] == (1, 0, 0, 0)  # the world's phone call of 2026-10-10
    assert weeks[13] == (1, 1, 0, 0)
    assert weeks[19] == (None, None, 1, 1)  # not begun this semester; the previous' last week
    assert weeks[20] == (None, None, None, None)  # the previous semester had 19 weeks
    for k in (3, 4, 5, 7, 8, 9, 10, 11, 12):
        assert weeks[k] == (0, 0, 0, 0)
    assert trend.totals == (5, 3, 3, 2)  # weeks 1–13: the previous week 19 is beyond
    first = trend.weeks[0]
    assert first.starts_on == date(2026, 9, 1) and first.previous_starts_on == date(2026, 2, 23)
    assert trend.weeks[1].starts_on == date(2026, 9, 7)


def test_the_district_adds_its_schools_weeks(ctx, world):
    _hand_built(ctx, world)
    trend = trends.district_trend([world.school_a, world.school_b], date(2026, 11, 23))
    weeks = _weeks(trend)
    assert trend.schools == 2
    assert weeks[1] == (3, 3, 2, 1)  # school B's visit of 2026-09-02 too; it has no previous
    assert weeks[2] == (1, 0, 1, 1)
    assert trend.totals == (6, 4, 3, 2)


def test_a_school_counting_reviewed_records_only_counts_only_those(ctx, world):
    _hand_built(ctx, world)
    ctx.add(CountingSetting(school_id=world.school_a, figures_count=FiguresCount.REVIEWED_ONLY))
    ctx.commit()
    trend = trends.school_trend(world.school_a, date(2026, 11, 23))
    assert trend.totals == (0, 0, 0, 0)
    _contact(ctx, world, date(2026, 9, 3), HOME, status=ContactStatus.REVIEWED)
    ctx.commit()
    assert _weeks(trends.school_trend(world.school_a, date(2026, 11, 23)))[1] == (1, 1, 0, 0)


def _svg(src: str) -> str:
    return base64.b64decode(src.split(",", 1)[1]).decode("utf-8")


def test_the_school_page_draws_the_trend_beside_its_table_and_exports_it(client, login, ctx, world):
    _hand_built(ctx, world)
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    assert "每周趋势" in page and "每周数字（表格）" in page
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="([^"]+)"', page)
    lines = [(src, alt) for src, alt in images if "按周折线图" in alt]
    assert len(lines) == 2  # contacts, door visits
    svg = _svg(lines[0][0])
    assert "本学期" in svg and "上学期" in svg and "<script" not in svg
    assert "本学期第 1–13 周共 5 次，上学期同期 3 次" in lines[0][1]
    assert "第 1–13 周：联系 5 次、上门家访 3 次（上学期同期：联系 3 次、上门家访 2 次）" in page
    # The download of the semester report is offered to the school's leaders.
    assert f"/schools/{world.school_a}/report.pdf" in page and "下载学期报告 (PDF)" in page
    book = load_workbook(io.BytesIO(client.get(
        f"/schools/{world.school_a}/coverage?format=xlsx").data))  # fmt: skip
    assert book.sheetnames == ["班级排名", "教师联系家庭情况", "每周趋势"]
    rows = list(book["每周趋势"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:4] == (1, rows[0][1], 2, 2) and rows[0][5:] == (2, 1)
    assert rows[0][1].date() == date(2026, 9, 1)  # a date, not text
    assert rows[18][2] is None and rows[18][5:] == (1, 1)  # week 19


def test_the_district_page_shows_the_trend_and_exports_it(client, login, ctx, world):
    _hand_built(ctx, world)
    login(world.district_supervisor_name)
    page = client.get("/district/coverage").get_data(as_text=True)
    assert "第 1–13 周：联系 6 次、上门家访 4 次" in page
    assert "/district/report.pdf" in page
    book = load_workbook(io.BytesIO(client.get("/district/coverage?format=xlsx").data))
    assert book.sheetnames == ["各校家访排名", "每周趋势"]
    first = next(book["每周趋势"].iter_rows(min_row=3, values_only=True))
    assert first[0] == 1 and first[2:4] == (3, 3)


def test_a_line_chart_with_nothing_to_show_is_none(app):
    with app.app_context():
        assert charts.weekly_lines("空", ["第1周"], [("本学期", [None])], alt="空") is None
        c = charts.weekly_lines("每周", ["第1周", "第2周"], [("本学期", [1, None])], alt="x")
        assert c is not None and c.src.startswith("data:image/svg+xml;base64,")


def _pdf_text(r) -> str:
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(r.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _figures_world(ctx, world):
    """The hand-built contacts, an overdue open case (the world's relayed one, due 2026-11-01)
    and a parent's two-star evaluation of the door visit of 2026-09-01."""
    _hand_built(ctx, world)
    ctx.get(Case, world.case).due_on = date(2026, 11, 1)
    contact = ctx.scalars(
        select(Contact).where(
            Contact.school_id == world.school_a, Contact.contact_on == date(2026, 9, 1)
        )
    ).one()
    ctx.add(ContactEvaluation(
        contact_id=contact.id, guardian_user_id=world.parent, school_id=world.school_a, rating=2,
        feelings="老师很耐心。", suggestions="",
    ))  # fmt: skip
    ctx.commit()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_school_report_pdf_holds_the_schools_figures(client, login, ctx, world):
    _figures_world(ctx, world)
    login(world.principal_name)
    r = client.get(f"/schools/{world.school_a}/report.pdf")
    assert "attachment" not in r.headers["Content-Disposition"]  # opened in the browser
    text = _flat(_pdf_text(r))
    assert "南湖区实验小学学期报告" in text
    assert "2026—2027学年第一学期" in text
    assert "家访覆盖" in text and "班级排名" in text and "三年级（1）班" in text
    assert "每周趋势" in text and "第19周" in text
    # Cases: one received, open past its deadline: late, so the on-time rate is 0 % of 1.
    assert "本学期收到1" in text and "按期答复率0%（0/1）" in text and "当前逾期未办1" in text
    # The parents' evaluation: one, two stars, low.
    assert "评价1条" in text and "平均2.0星" in text and "低分（2星及以下）1" in text
    # Figures only: no family is named (the watermark names the exporter, whose random name
    # may be a family's: it is left out of the search).
    text = text.replace(ctx.get(User, world.principal).name, "")
    for name in ("王小明", "张伟", "李芳", "老师很耐心"):
        assert name not in text
    entry = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "reports.school_report.export")
    ).one()
    assert entry.school_id == world.school_a


def test_the_school_report_shows_the_coverage_counts(client, login, ctx, world):
    _hand_built(ctx, world)
    login(world.principal_name)
    text = _flat(_pdf_text(client.get(f"/schools/{world.school_a}/report.pdf")))
    # 王小明 and 张伟 in 三年级（1）班, 陈静 in （2）班: the head teacher's remote rule over 3.
    page = client.get(f"/schools/{world.school_a}/coverage").get_data(as_text=True)
    m = re.search(r"班主任电话或网络联系 <small class=\"muted\">(\d+)/(\d+)", page)
    assert m, "the page shows the remote rule's counts"
    assert f"{m.group(1)}/{m.group(2)}" in text


def test_the_district_report_pdf_holds_its_schools_figures_only(client, login, ctx, world):
    _figures_world(ctx, world)
    login(world.district_supervisor_name)
    r = client.get("/district/report.pdf")
    text = _flat(_pdf_text(r))
    assert "南湖区教育局学期报告" in text
    assert "南湖区实验小学" in text and "南湖区第一初级中学" in text
    assert "秀洲区实验小学" not in text  # another district's
    assert "各校排名" in text and "每周趋势（各校合计）" in text
    text = text.replace(ctx.get(User, world.district_supervisor).name, "")  # the watermark's
    for name in ("王小明", "王小红", "张伟", "陈静", "李芳", "老师很耐心"):
        assert name not in text
    assert ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "reports.district_report.export")
    ).one()


def test_the_reports_keep_to_their_readers(client, login, world):
    login(world.district_supervisor_name)  # sees the school's figures, not its leaders' report
    assert client.get(f"/schools/{world.school_a}/report.pdf").status_code == 404
    login(world.head_teacher_name)
    assert client.get(f"/schools/{world.school_a}/report.pdf").status_code == 404
    assert client.get("/district/report.pdf").status_code == 404
    login(world.other_school_admin_name)
    assert client.get(f"/schools/{world.school_a}/report.pdf").status_code == 404
    login(world.principal_name)
    assert client.get(f"/schools/{world.school_a}/report.pdf?semester=999999").status_code == 404


def test_an_open_case_past_its_deadline_counts_late_in_the_semester_report(ctx, world):
    """Answered by the deadline, answered after it, open past it, open before it, and one of
    last semester still open and overdue: on time 1 of 3 judged, 2 open of this semester, 2
    overdue now (whenever received)."""
    from datetime import UTC, datetime, timedelta

    from gridapp.cases.models import CaseCategory, CaseSource, CaseStatus
    from gridapp.reports import semester_report

    ctx.get(Case, world.case).received_at = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # last year
    ctx.get(Case, world.case).due_on = date(2026, 1, 20)  # still open: overdue now
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    for status, replied_after, due_on in (
        (CaseStatus.REPLIED, 10, date(2026, 11, 4)),  # on time
        (CaseStatus.REPLIED, 80, date(2026, 11, 4)),  # late
        (CaseStatus.ASSIGNED, None, date(2026, 11, 20)),  # open past its deadline: late
        (CaseStatus.ASSIGNED, None, date(2026, 11, 30)),  # open, not due yet: not judged
    ):
        ctx.add(Case(
            school_id=world.school_a, source=CaseSource.MAILBOX, category=CaseCategory.CANTEEN,
            status=status, words="午餐分量不足", created_at=start, received_at=start,
            replied_at=start + timedelta(hours=replied_after) if replied_after else None,
            due_on=due_on,
        ))  # fmt: skip
    ctx.flush()
    wins = semester_report.windows([world.school_a], date(2026, 11, 23))
    assert wins[world.school_a].semester.starts_on == date(2026, 9, 1)
    got = semester_report.case_figures(wins, date(2026, 11, 23))[world.school_a]
    assert (got.received, got.on_time, got.late, got.open, got.overdue_now) == (4, 1, 2, 2, 2)
    assert got.judged == 3 and got.on_time_percent == "33%"
    assert semester_report.CaseFigures().on_time_percent == "—"
    ctx.rollback()
