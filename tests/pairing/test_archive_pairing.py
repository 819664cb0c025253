"""The pairing in the student's archive and PDF dossier (issue 16 item 7): its start and end,
the plan versions and the support log, shown only to those who may see the pairing (the paired
teacher, the head teacher, the school's leaders), never to a subject teacher or a parent; every
view and export in the audit log."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts.models import ContactForm
from gridapp.core.audit import AuditEntry
from gridapp.core.models import utcnow
from gridapp.core.time import today
from gridapp.pairing import services
from gridapp.pairing.models import HelpKind, SupportLogEntry, SupportPlanVersion
from gridapp.people.models import Student
from gridapp.schools.models import School

from .. import factories as f

PLAN = "父母在外务工，由祖母照看，数学基础薄弱"
DONE = "周三放学后辅导分数运算"


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _paired(ctx, world):
    """`student` paired with a new Party-member teacher (not one of A1's teachers), an earlier
    pairing ended, a plan version and a log entry; committed."""
    principal = ctx.get(User, world.principal)
    party = f.teacher(ctx.get(School, world.school_a), name="党员乙", username="party_b",
                      is_party_member=True)  # fmt: skip
    [p] = services.pair(principal, world.school_a, party.id, [world.student], date(2026, 10, 8),
                        today(), reason="留守儿童，学习吃力")  # fmt: skip
    ctx.add(SupportPlanVersion(
        pairing_id=p.id, version=1, situation=PLAN,
        goals={HelpKind.STUDY.value: "期末数学及格", HelpKind.LIFE.value: "按时吃早饭"},
        actions=[{"kind": "study", "what": "每周辅导一次", "due_on": "2026-12-01"}],
        review_on=date(2027, 1, 10), written_by_id=party.id, written_at=utcnow(),
    ))  # fmt: skip
    ctx.add(SupportLogEntry(pairing_id=p.id, happened_on=date(2026, 11, 18), kind=HelpKind.STUDY,
                            done=DONE, outcome="能独立完成通分", next_step="练习应用题",
                            written_by_id=party.id, client_token="archive-1"))  # fmt: skip
    # A follow-up door visit (回访): a contact, in the dossier's support log too.
    f.ContactFactory(recorded_by=party, school_id=world.school_a, contact_on=date(2026, 11, 20),
                     family_id=ctx.get(Student, world.student).family_id,
                     form=ContactForm.HOME_VISIT, guidance_given="与祖母商量作息表")  # fmt: skip
    ctx.commit()
    return p


def _pairing_views(ctx, user_id):
    return [
        e
        for e in ctx.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "student.archive.view", AuditEntry.actor_id == user_id
            )
        )
        if e.detail.get("pairing")
    ]


def test_head_teacher_leaders_and_the_paired_teacher_see_the_entries_audited(
    client, ctx, world, login
):
    _paired(ctx, world)
    url = f"/students/{world.student}/archive?tab=timeline"
    for who, user_id in (
        (world.head_teacher_name, world.head_teacher),
        (world.principal_name, world.principal),
        ("party_b", ctx.scalar(select(User.id).where(User.username == "party_b"))),
    ):
        login(who)
        page = client.get(url).get_data(as_text=True)
        for text in ("结对帮扶开始 · 党员乙", "帮扶方案第 1 版", DONE, "下一步：练习应用题"):
            assert text in page, (who, text)
        assert len(_pairing_views(ctx, user_id)) == 1, who
        # The kind filter (htmx) is a view too.
        r = client.get(
            f"/students/{world.student}/archive?tab=timeline&kind=pairing",
            headers={"HX-Request": "true"},
        )
        fragment = r.get_data(as_text=True)
        assert DONE in fragment and "孩子说午饭不够吃。" not in fragment
        assert len(_pairing_views(ctx, user_id)) == 2, who
        client.post("/logout")


def test_a_subject_teacher_sees_no_pairing_entries(client, ctx, world, login):
    _paired(ctx, world)
    login(world.subject_teacher_name)
    page = client.get(f"/students/{world.student}/archive?tab=timeline").get_data(as_text=True)
    assert "孩子说午饭不够吃。" in page  # the rest of the timeline is there
    # (A Party-member subject teacher has the nav item "我的结对"; the entries must not show.)
    for text in ("结对帮扶", "党员乙", PLAN, DONE):
        assert text not in page, text
    page = client.get(f"/students/{world.student}/archive?kind=pairing").get_data(as_text=True)
    assert DONE not in page
    assert _pairing_views(ctx, world.subject_teacher) == []
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sections=pairing").data)
    assert "已略去" in text and "党员乙" not in text and DONE not in text
    client.post("/logout")
    login(world.parent_name)
    assert client.get(f"/students/{world.student}/archive").status_code == 404


def test_the_dossier_section_for_the_head_teacher(client, ctx, world, login):
    _paired(ctx, world)
    login(world.head_teacher_name)
    page = client.get(f"/students/{world.student}/archive").get_data(as_text=True)
    assert 'value="pairing"' in page  # the section is offered
    r = client.get(f"/students/{world.student}/dossier.pdf?sections=pairing&sections=timeline")
    text = _text(r.data).replace("\n", "")
    for expected in ("结对帮扶", "结对教师：党员乙", PLAN, "期末数学及格", "每周辅导一次", DONE,
                     "效果：能独立完成通分", "回访 · 上门家访 · 党员乙", "与祖母商量作息表"):  # fmt: skip
        assert expected in text, expected
    # The log is in its section, not repeated in the timeline.
    assert text.count(DONE) == 1
    export = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.dossier.export")
    ).all()[-1]
    assert export.detail["pairing"] is True
    # Without the section the timeline holds the pairing's entries: that export says so too.
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sections=timeline").data)
    assert DONE in text.replace("\n", "")
    export = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.dossier.export")
    ).all()[-1]
    assert export.detail["pairing"] is True
    client.post("/logout")
    login(world.subject_teacher_name)
    page = client.get(f"/students/{world.student}/archive").get_data(as_text=True)
    assert 'value="pairing"' not in page


def test_a_class_export_keeps_the_rule(client, ctx, world, login):
    """The background job renders each dossier with the requester's rights."""
    _paired(ctx, world)
    for who, shown in ((world.subject_teacher_name, False), (world.head_teacher_name, True)):
        login(who)
        r = client.post(f"/classes/{world.class_a1}/dossiers", data={"format": "pdf"})
        text = _text(client.get(r.headers["Location"] + "/file").data).replace("\n", "")
        assert (DONE in text) is shown and (PLAN in text) is shown, who
        client.post("/logout")
