"""roster.parse: files told apart by content, three encodings, the header row found and matched,
and every bad file refused with a Chinese message (issue 15, "Bad input")."""

from __future__ import annotations

import io
import zipfile

import pytest

from gridapp.roster import kinds, parse
from gridapp.roster.parse import ImportRefused

from . import files

KIND = kinds.get("students")


def read(data: bytes, name: str = "名单.xlsx"):
    return parse.read_table(data, name, KIND)


def refused(data: bytes, name: str = "名单.csv") -> str:
    with pytest.raises(ImportRefused) as e:
        read(data, name)
    assert e.value.field == "file"
    return e.value.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_each_encoding_reads_the_same(encoding):
    table = read(files.csv_bytes(files.rows_of(2), encoding=encoding), "名单.csv")
    assert table.format == "csv"
    assert [r.text("name") for r in table.rows] == ["学生1", "学生2"]
    assert table.rows[0].number == 2


@pytest.mark.parametrize("encoding", ["utf-16", "big5", "shift_jis"])
def test_a_third_encoding_is_refused(encoding):
    rows = [files.student(name="陳大文", g1="陳父")]
    header = ["學號" if h == "学号" else h for h in files.HEADER]
    try:
        data = files.csv_bytes(rows, header=header, encoding=encoding)
    except UnicodeEncodeError:  # Shift-JIS lacks some of these characters
        data = "学号,姓名\n1,テスト太郎\n".encode(encoding, "replace")
    assert "无法识别文件编码" in refused(data)


def test_xlsx_with_a_title_and_a_note_above_the_header():
    data = files.xlsx_bytes(
        files.rows_of(3), above=[["南湖区实验小学学生名单"], ["注：请勿修改表头"]], merge="A1:F1"
    )
    table = read(data)
    assert table.header_row == 3 and len(table.rows) == 3 and table.rows[0].number == 4


def test_headers_in_any_order_with_variants_and_extra_columns():
    header = [
        "备注",
        "学生姓名",
        "学籍号",
        "班级",
        "性别",
        "家长姓名",
        "关系",
        "联系电话",
        "监护人2姓名",
        "关系",
        "手机",
    ]
    row = [
        "x",
        "李雷",
        "2026001",
        "三(1)班",
        "男",
        "李父",
        "父亲",
        "139 0000 0001",
        "韩母",
        "母亲",
        "13900000002",
    ]
    table = read(files.csv_bytes([row], header=header), "a.csv")
    r = table.rows[0]
    assert (r.text("name"), r.text("student_number"), r.text("class")) == (
        "李雷",
        "2026001",
        "三(1)班",
    )
    assert r.text("guardian1_mobile") == "139 0000 0001"
    assert (r.text("guardian2_name"), r.text("guardian2_relation"), r.text("guardian2_mobile")) == (
        "韩母",
        "母亲",
        "13900000002",
    )


def test_the_templates_example_row_is_not_a_row():
    from gridapp.roster import services

    template = services.template_workbook(KIND)
    assert "没有数据行" in refused(template, "模板.xlsx")


def test_missing_required_columns_are_named():
    message = refused(files.csv_bytes([["1", "x"]], header=["学号", "姓名"]))
    assert "缺少必填的列" in message and "性别" in message and "班级" in message


def test_no_header_row():
    assert "找不到表头" in refused(b"a,b,c\n1,2,3\n")


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_an_empty_file(data):
    assert refused(data)


def test_headers_only():
    assert "只有表头" in refused(files.csv_bytes([]))
    assert "只有表头" in refused(files.xlsx_bytes([]), "a.xlsx")


def test_merged_header_cells():
    message = refused(files.xlsx_bytes(files.rows_of(2), merge="A1:B1"), "a.xlsx")
    assert "合并" in message and "A1:B1" in message


def test_merged_cells_in_the_rows():
    assert "第 2–3 行" in refused(files.xlsx_bytes(files.rows_of(3), merge="G2:G3"), "a.xlsx")


def test_a_truncated_xlsx():
    data = files.xlsx_bytes(files.rows_of(3))
    assert "已损坏" in refused(data[: len(data) // 2], "a.xlsx")


def test_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    assert "不是 Excel" in refused(buf.getvalue(), "a.xlsx")


def test_a_png_named_csv():
    from ..world import tiny_jpeg

    assert "不是 Excel" in refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "名单.csv")
    assert "不是 Excel" in refused(tiny_jpeg(), "名单.csv")


def test_an_old_xls():
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls")


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(parse, "MAX_ROWS", 50)
    assert "最多 50 行" in refused(files.csv_bytes(files.rows_of(51)))
    assert len(read(files.csv_bytes(files.rows_of(50)), "a.csv").rows) == 50


def test_a_row_past_the_cap_is_refused():
    # One row past the cap is enough: the reader stops there (50,000 rows took 4 s to build).
    data = files.csv_bytes(files.rows_of(parse.MAX_ROWS + 1))
    assert f"最多 {parse.MAX_ROWS} 行" in refused(data)


def test_formula_cells_are_seen_as_formulas():
    data = files.xlsx_bytes(files.rows_of(2), formula=("D2", "=DATE(2017,9,1)"))
    table = read(data)
    assert table.rows[0]["birth_on"].formula and not table.rows[1]["birth_on"].formula


def test_excel_date_and_number_cells_become_text():
    from datetime import datetime

    row = files.student()
    row[0], row[3], row[11] = 20260001, datetime(2017, 9, 1), 13900000001
    r = read(files.xlsx_bytes([row])).rows[0]
    assert (r.text("student_number"), r.text("birth_on"), r.text("guardian1_mobile")) == (
        "20260001",
        "2017-09-01",
        "13900000001",
    )
