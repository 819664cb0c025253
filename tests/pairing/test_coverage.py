"""Pairing coverage (issue 16 item 6): students in need, paired, the share paired with what it is
based on, support entries this semester per pairing and overdue plans, per class, school and
district, against a hand count; the district sees figures only, never names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import event, update

from gridapp.core.time import SHANGHAI, today
from gridapp.extensions import db
from gridapp.pairing import due
from gridapp.people.models import Student, StudentStatus
from gridapp.reports import pairing_figures
from gridapp.reports.pairing_figures import PairingFigures
from gridapp.schools.models import Semester

from .hand_count import build, focus


def _figures(r: PairingFigures):
    return (r.in_need, r.paired, r.percent, r.based_on, r.pairings, r.entries,
            r.entries_per_pairing, r.overdue_plans)  # fmt: skip


def test_figures_against_a_hand_count(ctx, world):
    made = build(ctx, world)
    cov = pairing_figures.pairing_coverage([world.school_a, world.school_b], today())
    # A1: in need student, other, s3 (s4 removed, the transferred one left) = 3; paired student,
    # s3 = 2; pairings p1, p3, p5 = 3; entries 2 + 2 follow-ups (p1) + 1 (p3) = 5; plans overdue
    # p1 (review 1 Nov) and p5 (none by 15 Oct) = 2.
    assert _figures(cov.classes[world.class_a1]) == (3, 2, "66%", "2 / 3", 3, 5, "1.7", 2)
    assert _figures(cov.classes[world.class_a2]) == (1, 0, "0%", "0 / 1", 0, 0, "—", 0)
    assert _figures(cov.schools[world.school_a]) == (4, 2, "50%", "2 / 4", 3, 5, "1.7", 2)
    # B: sibling and b2 in need, b2 paired (no plan since 1 Oct: overdue).
    assert _figures(cov.schools[world.school_b]) == (2, 1, "50%", "1 / 2", 1, 0, "0.0", 1)
    assert _figures(cov.total) == (6, 3, "50%", "3 / 6", 4, 5, "1.2", 3)
    # The overdue plans are due_for's (one definition).
    p = made["p1"]
    owed = due.due_for([made["p1"], made["p3"], made["p5"]], today())
    assert sum(d.plan_overdue for d in owed.values()) == 2 and owed[p.id].plan_overdue


def test_nobody_in_need_shows_a_dash_not_a_share(ctx, world):
    cov = pairing_figures.pairing_coverage([world.school_b], today())
    r = cov.schools[world.school_b]
    assert (r.percent, r.share, r.entries_per_pairing) == ("—", None, "—")
    # Only full coverage shows 100 %: 449 of 450 is 99 %.
    assert PairingFigures(in_need=450, paired=449).percent == "99%"
    assert PairingFigures(in_need=3, paired=3).percent == "100%"


def test_a_fixed_number_of_queries(app, ctx, world):
    build(ctx, world)
    counted = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            counted[-1] += 1

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for ids in ([world.school_a], [world.school_a, world.school_b, world.school_c]):
            counted.append(0)
            pairing_figures.pairing_coverage(ids, today())
            db.session.expire_all()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counted[0] == counted[1] <= 8


def test_school_page_for_leaders_drills_down_to_names(client, ctx, world, login):
    build(ctx, world)
    ctx.commit()
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/pairing/coverage").get_data(as_text=True)
    assert "2 / 3" in page and "66%" in page and "2 / 4" in page
    drill = f"/schools/{world.school_a}/pairing/coverage/classes/{world.class_a1}"
    assert drill in page
    names = client.get(drill).get_data(as_text=True)
    assert "张伟" in names and "王小明" not in names and "赵三" not in names  # unpaired only
    # A class of another school under this school's URL: 404.
    assert (
        client.get(
            f"/schools/{world.school_a}/pairing/coverage/classes/{world.class_b1}"
        ).status_code
        == 404
    )


def test_the_district_sees_figures_never_names(client, ctx, world, login):
    build(ctx, world)
    ctx.commit()
    login(world.district_supervisor_name)
    page = client.get(f"/schools/{world.school_a}/pairing/coverage").get_data(as_text=True)
    assert "2 / 4" in page
    for name in ("王小明", "张伟", "赵三", "陈静", "党员乙"):
        assert name not in page
    assert "/coverage/classes/" not in page
    drill = f"/schools/{world.school_a}/pairing/coverage/classes/{world.class_a1}"
    assert client.get(drill).status_code == 404
    assert client.get(f"/schools/{world.school_a}/pairing/summary").status_code == 404
    district = client.get("/district/pairing").get_data(as_text=True)
    # A and B both pair half of their students in need: equal shares rank equal.
    rows = district.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 2 and all('<td class="num rank">1</td>' in r for r in rows)
    assert "3 / 6" in district and "秀洲区实验小学" not in district
    for name in ("王小明", "张伟", "赵三"):
        assert name not in district


def test_a_school_without_anyone_in_need_ranks_last_without_a_rank(client, ctx, world, login):
    ctx.execute(update(Student).values(status=StudentStatus.LEFT).where(
        Student.school_id == world.school_b))  # fmt: skip
    focus(ctx.get(Student, world.student))
    ctx.commit()
    login(world.district_admin_name)
    page = client.get("/district/pairing").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    first, second = body.split("<tr>")[1:3]
    assert "南湖区实验小学" in first and "0%" in first and '<td class="num rank">1</td>' in first
    assert "南湖区第一初级中学" in second and '<td class="num rank">—</td>' in second


def test_entries_follow_each_schools_current_semester(ctx, world, time_machine):
    made = build(ctx, world)
    # In the second semester (from 23 February 2027) the autumn's entries no longer count.
    year = ctx.get(Semester, world.semester_a).school_year
    ctx.add(Semester(school_year=year, school_id=world.school_a, number=2,
                     starts_on=date(2027, 2, 23), ends_on=date(2027, 7, 3)))  # fmt: skip
    ctx.flush()
    time_machine.move_to(datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI))
    cov = pairing_figures.pairing_coverage([world.school_a, world.school_b], today())
    assert cov.schools[world.school_a].entries == 0
    assert cov.semesters[world.school_a].number == 2
    assert cov.semesters[world.school_b].number == 1
    assert made["p1"].id


def test_shares_that_show_alike_rank_alike():
    """53 of 59 and 44 of 49 both show 89 %: the district's ranking gives them one rank."""
    from gridapp.contacts import rules

    rows = [PairingFigures(key=1, in_need=49, paired=44), PairingFigures(key=2),
            PairingFigures(key=3, in_need=59, paired=53), PairingFigures(key=4, in_need=2)]  # fmt: skip
    ranking = rules.ranked(rows, key=lambda r: r.whole_percent)
    assert [(rank, r.key) for rank, r in ranking] == [(1, 1), (1, 3), (3, 4), (None, 2)]


def test_current_semesters_agree_with_current_semester(ctx, world):
    """The batch look-up of the figures picks what schools.services.current_semester picks:
    before the first semester, inside one, in the holiday after it, for schools with and
    without a second semester."""
    from gridapp.schools.services import current_semester, current_semesters

    year = ctx.get(Semester, world.semester_a).school_year
    ctx.add(Semester(school_year=year, school_id=world.school_a, number=2,
                     starts_on=date(2027, 2, 23), ends_on=date(2027, 7, 3)))  # fmt: skip
    ctx.flush()
    ids = [world.school_a, world.school_b, world.school_c]
    for on in (date(2026, 8, 1), date(2026, 11, 23), date(2027, 2, 1), date(2027, 3, 1)):
        batch = current_semesters(ids, on)
        assert {s: batch[s].id for s in ids} == {s: current_semester(s, on).id for s in ids}
