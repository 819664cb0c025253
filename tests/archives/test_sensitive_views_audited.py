"""Every place that shows a family's grid log or a focus category writes the audit entry
(issue 20 item 3): the archive's timeline tab (page and htmx fragment) and the grid page."""

from __future__ import annotations

from sqlalchemy import func, select

from gridapp.core.audit import AuditEntry
from gridapp.people.models import Student


def _entries(ctx, action: str) -> list[AuditEntry]:
    ctx.expire_all()
    return list(
        ctx.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def _count(ctx) -> int:
    ctx.expire_all()
    return ctx.scalar(select(func.count()).select_from(AuditEntry))


def _log_a_hardship(client, login, world, ctx):
    """The head teacher logs a situation marking a sensitive category (a poor family)."""
    family = ctx.get(Student, world.student).family_id
    login(world.head_teacher_name)
    r = client.post(
        f"/grids/{world.grid}/logs",
        data={
            "family_id": family,
            "kind": "situation",
            "happened_on": "2026-11-20",
            "text": "家庭收入低，父亲长期患病。",
            "focus_student": world.student,
            "focus": "mark:hardship",
        },
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:500]


def test_the_timeline_tab_audits_the_grid_log_and_the_focus_it_shows(client, login, world, ctx):
    _log_a_hardship(client, login, world, ctx)
    url = f"/students/{world.student}/archive?tab=timeline"
    before = len(_entries(ctx, "student.archive.view"))
    page = client.get(url).get_data(as_text=True)
    assert "家庭收入低" in page
    views = _entries(ctx, "student.archive.view")
    assert len(views) == before + 1
    assert views[-1].detail.get("focus") == 1  # the log marking a hardship, unmasked
    # The htmx fragment of the same tab too.
    r = client.get(url, headers={"HX-Request": "true", "HX-Target": "archive-tab"})
    assert r.status_code == 200 and "家庭收入低" in r.get_data(as_text=True)
    assert len(_entries(ctx, "student.archive.view")) == before + 2
    # A subject teacher sees the category masked and no text: nothing to audit for it.
    login(world.subject_teacher_name)
    n = _count(ctx)
    page = client.get(url).get_data(as_text=True)
    assert "家庭收入低" not in page
    new = _entries(ctx, "student.archive.view")[before + 2 :]
    assert _count(ctx) >= n and all(not e.detail.get("focus") for e in new)


def test_the_grid_page_audits_the_logs_it_shows(client, login, world, ctx):
    _log_a_hardship(client, login, world, ctx)
    before = len(_entries(ctx, "grids.logs.view"))
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "家庭收入低" in page
    views = _entries(ctx, "grids.logs.view")
    assert len(views) == before + 1
    entry = views[-1]
    assert entry.detail["grid_logs"] == 1 and entry.detail["families"] == 1
    assert entry.detail["sensitive"] == 1
    assert entry.school_id == world.school_a
    # In words for the audit log's readers.
    from gridapp.reports import audit_words

    assert "grids.logs.view" in audit_words.ACTIONS
    assert "grid_logs" in audit_words.DETAIL_LABELS
