"""The PDF dossier: Chinese text, only the ticked sections, sensitive parts only for those
entitled who ask, every export audited, whole classes in the background."""

from __future__ import annotations

import io
from datetime import date

import pypdf
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.people.models import FocusCategory, StudentFocus


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _mark(ctx, world, category):
    ctx.add(StudentFocus(student_id=world.student, category=category, since_on=date(2026, 9, 1)))
    ctx.commit()


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


def test_a_class_in_the_background_zip_or_one_pdf_for_the_requester_only(client, ctx, world, login):
    import zipfile

    from gridapp.dossiers.exports import DossierJob

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
    from gridapp.dossiers.tasks import remove_expired_dossiers

    job = ctx.get(DossierJob, int(job_url.rsplit("/", 1)[1]))
    job.expires_at = now()
    ctx.commit()
    assert remove_expired_dossiers.call_local() >= 1  # the dossiers' own periodic task
    ctx.commit()
    login(world.head_teacher_name)
    assert client.get(job_url + "/file").status_code == 410


def test_an_export_whose_file_is_missing_answers_410_in_chinese(client, ctx, world, login):
    """A file removed by hand or a backup restored without its files: 410 and what to do,
    never a 500 (issue 20)."""
    from gridapp.dossiers.exports import DossierJob, export_dir

    login(world.head_teacher_name)
    r = client.post(f"/classes/{world.class_a1}/dossiers", data={"format": "zip"})
    job_url = r.headers["Location"]
    job = ctx.get(DossierJob, int(job_url.rsplit("/", 1)[1]))
    with client.application.app_context():
        (export_dir() / job.file).unlink()
    r = client.get(job_url + "/file")
    assert r.status_code == 410 and "文件已丢失，请重新导出" in r.get_data(as_text=True)
