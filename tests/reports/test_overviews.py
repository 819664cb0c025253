"""Overviews: the school's grids with their work this semester, and the reply-time figures that
the district's case statistics and the grids overview share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gridapp.cases.models import Case, CaseCategory, CaseSource, CaseStatus
from gridapp.grids.models import Grid
from gridapp.reports import figures


def test_school_overview_shows_grids_activity_and_gaps(client, login, world, ctx):
    login(world.subject_teacher_name)
    from gridapp.people.models import Student

    family = ctx.get(Student, world.student).family_id
    client.post(
        f"/grids/{world.grid}/logs",
        data={
            "family_id": family,
            "kind": "help",
            "happened_on": "2026-11-20",
            "text": "送去学习用品",
        },
    )
    client.post("/logout")
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/grids").get_data(as_text=True)
    assert "第" in page and "网格" in page
    assert "三年级（2）班" in page.split("还没有划分网格的班级")[1].split("</p>")[0]
    row = page.split(ctx.get(Grid, world.grid).name)[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].strip() for c in row.split('<td class="num">')[1:]]
    assert cells[:2] == ["2", "1"]  # two families, one log entry this semester
    assert cells[2:5] == [
        "1",
        "1",
        "1",
    ]  # the world's contact (grid teacher present), activity, opinion


def test_reply_times_are_computed_once_for_schools_and_grids(ctx, world):
    """One case answered in time, one late, one not yet: the same figures by school and by grid."""
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    world_case = ctx.get(Case, world.case)
    world_case.replied_at = None
    for replied_after, due_on in ((10, date(2026, 11, 4)), (80, date(2026, 11, 4)), (None, None)):
        ctx.add(
            Case(
                school_id=world.school_a,
                source=CaseSource.GRID,
                category=CaseCategory.CANTEEN,
                status=CaseStatus.REPLIED if replied_after else CaseStatus.REGISTERED,
                words="午餐分量不足",
                grid_id=world.grid,
                created_at=start,
                received_at=start,
                replied_at=start + timedelta(hours=replied_after) if replied_after else None,
                due_on=due_on,
            )
        )
    ctx.flush()
    by_school = figures.reply_stats(Case.school_id, Case.school_id == world.school_a)
    by_grid = figures.reply_stats(Case.grid_id, Case.grid_id == world.grid)
    for stats in (by_school[world.school_a], by_grid[world.grid]):
        assert (stats.count, stats.replied, stats.on_time) == (4, 2, 1)
        assert stats.average_hours == 45.0
        assert stats.on_time_ratio == 0.5
    assert figures.ReplyStats().average_hours is None  # before the first answer: no figure
    ctx.rollback()
