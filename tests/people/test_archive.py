"""The student archive and its PDF dossier: every part's records in one timeline, sensitive data
only for those entitled (and only when asked), every export audited, long archives still render."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.people.models import FocusCategory, Student, StudentFocus

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


def test_dossier_has_chinese_text_and_redacts_for_those_not_entitled(client, ctx, world, login):
    _mark(ctx, world, FocusCategory.SINGLE_PARENT)
    _mark(ctx, world, FocusCategory.LEFT_BEHIND)
    login(world.subject_teacher_name)
    r = client.get(f"/students/{world.student}/dossier.pdf?sensitive=1")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = _text(r.data)
    assert "王小明" in text and "留守儿童" in text  # searchable text, not images
    assert "单亲家庭" not in text and "无权导出敏感信息" in text and "已略去" in text
    assert "第 1 / " in text.replace("\n", " ") or "第1/" in text.replace(" ", "")
    client.post("/logout")
    login(world.head_teacher_name)
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sensitive=1").data)
    assert "单亲家庭" in text and "head_teacher" not in text
    # Without asking, even the head teacher's dossier leaves it out.
    text = _text(client.get(f"/students/{world.student}/dossier.pdf").data)
    assert "单亲家庭" not in text
    exports = ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "student.dossier.export")
    ).all()
    assert [e.detail["sensitive"] for e in exports] == [False, True, False]


def test_only_the_ticked_sections(client, world, login):
    login(world.principal_name)
    text = _text(client.get(f"/students/{world.student}/dossier.pdf?sections=profile").data)
    assert "基本情况" in text and "时间线" not in text and "李芳" not in text


def test_parents_and_other_schools_get_404(client, world, login):
    for who in ("parent", "other_school_teacher", "district_supervisor"):
        login(getattr(world, f"{who}_name"))
        assert client.get(f"/students/{world.student}/dossier.pdf").status_code == 404
        assert client.get(f"/students/{world.student}/archive").status_code == 404
        client.post("/logout")


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


def test_a_class_in_the_background_zip_or_one_pdf_for_the_requester_only(client, ctx, world, login):
    import zipfile

    from gridapp.people.exports import DossierJob

    login(world.head_teacher_name)
    r = client.post(f"/classes/{world.class_a1}/dossiers", data={"format": "zip"})
    assert r.status_code == 303
    job_url = r.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert "已完成 2 / 2 份" in page and "下载" in page
    r = client.get(job_url + "/file")
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    r = client.post(f"/classes/{world.class_a1}/dossiers", data={"format": "pdf"})
    combined = client.get(r.headers["Location"] + "/file")
    assert pypdf.PdfReader(io.BytesIO(combined.data)).pages  # one PDF of both
    client.post("/logout")
    login(world.principal_name)  # not the requester
    assert (
        client.get(job_url).status_code == 404 and client.get(job_url + "/file").status_code == 404
    )
    client.post("/logout")
    # After 24 hours: gone.
    from gridapp.core.time import now
    from gridapp.people import exports

    job = ctx.get(DossierJob, int(job_url.rsplit("/", 1)[1]))
    job.expires_at = now()
    ctx.commit()
    assert exports.remove_expired() >= 1
    ctx.commit()
    login(world.head_teacher_name)
    assert client.get(job_url + "/file").status_code == 410


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
