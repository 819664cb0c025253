"""The import pages: upload → preview → commit → re-import unchanged; 404 outside the school and
for another user's kept file or job; 413 for a big upload; error rows as .xlsx; absent students
marked; a background job for a big file; the review and split of an automatic family link."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from sqlalchemy import func, select

from gridapp.core.audit import AuditEntry
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.roster import services
from gridapp.roster.models import FamilyLink, ImportJob

from . import files


def upload(client, school, data, name="名单.xlsx", kind="students"):
    return client.post(
        f"/schools/{school}/roster/import",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def preview_url(r) -> str:
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    return r.headers["Location"]


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_upload_preview_commit_and_again_unchanged(client, login, world, ctx):
    login(world.school_admin_name)
    rows = files.rows_of(3)
    rows[2][11] = "12345"  # not a mobile
    url = preview_url(upload(client, world.school_a, files.xlsx_bytes(rows)))
    page = client.get(url).get_data(as_text=True)
    assert "有错误" in page and "监护人1手机“12345”不是 11 位手机号" in page
    assert db.session.scalar(select(func.count()).where(Student.student_number == "20260001")) == 0
    token = token_of(url)
    # With an error row the commit needs the admin's word.
    r = client.post(
        f"/schools/{world.school_a}/roster/import/commit",
        data={"token": token, "kind": "students", "skip_errors": "1"},
    )
    assert r.status_code == 422 and "跳过 1 行错误" in r.get_data(as_text=True)
    r = client.post(
        f"/schools/{world.school_a}/roster/import/commit",
        data={"token": token, "kind": "students", "skip": "y", "skip_errors": "1"},
    )
    assert r.status_code == 303
    names = db.session.scalars(
        select(Student.name)
        .where(Student.student_number.in_(["20260001", "20260002", "20260003"]))
        .order_by(Student.student_number)
    ).all()
    assert names == ["学生1", "学生2"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.import"))
    assert entry.detail["new"] == 2 and entry.detail["errors_skipped"] == 1
    assert "学生1" not in str(entry.detail)
    # The fixed file: one new row, the rest unchanged.
    rows[2][11] = "13900000003"
    url = preview_url(upload(client, world.school_a, files.xlsx_bytes(rows)))
    page = client.get(url).get_data(as_text=True)
    assert re.search(r"<b>1</b> 新增", page) and re.search(r"<b>2</b> 未变", page)
    r = client.post(
        f"/schools/{world.school_a}/roster/import/commit",
        data={"token": token_of(url), "kind": "students"},
    )
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "文件与系统中的名单一致，无需导入" in page and re.search(r"<b>3</b> 未变", page)


def test_a_bad_file_is_shown_beside_the_field(client, login, world):
    login(world.school_admin_name)
    r = upload(client, world.school_a, b"\x89PNG\r\n\x1a\n\x00\x00", "名单.csv")
    assert r.status_code == 422 and "不是 Excel" in r.get_data(as_text=True)


def test_a_20_mb_upload_is_413_in_chinese(client, login, world):
    login(world.school_admin_name)
    r = upload(client, world.school_a, b"a" * (20 * 1024 * 1024), "big.csv")
    assert r.status_code == 413 and "文件超过 10 MB" in r.get_data(as_text=True)


def test_another_users_kept_file_is_404(client, login, world):
    login(world.school_admin_name)
    url = preview_url(upload(client, world.school_a, files.csv_bytes(files.rows_of(1)), "a.csv"))
    token = token_of(url)
    login(world.other_school_admin_name)
    assert client.get(url).status_code == 404
    own = f"/schools/{world.school_b}/roster/import/preview?kind=students&token={token}"
    assert client.get(own).status_code == 404
    assert client.get(own.replace("preview", "errors.xlsx")).status_code == 404
    r = client.post(
        f"/schools/{world.school_b}/roster/import/commit", data={"token": token, "kind": "students"}
    )
    assert r.status_code == 404


def test_error_rows_download_with_their_reason(client, login, world, ctx):
    login(world.school_admin_name)
    rows = files.rows_of(2)
    rows[0][6] = "九年级（9）班"
    rows[1][0] = "=1+1"
    url = preview_url(upload(client, world.school_a, files.csv_bytes(rows), "名单.csv"))
    r = client.get(url.replace("/preview", "/errors.xlsx"))
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][:3] == ["错误原因", "原行号", "学号"]
    assert "本校没有班级“九年级（9）班”" in values[1][0]
    assert "单元格是公式" in values[2][0]
    assert ws.cell(row=3, column=3).data_type == "s"  # "=1+1" written as text
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "roster.import.errors_export")
    )
    assert entry.detail == {"kind": "students", "rows": 2}


def test_template_has_headers_note_and_example(client, login, world):
    login(world.school_admin_name)
    r = client.get(f"/schools/{world.school_a}/roster/templates/students.xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert "填写说明" in ws["A1"].value
    assert [c.value for c in ws[2]][:3] == ["学号*", "姓名*", "性别*"]
    assert ws["A3"].value.startswith("示例")


def test_absent_students_are_listed_and_marked(client, login, world, ctx):
    login(world.school_admin_name)
    url = preview_url(upload(client, world.school_a, files.csv_bytes(files.rows_of(1)), "a.csv"))
    page = client.get(url).get_data(as_text=True)
    assert "系统中有、文件中没有的学生" in page and "王小明" in page
    r = client.post(
        f"/schools/{world.school_a}/roster/absent",
        data={
            "student_ids": [str(world.student), str(world.student_c1)],
            "status": "left",
            "back": url,
        },
    )
    assert r.status_code == 303 and r.headers["Location"] == url
    assert db.session.get(Student, world.student).status == StudentStatus.LEFT
    assert db.session.get(Student, world.student_c1).status == StudentStatus.ACTIVE  # other school


def test_a_big_file_runs_as_a_job(client, login, world, ctx, monkeypatch):
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 2)
    login(world.school_admin_name)
    url = preview_url(upload(client, world.school_a, files.csv_bytes(files.rows_of(3)), "a.csv"))
    assert "将在后台导入" in client.get(url).get_data(as_text=True)
    r = client.post(
        f"/schools/{world.school_a}/roster/import/commit",
        data={"token": token_of(url), "kind": "students"},
    )
    job_url = r.headers["Location"]
    assert "/roster/import-jobs/" in job_url
    page = client.get(job_url).get_data(as_text=True)
    assert "导入完成：新增 3 行" in page
    job = db.session.scalar(select(ImportJob).order_by(ImportJob.id.desc()))
    assert job.status == "done" and job.percent == 100
    assert "学生3" in db.session.scalars(select(Student.name)).all()
    login(world.other_school_admin_name)
    assert client.get(job_url).status_code == 404


def test_a_family_link_is_reviewed_and_split(client, login, world, ctx):
    login(world.school_admin_name)
    row = files.student("20269999", "王小三", "三年级（2）班", "13812345678", g1="李芳", r1="母亲")
    url = preview_url(upload(client, world.school_a, files.csv_bytes([row]), "a.csv"))
    client.post(
        f"/schools/{world.school_a}/roster/import/commit",
        data={"token": token_of(url), "kind": "students"},
    )
    page = client.get(f"/schools/{world.school_a}/roster/family-links").get_data(as_text=True)
    assert "王小三" in page and "138****5678" in page and "13812345678" not in page
    assert "王小明" in page
    link = db.session.scalar(select(FamilyLink))
    split = f"/schools/{world.school_a}/roster/family-links/{link.id}/split"
    assert client.get(split).status_code == 200
    assert client.post(split, data={}).status_code == 422  # not confirmed
    assert client.post(split, data={"confirm": "y"}).status_code == 303
    new = db.session.get(Student, link.student_id)
    assert new.family_id != db.session.get(Student, world.student).family_id
    assert new.guardian_links == []
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "roster.family_link.split"))
        is not None
    )
    login(world.other_school_admin_name)
    assert client.get(split).status_code == 404
    assert (
        client.get(f"/schools/{world.school_b}/roster/family-links/{link.id}/split").status_code
        == 404
    )


@pytest.mark.parametrize(
    "role", ["district_admin", "head_teacher", "other_school_admin", "district_supervisor"]
)
def test_others_cannot_upload(client, login, world, role):
    login(getattr(world, f"{role}_name"))
    r = upload(client, world.school_a, files.csv_bytes(files.rows_of(1)), "a.csv")
    assert r.status_code == 404
