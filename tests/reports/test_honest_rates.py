"""Honest rates (issue 18 item 2): an open case past its deadline counts as late in the on-time
rate, each share shows the count it is based on, and ties rank equal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gridapp.cases.models import Case, CaseCategory, CaseSource, CaseStatus
from gridapp.contacts import rules
from gridapp.reports import figures

TODAY = date(2026, 11, 23)  # the frozen clock's day (tests/conftest.py)


def _case(ctx, school_id, status, due_on, replied_on=None):
    received = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    replied = (
        datetime.combine(replied_on, datetime.min.time(), UTC) + timedelta(hours=2)
        if replied_on
        else None
    )  # 10:00 Shanghai on that day
    ctx.add(
        Case(
            school_id=school_id,
            source=CaseSource.HOTLINE,
            category=CaseCategory.CANTEEN,
            status=status,
            words="午餐分量不足",
            created_at=received,
            received_at=received,
            replied_at=replied,
            due_on=due_on,
        )
    )


def _hand_built(ctx, school_id):
    """3 answered on time, 1 answered late, 2 open past their deadline, 1 open not yet due."""
    due = date(2026, 11, 10)
    for day in (date(2026, 11, 5), date(2026, 11, 9), due):
        _case(ctx, school_id, CaseStatus.REPLIED, due, replied_on=day)
    _case(ctx, school_id, CaseStatus.REPLIED, due, replied_on=date(2026, 11, 12))
    _case(ctx, school_id, CaseStatus.ASSIGNED, date(2026, 11, 20))
    _case(ctx, school_id, CaseStatus.REGISTERED, date(2026, 11, 22))
    _case(ctx, school_id, CaseStatus.SUBMITTED, TODAY)  # due today: not late yet
    ctx.flush()


def test_open_cases_past_their_deadline_count_as_late(ctx, world):
    _hand_built(ctx, world.school_b)
    stats = figures.reply_stats(Case.school_id, Case.school_id == world.school_b, today=TODAY)[
        world.school_b
    ]
    assert (stats.count, stats.replied, stats.on_time, stats.open_overdue) == (7, 4, 3, 2)
    assert (stats.judged, stats.late) == (6, 3)
    assert stats.on_time_ratio == 0.5
    assert stats.on_time_percent == "50%"
    assert stats.based_on == "3 / 6"
    # The day before the second deadline passed, one open case was not yet late.
    earlier = figures.reply_stats(
        Case.school_id, Case.school_id == world.school_b, today=date(2026, 11, 21)
    )[world.school_b]
    assert (earlier.on_time, earlier.judged) == (3, 5)
    ctx.rollback()


def test_no_judged_case_has_no_rate(ctx, world):
    stats = figures.ReplyStats(count=2)
    assert stats.on_time_ratio is None
    assert stats.on_time_percent == "—"


def test_district_cases_page_shows_the_rate_with_its_base(app, client, login, world):
    from gridapp.extensions import db
    from gridapp.schools.models import School

    with app.app_context():
        _hand_built(db.session, world.school_b)
        db.session.commit()
        name = db.session.get(School, world.school_b).name
    login(world.district_supervisor_name)
    page = client.get("/district/cases").get_data(as_text=True)
    row = page.split(f"<td>{name}</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num')[1:]]
    assert cells[0].endswith(">7")  # every case
    assert cells[1].endswith(">3")  # open
    assert cells[2].endswith(">2")  # overdue now
    assert "<b>50%</b>" in cells[4]
    assert "3 / 6" in cells[4]
    assert "100%" not in row


def _row(key, *shares):
    return rules.CoverageRow(
        key=key,
        students=10,
        shares={
            name: rules.Share(met, total)
            for name, (met, total) in zip(rules.SEMESTER_COLUMNS, shares, strict=False)
        },  # fmt: skip
    )


def test_ties_rank_equal_and_the_next_rank_skips():
    rows = [
        _row(1, (9, 10), (7, 10)),  # (0.9 + 0.7) / 2: 0.8 shown as 80%
        _row(2, (4, 5), (8, 10)),  # 0.8: 80% too
        _row(3, (9, 10), (9, 10)),
        _row(4, (1, 2)),
        _row(5),  # no rule applies: unranked, last
    ]
    ranking = [(rank, r.key) for rank, r in rules.ranked(rows)]
    assert ranking == [(1, 3), (2, 1), (2, 2), (4, 4), (None, 5)]
    assert rows[0].score_percent == rows[1].score_percent == "80%"
