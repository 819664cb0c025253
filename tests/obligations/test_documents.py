"""Uploading, reviewing and reading documents through the pages: each kind of file, bad input
(empty, oversized, wrong type, no item) at 422 with what was chosen kept, the review's accept and
return (reason required, once), the download (audited), the school's table and its .xlsx."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from gridapp.core.audit import AuditEntry
from gridapp.core.storage import MAX_BYTES
from gridapp.obligations.models import DocumentStatus, ObligationDocument

from ..world import tiny_jpeg
from .documents import docx_bytes, pdf_bytes, with_documents


def _post(client, data: bytes | None, name="家访帮扶方案.pdf", item="plan", **extra):
    form = {"item": item, "note": "", **extra}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post("/my/obligations", data=form, content_type="multipart/form-data")


def _docs(ctx, teacher_id):
    ctx.expire_all()
    return ctx.scalars(
        select(ObligationDocument).where(ObligationDocument.teacher_id == teacher_id)
    ).all()


def test_a_teacher_uploads_each_kind_of_file(client, login, ctx, world):
    login(world.head_teacher_name)
    for data, name in (
        (pdf_bytes(), "方案.pdf"),
        (tiny_jpeg(), "手册照片.jpg"),
        (docx_bytes(), "随笔.docx"),
    ):
        r = _post(client, data, name)
        assert r.status_code == 303, r.get_data(as_text=True)
    docs = _docs(ctx, world.head_teacher)
    assert sorted(d.kind for d in docs) == ["docx", "jpg", "pdf"]
    assert all(d.status is DocumentStatus.SUBMITTED for d in docs)
    html = client.get("/my/obligations").get_data(as_text=True)
    assert "随笔.docx" in html and "待审核" in html


def test_bad_files_are_refused_in_chinese(client, login, ctx, world):
    login(world.head_teacher_name)
    cases = [
        (b"", "空.pdf", "是空文件"),
        (b"%PDF-1.4" + b"0" * MAX_BYTES, "大.pdf", "超过 5 MB"),
        (b"hello, world", "说明.txt", "不是 PDF、Word（.docx）、JPEG 或 PNG 文件"),
        (docx_bytes(with_document=False), "假.docx", "不是有效的 Word（.docx）文档"),
        (docx_bytes(macros=True), "宏.docx", "不是有效的 Word（.docx）文档"),
    ]
    for data, name, message in cases:
        r = _post(client, data, name)
        html = r.get_data(as_text=True)
        assert r.status_code == 422, name
        assert message in html, name
        assert "已选择的文件" not in html  # a refused file is not kept
    r = _post(client, None)
    assert r.status_code == 422 and "请选择要上传的文件" in r.get_data(as_text=True)
    assert _docs(ctx, world.head_teacher) == []


def test_what_was_chosen_comes_back_after_a_mistake(client, login, ctx, world):
    login(world.head_teacher_name)
    r = _post(client, pdf_bytes(), "我的方案.pdf", item="", note="第一稿")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "已选择的文件：我的方案.pdf（可移除）" in html and "第一稿" in html
    token = re.search(r'name="kept_file" value="([^"]+)"', html).group(1)
    r = client.post(
        "/my/obligations", data={"item": "plan", "note": "第一稿", "kept_file": token},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    [doc] = _docs(ctx, world.head_teacher)
    assert (doc.name, doc.note, doc.item.value) == ("我的方案.pdf", "第一稿", "plan")


def test_a_leader_returns_with_a_reason_then_accepts_the_next(client, login, ctx, world):
    w = with_documents(world)
    login(w.principal_name)
    r = client.post(f"/obligations/documents/{w.document}/return", data={"reason": ""})
    assert r.status_code == 422 and "请写明退回的原因" in r.get_data(as_text=True)
    r = client.post(f"/obligations/documents/{w.document}/return", data={"reason": "缺少帮扶措施"})
    assert r.status_code == 303
    assert f"/teachers/{w.head_teacher}" in r.headers["Location"]
    r = client.post(f"/obligations/documents/{w.document}/accept")
    assert r.status_code == 409 and "已经审核过了" in r.get_data(as_text=True)
    login(w.head_teacher_name)
    html = client.get("/my/obligations").get_data(as_text=True)
    assert "材料被退回：缺少帮扶措施" in html
    assert _post(client, pdf_bytes(), "方案（修改）.pdf").status_code == 303
    new = max(d.id for d in _docs(ctx, w.head_teacher))
    login(w.principal_name)
    assert client.post(f"/obligations/documents/{new}/accept").status_code == 303
    html = client.get(f"/schools/{w.school_a}/obligations/teachers/{w.head_teacher}").get_data(
        as_text=True
    )
    assert "上传的材料已被学校认可" in html
    actions = ctx.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("obligations.%"))
    ).all()
    assert {"obligations.document.returned", "obligations.document.accepted"} <= set(actions)


def test_the_download_is_named_and_audited(client, login, ctx, world):
    w = with_documents(world)
    login(w.head_teacher_name)
    r = client.get(f"/obligations/documents/{w.document}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"%PDF")
    assert ctx.scalars(
        select(AuditEntry).where(AuditEntry.action == "obligations.document.view")
    ).all()


def test_the_schools_table_filters_and_exports(client, login, ctx, world):
    w = with_documents(world)
    login(w.principal_name)
    html = client.get(f"/schools/{w.school_a}/obligations").get_data(as_text=True)
    assert "六项全部完成" in html and "有 1 份材料等待审核：" in html
    names = re.findall(r'/obligations/teachers/\d+\?year=\d+">([^<]+)</a>', html)
    assert len(names) == 4  # school A's four teachers, in Chinese name order
    from gridapp.core.text import name_sort_key

    assert names == sorted(names, key=name_sort_key)
    html = client.get(f"/schools/{w.school_a}/obligations?item=plan&state=met").get_data(
        as_text=True
    )
    assert "没有符合条件的教师" in html
    r = client.get(f"/schools/{w.school_a}/obligations?format=xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.data))
    sheet = book.worksheets[0]
    assert sheet.cell(row=2, column=1).value == "教师"
    assert [sheet.cell(row=i, column=1).value for i in range(3, 7)] == names
    summary = book.worksheets[1]
    assert summary.cell(row=3, column=1).value == "家访帮扶方案"
    assert summary.cell(row=3, column=3).value == 4
    assert ctx.scalars(select(AuditEntry).where(AuditEntry.action == "obligations.export")).all()


def test_bad_filter_values_are_ignored(client, login, ctx, world):
    login(world.principal_name)
    for q in ("item=x", "state=%00", "year=abc", "item=plan&state=nope"):
        assert client.get(f"/schools/{world.school_a}/obligations?{q}").status_code == 200
    assert client.get(f"/schools/{world.school_a}/obligations?year=99999").status_code == 404


def test_the_upload_form_starts_at_an_item_still_to_do(client, login, ctx, world):
    """Once a plan is uploaded and waits for review, the form no longer starts at the plan (a
    second copy of it uploaded by mistake) but at the next item still to do."""
    login(world.head_teacher_name)
    html = client.get("/my/obligations").get_data(as_text=True)
    assert re.search(r'<option selected value="plan">', html)
    assert _post(client, pdf_bytes()).status_code == 303
    html = client.get("/my/obligations").get_data(as_text=True)
    assert not re.search(r'<option selected value="plan">', html)
    assert re.search(r'<option selected value="(handbook|essay|help)">', html)
