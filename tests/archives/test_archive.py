"""The student archive: every part's records in one timeline, sensitive data only for those
entitled (and only when asked), long archives still render."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.people.models import Student, StudentFocus

from .. import factories as f


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _mark(ctx, world, category):
    ctx.add(StudentFocus(student_id=world.student, category=category, since_on=date(2026, 9, 1)))
    ctx.commit()


def test_archive_gathers_every_part_and_filters(client, ctx, world, login):
    login(world.head_teacher_name)
    page = client.get(f"/students/{world.student}/archive?tab=timeline").get_data(as_text=True)
    # The world's contact, relayed opinion, guidance activity (attended: no) and booking.
    assert "家访与联系" in page and "孩子说午饭不够吃。" in page and "孩子的午餐" in page
    r = client.get(f"/students/{world.student}/archive?kind=case", headers={"HX-Request": "true"})
    assert "<html" not in r.get_data(as_text=True) and "孩子说午饭不够吃。" in r.get_data(
        as_text=True
    )
    assert "家访与联系" not in r.get_data(as_text=True).split("</select>")[-1]
    family = client.get(
        f"/students/{world.student}/archive?tab=family", headers={"HX-Request": "true"}
    )
    assert "李芳" in family.get_data(as_text=True) and "<html" not in family.get_data(as_text=True)


def test_parents_and_other_schools_get_404(client, world, login):
    for who in ("parent", "other_school_teacher", "district_supervisor"):
        login(getattr(world, f"{who}_name"))
        assert client.get(f"/students/{world.student}/dossier.pdf").status_code == 404
        assert client.get(f"/students/{world.student}/archive").status_code == 404
        client.post("/logout")


@pytest.mark.slow(6)
def test_a_long_archive_still_renders(client, ctx, world, login):
    student = ctx.get(Student, world.student)
    long_text = "家长反映孩子在家学习时间安排不合理，" * 60
    for i in range(300):
        f.ContactFactory(
            school_id=student.school_id, family_id=student.family_id,
            contact_on=date(2026, 9, 1 + i % 28), family_situation=long_text if i < 5 else "",
            students=[student],
        )  # fmt: skip
    ctx.commit()
    login(world.head_teacher_name)
    r = client.get(f"/students/{world.student}/dossier.pdf?sections=timeline")
    assert r.status_code == 200
    pages = pypdf.PdfReader(io.BytesIO(r.data)).pages
    assert len(pages) > 10
    text = "".join(p.extract_text() for p in pages).replace("\n", "")
    # The long texts are there whole (wrapped over lines and pages, not clipped).
    assert text.count("家长反映孩子在家学习时间安排不合理") >= 5 * 60


def test_sensitive_record_is_apart_masked_audited_and_redacted(client, ctx, world, login):
    login(world.head_teacher_name)
    url = f"/students/{world.student}/sensitive/edit"
    data = {"health": "哮喘，需随身带药", "finances": "低保家庭", "parents_marriage": "父母离异",
            "psychology": "", "id_number": "33040220170501123x"}  # fmt: skip
    for bad in ({"id_number": "123"}, {"health": "长" * 2001}):
        r = client.post(url, data={**data, **bad})
        assert r.status_code == 422 and "哮喘" in r.get_data(as_text=True) or bad.get("health")
    assert client.post(url, data=data).status_code == 303
    page = client.get(f"/students/{world.student}/archive").get_data(as_text=True)
    assert "哮喘" not in page and "显示（记入审计日志）" in page  # masked until revealed
    shown = client.post(f"/students/{world.student}/sensitive").get_data(as_text=True)
    assert "哮喘" in shown and "33040220170501123X" in shown
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sensitive=1").data)
    assert "低保家庭" in text
    actions = [a.action for a in ctx.scalars(select(AuditEntry))]
    assert {"student.sensitive.update", "student.sensitive.view"} <= set(actions)
    update = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.sensitive.update")
    ).first()
    assert "哮喘" not in str(update.detail)  # which fields changed, never their contents
    client.post("/logout")
    login(world.subject_teacher_name)
    page = client.get(f"/students/{world.student}/archive").get_data(as_text=True)
    assert "敏感信息" not in page.split("导出 PDF 档案")[0]
    assert client.post(f"/students/{world.student}/sensitive").status_code == 404
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sensitive=1").data)
    assert "低保家庭" not in text and "敏感信息已略去" in text


def test_a_student_who_left_keeps_a_read_only_exportable_archive(client, ctx, world, login):
    from gridapp.people.models import StudentStatus

    student = ctx.get(Student, world.student)
    student.status = StudentStatus.GRADUATED
    ctx.commit()
    login(world.principal_name)
    assert "王小明" in client.get(f"/students/{world.student}/archive").get_data(as_text=True)
    r = client.get(f"/students/{world.student}/dossier.pdf")
    assert r.status_code == 200 and "已毕业" in _text(r.data)
    client.post("/logout")
    login(world.head_teacher_name)
    assert client.get(f"/students/{world.student}/edit").status_code == 404
