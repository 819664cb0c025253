"""The principal's semester summary of all pairings (issue 16 item 6), as a page and a PDF: each
Party-member teacher, their students, the plan, entries and door visits this semester, what is
overdue; for the school's leaders only (it names students), every view and export audited."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.core.time import today
from gridapp.pairing import services
from gridapp.reports import pairing_figures
from gridapp.schools.models import School

from .. import factories as f
from .hand_count import build


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_summary_rows_against_a_hand_count(ctx, world):
    made = build(ctx, world)
    idle = f.teacher(ctx.get(School, world.school_a), name="党员丙", is_party_member=True)
    ctx.flush()
    summary = pairing_figures.semester_summary(world.school_a, today())
    by_teacher = {t.teacher.id: t for t in summary.teachers}
    assert by_teacher[idle.id].rows == []  # a Party-member teacher without a pairing is listed
    one = by_teacher[world.subject_teacher]
    [row] = one.rows
    # p1: plan v1 reviewed on 1 November (overdue), 2 log entries + 2 follow-ups this semester,
    # one of them the door visit of 2 November; the log is recent, the focus visit done.
    assert (row.plan_version, row.review_on, row.entries, row.visits, row.overdue) == (
        1, date(2026, 11, 1), 4, 1, ["plan"],
    )  # fmt: skip
    two = by_teacher[made["party2"].id]
    # p3 (s3: new, nothing overdue yet), p5 (no plan since 1 Oct, no entry in 31 days), the
    # ended pairing with `other` (ended in the semester: listed, owes nothing).
    rows = {r.pairing.id: r for r in two.rows}
    assert set(rows) == {made["p3"].id, made["p5"].id, made["old"].id}
    assert rows[made["p3"].id].overdue == [] and rows[made["p3"].id].entries == 1
    assert rows[made["p5"].id].overdue == ["log", "plan"]
    assert rows[made["old"].id].overdue == [] and rows[made["old"].id].entries == 1
    assert (two.active, two.overdue) == (2, 2)
    assert summary.coverage.based_on == "2 / 4"


def test_pairings_ended_before_the_semester_are_left_out(ctx, world):
    made = build(ctx, world)
    principal = made["p1"].created_by
    [early] = services.pair(principal, world.school_a, made["party2"].id, [world.student_a2],
                            date(2026, 6, 1), today())  # fmt: skip
    services.end_pairing(principal, early, date(2026, 6, 30), "学期结束", today())
    summary = pairing_figures.semester_summary(world.school_a, today())
    ids = {r.pairing.id for t in summary.teachers for r in t.rows}
    assert early.id not in ids and made["p1"].id in ids


def test_page_and_pdf_for_the_principal_audited(client, ctx, world, login):
    build(ctx, world)
    ctx.commit()
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/pairing/summary").get_data(as_text=True)
    expected = ("王小明", "赵三", "孙五", "党员乙", "第 1 版", "方案逾期", "记录逾期", "已结束")
    for text in expected:
        assert text in page, text
    r = client.get(f"/schools/{world.school_a}/pairing/summary.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    text = _text(r.data).replace("\n", "")
    for name in ("王小明", "赵三", "孙五", "党员乙", "结对帮扶学期汇总"):
        assert name in text, name
    actions = ctx.scalars(
        select(AuditEntry.action).where(AuditEntry.school_id == world.school_a)
    ).all()
    assert "pairing.summary.view" in actions and "pairing.summary.export" in actions


def test_nobody_else_sees_the_summary(client, ctx, world, login):
    build(ctx, world)
    ctx.commit()
    for who in ("head_teacher", "subject_teacher", "district_supervisor", "other_school_admin"):
        login(getattr(world, f"{who}_name"))
        assert client.get(f"/schools/{world.school_a}/pairing/summary").status_code == 404
        assert client.get(f"/schools/{world.school_a}/pairing/summary.pdf").status_code == 404
        client.post("/logout")
