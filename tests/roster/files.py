"""Roster files for the tests: .xlsx and .csv bytes built from rows of values."""

from __future__ import annotations

import csv
import io

HEADER = ["学号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级", "家庭住址", "小区/村",
          "监护人1姓名", "监护人1关系", "监护人1手机", "监护人2姓名", "监护人2关系", "监护人2手机"]  # fmt: skip


def student(number="20260001", name="王一", klass="三年级（1）班", mobile="13900000001", **kw):
    """One row of HEADER's columns (keyword arguments by header position names below)."""
    row = {
        "学号": number, "姓名": name, "性别": kw.get("gender", "男"),
        "出生日期": kw.get("birth", "2017-09-01"), "身份证号": kw.get("id_number", ""),
        "年级": kw.get("grade", ""), "班级": klass, "家庭住址": kw.get("address", "禾兴路1号"),
        "小区/村": kw.get("community", "禾兴小区"), "监护人1姓名": kw.get("g1", "王父"),
        "监护人1关系": kw.get("r1", "父亲"), "监护人1手机": mobile,
        "监护人2姓名": kw.get("g2", ""), "监护人2关系": kw.get("r2", ""),
        "监护人2手机": kw.get("m2", ""),
    }  # fmt: skip
    return [row[h] for h in HEADER]


def rows_of(n: int, start: int = 1, klass: str = "三年级（1）班") -> list[list]:
    return [
        student(f"2026{i:04d}", f"学生{i}", klass, f"139{i:08d}") for i in range(start, start + n)
    ]


def csv_bytes(rows, header=HEADER, encoding="utf-8", above=()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in above:
        writer.writerow(line)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, above=(), merge=None, formula=None) -> bytes:
    """An .xlsx: `above` rows before the header, `merge` a range to merge ("A1:B1"),
    `formula` (cell, formula) to write as a formula."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in above:
        ws.append(list(line))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    if merge:
        ws.merge_cells(merge)
    if formula:
        ws[formula[0]] = formula[1]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
