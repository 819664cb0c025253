"""Tables out to Excel (.xlsx, openpyxl): the one writer of every export, rosters and reports.

Every text cell goes through `safe_value`: a value that Excel would read as a formula is written
as text with the quote prefix, and characters an .xlsx cannot hold are dropped. Numbers stay
numbers, dates stay dates, shares are fractions with a percent format (issue 18 item 5).

openpyxl is imported on the first workbook, not with the app (a sixth of a second of every
process's start)."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from flask import Response, request

from gridapp.core import storage

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What Excel (and LibreOffice) start a formula with, also after a tab or a carriage return
# (OWASP "CSV injection"): such a cell is written as a string with the quote-prefix style.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def new_workbook() -> Workbook:
    """An empty openpyxl `Workbook` (one blank worksheet, `wb.active`)."""
    from openpyxl import Workbook

    return Workbook()


@functools.cache
def _illegal_characters():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def safe_value(value):
    """A value as a cell holds it: text without the characters an .xlsx cannot store (control
    characters other than tab, newline and carriage return); dates and numbers as they are;
    None as None. Whether it must be kept from running as a formula is `is_formula_like`."""
    if value is None or isinstance(value, (int, float, date)):
        return value
    return _illegal_characters().sub("", str(value))


def is_formula_like(value) -> bool:
    """True for text Excel would take for a formula: it starts with =, +, -, @, a tab or a
    carriage return (issue 15 item 8)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def write_sheet(
    ws,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    first_row: int = 1,
    text_columns=(),
    percent_columns=(),
) -> int:
    """Write `headers` (bold, on row `first_row`) and then `rows` into worksheet `ws`; return
    the number of data rows. Every text cell is written as a string (data type "s", with Excel's
    quote prefix when it looks like a formula), so no cell runs as a formula; `text_columns`
    (0-based) get the text number format (student numbers keep leading zeros), `percent_columns`
    hold fractions (0.5) shown as percentages (50.0%)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, header in enumerate(headers, start=1):
        cell = ws.cell(row=first_row, column=col, value=header)
        cell.font, cell.fill = bold, fill
    count = 0
    for count, row in enumerate(rows, start=1):
        r = first_row + count
        for col, raw in enumerate(row, start=1):
            value = safe_value(raw)
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=col)
            cell.value = value
            if isinstance(value, str):
                # openpyxl takes a string starting with "=" for a formula: say it is text.
                cell.data_type = "s"
                if is_formula_like(value):
                    cell.quotePrefix = True
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if col - 1 in text_columns:
                cell.number_format = "@"
            elif col - 1 in percent_columns and isinstance(value, (int, float)):
                cell.number_format = "0.0%"
    for col, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(col)].width = max(10, len(header) * 2 + 4)
    ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
    return count


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Sheet:
    """One table of a report as a worksheet: `title` (the sheet's name and its first row),
    `headers` (Chinese), `rows` (numbers as numbers, dates as dates, shares as fractions or
    None), and which 0-based columns are text or percentages."""

    title: str
    headers: list[str]
    rows: list[Sequence] = field(default_factory=list)
    percent_columns: tuple[int, ...] = ()
    text_columns: tuple[int, ...] = ()
    note: str = ""


def sheet_title(title: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts: no []:*?/\\, at most 31 characters, unique in the book."""
    base = (title.translate(SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:SHEET_TITLE_MAX]
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: SHEET_TITLE_MAX - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The .xlsx bytes of `sheets`, one worksheet each: the title on row 1 (with the note
    beside it), the headers on row 2, the rows after."""
    from openpyxl.styles import Font

    wb = new_workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(sheet_title(sheet.title, taken))
        ws.cell(row=1, column=1, value=safe_value(sheet.title)).font = Font(bold=True, size=13)
        if sheet.note:
            ws.cell(row=1, column=3, value=safe_value(sheet.note)).data_type = "s"
        write_sheet(
            ws,
            sheet.headers,
            sheet.rows,
            first_row=2,
            text_columns=sheet.text_columns,
            percent_columns=sheet.percent_columns,
        )
    return to_bytes(wb)


def download(data: bytes, name: str, fallback: str) -> Response:
    """An .xlsx answer saved under `name` (Chinese allowed; `fallback` is its ASCII form for
    old clients), never cached."""
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": storage.content_disposition(name, fallback),
            "Cache-Control": "no-store",
        },
    )


def wants_xlsx() -> bool:
    """Whether the request asks for its page's tables as .xlsx: the same URL with
    `format=xlsx` (issue 18 item 5)."""
    return request.args.get("format") == "xlsx"
