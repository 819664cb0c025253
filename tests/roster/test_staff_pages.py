"""The staff import pages: template, upload → preview → commit → links shown once, re-import
unchanged, bad files answered in Chinese (issue 15 items 1, 5)."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.roster import staff

ROWS = [
    ["T001", "陈静", "13900001111", "是", "三年级（1）班 英语；三年级（2）班 英语", "三年级（2）班"],
    ["T002", "刘洋", "１３９００００２２２２", "否", "3(2)班 科学", ""],
]  # fmt: skip


def xlsx(rows=ROWS, note=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    if note:
        ws.append(["说明：……"])
    ws.append(staff.COLUMNS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, world, data: bytes, name="教职工.xlsx"):
    return client.post(
        f"/schools/{world.school_a}/staff/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def test_template_download(client, world, login):
    login(world.school_admin_name)
    r = client.get(f"/schools/{world.school_a}/staff/template.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in ws[2]] == staff.COLUMNS


def test_upload_preview_commit_and_reimport(client, world, login):
    login(world.school_admin_name)
    r = upload(client, world, xlsx())
    assert r.status_code == 200, r.text
    assert "确认导入" in r.text and "新账号" in r.text
    with client.application.app_context():
        users = db.session.scalar(select(func.count()).select_from(User))
    r = client.post(
        f"/schools/{world.school_a}/staff/import/commit", data={"token": _token(r.text)}
    )
    assert r.status_code == 200, r.text
    assert "设置密码链接" in r.text and "/invite/" in r.text
    assert "data:application/vnd.openxmlformats" in r.text
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users + 2
    # The same file again: nothing to do.
    r = upload(client, world, xlsx())
    assert r.status_code == 200
    assert re.search(r"<b>2</b> 无变化", r.text)
    # Reloading the commit address does not show the links again.
    assert client.get(f"/schools/{world.school_a}/staff/import/commit").status_code == 303


def test_gbk_csv_and_errors(client, world, login):
    login(world.school_admin_name)
    lines = [",".join(staff.COLUMNS)] + [",".join(r) for r in ROWS]
    lines.append("T003,王五,1234,否,,")
    r = upload(client, world, "\n".join(lines).encode("gbk"), "staff.csv")
    assert r.status_code == 422
    assert "手机号应为 11 位" in r.text and "确认导入" not in r.text


def test_bad_files_get_a_chinese_message(client, world, login):
    login(world.school_admin_name)
    for data, message in [
        (b"", "文件是空的"),
        (b"PK\x03\x04broken", "无法读取这个 Excel 文件"),
        (xlsx()[:200], "无法读取这个 Excel 文件"),
        ("姓名,电话\n张三,139".encode(), "没有找到表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 .xls"),
    ]:
        r = upload(client, world, data)
        assert r.status_code == 422, message
        assert message in r.text
    r = client.post(f"/schools/{world.school_a}/staff/import/commit", data={"token": "forged"})
    assert r.status_code == 422 and "文件已过期" in r.text
