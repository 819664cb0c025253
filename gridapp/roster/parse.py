"""Reading an uploaded roster file into rows of text: `.xlsx` or `.csv` (UTF-8, UTF-8 with BOM,
GBK/GB18030), told apart by their content, never by their name; the header row found among the
first rows and matched to a kind's columns (kinds.py) in any order, by name variants.

Everything a user can get wrong about the *file* raises `ImportRefused` with a Chinese message
(nothing is read further, nothing is written): not a table, a truncated or corrupt `.xlsx`, an old
`.xls`, a CSV in a third encoding, an empty file, no header row, required columns missing, merged
cells in the header or the rows, more than MAX_ROWS rows. What is wrong in one *row* (a formula,
a bad date) is the kind's business: each `Cell` says what it holds (`formula` is True for a cell
that holds a formula, which is never evaluated).

    table = read_table(data, filename, kind)   # kind: kinds.Kind, for its columns
    for row in table.rows:                     # data rows, empty rows skipped
        row.number                             # the row's number as Excel shows it (1-based)
        row["student_number"].text             # "" when the column is absent or the cell empty
        row["student_number"].formula          # True when the cell holds a formula

Rule source: issue 15, "Upload" and "Bad input".
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from gridapp.core import text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _

MAX_ROWS = 10_000  # data rows per file; a district splits a bigger roster by school or grade
MAX_BYTES = 10 * 1024 * 1024  # an upload's size; the import view answers 413 beyond it
MAX_UNZIPPED = 200 * 1024 * 1024  # an .xlsx whose parts unpack to more is refused (zip bomb)
HEADER_ROWS = 10  # the header row is looked for among this many first rows
MAX_COLUMNS = 200

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Cell",
    "ImportRefused",
    "Row",
    "Table",
    "decode_csv",
    "header_key",
    "read_table",
]


class ImportRefused(RuleViolation):
    """The file cannot be read as a roster; `message` says why in Chinese (field "file")."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class Cell:
    """One cell as read: `text` is its value as a string ("" when empty; a date cell as
    YYYY-MM-DD, a whole number without ".0"), `value` the value as the file holds it (str, int,
    float, datetime, date or None), `formula` True when it holds a formula (its text is the
    formula, never evaluated)."""

    text: str = ""
    value: object = None
    formula: bool = False


EMPTY = Cell()


@dataclass
class Row:
    """A data row: its number in the file (as Excel or a text editor numbers it, from 1) and its
    cells by column key (only the columns the kind knows); `raw` holds every cell's text in the
    file's own column order (for the error file)."""

    number: int
    cells: dict[str, Cell]
    raw: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Cell:
        return self.cells.get(key, EMPTY)

    def text(self, key: str) -> str:
        return self.cells.get(key, EMPTY).text


@dataclass
class Table:
    """A file read for a kind: `headers` as written in the file's header row (all of them, in
    order), `header_row` its number, `columns` key → column index of each known column found,
    `rows` the non-empty data rows (at most MAX_ROWS), `format` "xlsx" or "csv", `encoding` the
    CSV's encoding ("utf-8", "gb18030"; "" for xlsx)."""

    headers: list[str]
    header_row: int
    columns: dict[str, int]
    rows: list[Row]
    format: str
    encoding: str = ""


# ---- telling the file's kind by its content -------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"BM", b"RIFF", b"\x1f\x8b", b"7z")


def _not_a_table() -> ImportRefused:
    return ImportRefused(_("文件内容不是 Excel（.xlsx）或 CSV 表格，请上传名单表格"))


def _bad_encoding() -> ImportRefused:
    return ImportRefused(_("无法识别文件编码，请另存为 UTF-8 或 GBK 的 CSV，或 .xlsx"))


def read_table(data: bytes, filename: str, kind) -> Table:
    """The table of an uploaded file for `kind` (its columns found in the header row).

    `data` is the whole file, `filename` its name (only for messages: the content decides the
    format). Raises ImportRefused for any file it cannot read as a roster (module docstring).
    """
    if not data or not data.strip():
        raise ImportRefused(_("文件是空的，请选择填好的名单表格"))
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("文件超过 10 MB，请分成几个文件上传"))
    head = data[:8]
    if head.startswith(_OLE2):
        raise ImportRefused(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后上传")
        )
    if head.startswith((_ZIP, _EMPTY_ZIP)):
        return _read_xlsx(data, kind)
    if head.startswith(_SIGNATURES):
        raise _not_a_table()
    return _read_csv(data, kind)


# ---- xlsx -------------------------------------------------------------------------------------------

_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _read_xlsx(data: bytes, kind) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    corrupt = ImportRefused(_("Excel 文件已损坏或不完整，无法打开，请在 Excel 中重新保存后上传"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _not_a_table()
        if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
            raise ImportRefused(_("Excel 文件的内容过大，请分成几个文件上传"))
        if archive.testzip() is not None:
            raise corrupt
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as e:
        raise corrupt from e
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        EOFError,
        OSError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        SyntaxError,  # defusedxml / expat errors
    ) as e:
        raise corrupt from e
    try:
        refusal = None
        for ws in wb.worksheets:
            try:
                rows = _xlsx_rows(ws)
                merges = _merged_ranges(archive, ws)
                return _table(rows, kind, "xlsx", merges=merges)
            except ImportRefused as e:
                refusal = refusal or e
            except (KeyError, ValueError, TypeError, AttributeError, IndexError, OSError,
                    zipfile.BadZipFile, EOFError, SyntaxError) as e:  # fmt: skip
                raise corrupt from e
        raise refusal or ImportRefused(_("文件是空的，请选择填好的名单表格"))
    finally:
        wb.close()


def _xlsx_rows(ws):
    """(row number, [Cell, ...]) of each row, as openpyxl's read-only sheet streams them."""
    for cells in ws.iter_rows():
        number = None
        out = []
        for cell in cells:
            if getattr(cell, "row", None) is not None and number is None:
                number = cell.row
            column = getattr(cell, "column", None)
            if column is not None:
                while len(out) < column - 1:
                    out.append(EMPTY)
            out.append(_xlsx_cell(cell))
            if len(out) > MAX_COLUMNS:
                break
        if number is None:
            continue  # an empty row
        yield number, out


def _xlsx_cell(cell) -> Cell:
    value = cell.value
    if value is None:
        return EMPTY
    if getattr(cell, "data_type", None) == "f" or (
        isinstance(value, str) and value.startswith("=") and len(value) > 1
        and getattr(cell, "data_type", None) == "f"
    ):  # fmt: skip
        return Cell(str(value), value, formula=True)
    if not isinstance(value, str | int | float | bool | datetime | date | time):
        # An array formula or a data-table formula object (openpyxl.worksheet.formula).
        return Cell(str(getattr(value, "text", "") or "="), value, formula=True)
    return Cell(_text_of(value), value)


def _text_of(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _merged_ranges(archive: zipfile.ZipFile, ws) -> list[tuple[str, int, int]]:
    """(range text, first row, last row) of each merged range of the sheet (the read-only sheet
    does not list them: they are read from the sheet's XML)."""
    path = getattr(ws, "_worksheet_path", None)
    if not path:
        return []
    try:
        xml = archive.read(path.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return []
    out = []
    for m in _MERGE_RE.finditer(xml):
        first, last = int(m[2]), int(m[4] or m[2])
        ref = m[0].split(b'"')[1].decode("ascii", "replace")
        out.append((ref, first, last))
    return out


# ---- csv --------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file: UTF-8 (with or without BOM) if it decodes strictly, else
    GB18030 (which contains GBK, what Chinese Excel saves) if the result reads as Chinese text.
    Raises ImportRefused for anything else (UTF-16, Big5, Shift-JIS, binary data)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise _bad_encoding()  # UTF-16/32 (Excel's "Unicode text"), or not text at all
    try:
        decoded = data.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            decoded = data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise _bad_encoding() from e
        if not _reads_as_chinese(decoded):
            raise _bad_encoding() from None
        encoding = "gb18030"
    if any(ord(c) < 32 and c not in "\t\r\n" for c in decoded[:4096]):
        raise _not_a_table()
    return decoded, encoding


def _reads_as_chinese(decoded: str) -> bool:
    """Text decoded as GB18030 is taken for Chinese when most of its non-ASCII characters are in
    GB 2312 (the 6,763 common characters and the full-width symbols): Big5 or Shift-JIS bytes
    read as GB18030 land mostly among rare characters and private-use code points."""
    wide = [c for c in decoded if ord(c) > 127]
    if not wide:
        return True
    common = 0
    for c in wide:
        try:
            b = c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += len(b) == 2
    return common >= 0.9 * len(wide)


def _read_csv(data: bytes, kind) -> Table:
    decoded, encoding = decode_csv(data)
    lines = decoded.splitlines()
    sample = "\n".join(lines[:HEADER_ROWS])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)

        def rows():
            for cells in reader:
                cells = cells[: MAX_COLUMNS + 1]
                yield (
                    reader.line_num,
                    [
                        Cell(v.strip(), v, formula=v.strip().startswith("=") and len(v.strip()) > 1)
                        if v.strip()
                        else EMPTY
                        for v in cells
                    ],
                )

        return _table(rows(), kind, "csv", encoding=encoding)
    except csv.Error as e:
        raise ImportRefused(_("CSV 文件格式有误（第 %(n)s 行），请在 Excel 中重新保存后上传",
                              n=reader.line_num)) from e  # fmt: skip


# ---- the header row -----------------------------------------------------------------------------

_NOTE_RE = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")


def header_key(value: str | None) -> str:
    """A header cell as compared with a column's names: NFKC, without spaces, the required-mark
    `*`, a colon, and notes in brackets ("出生日期（如 2015-09-01）" → "出生日期"), lower case."""
    value = text.nfkc(value).strip()
    stripped = _NOTE_RE.sub("", value)
    value = stripped if stripped.strip() else value
    return re.sub(r"[\s*＊:：]", "", value).lower()


def _match_header(cells: list[Cell], kind) -> dict[str, int]:
    """key → column index of the kind's columns found in a row (the first column of a name)."""
    found: dict[str, int] = {}
    order: list[str] = []
    aliases = kind.header_aliases()
    for index, cell in enumerate(cells):
        name = header_key(cell.text)
        if not name:
            continue
        key = None
        if kind.contextual_header is not None:
            key = kind.contextual_header(name, order)
        if key is None:
            key = aliases.get(name)
        if key is not None and key not in found:
            found[key] = index
            order.append(key)
    return found


def _table(rows, kind, fmt: str, *, encoding: str = "", merges=()) -> Table:
    head: list[tuple[int, list[Cell]]] = []
    best = None  # (matches, row number, cells, columns)
    iterator = iter(rows)
    for number, cells in iterator:
        if not any(c.text for c in cells):
            continue
        head.append((number, cells))
        columns = _match_header(cells, kind)
        if best is None or len(columns) > len(best[3]):
            best = (len(columns), number, cells, columns)
        if kind.required_keys() <= columns.keys() or len(head) >= HEADER_ROWS:
            break
    if best is None:
        raise ImportRefused(_("文件是空的，请选择填好的名单表格"))
    _count, header_row, header_cells, columns = best
    if len(columns) < 2:
        raise ImportRefused(
            _("找不到表头：前 %(n)s 行中没有一行写着“%(names)s”等列名。请使用导入模板",
              n=HEADER_ROWS, names="”“".join(kind.required_labels()[:3]))
        )  # fmt: skip
    for ref, first, last in merges:
        if last >= header_row:
            where = _("表头") if first <= header_row else _("第 %(a)s–%(b)s 行", a=first, b=last)
            raise ImportRefused(
                _("%(where)s有合并的单元格（%(ref)s），请在 Excel 中取消合并、每格填写后再上传",
                  where=where, ref=ref)
            )  # fmt: skip
    missing = [c.label for c in kind.columns if c.required and c.key not in columns]
    if missing:
        raise ImportRefused(
            _("缺少必填的列：%(names)s（表头在第 %(row)s 行）。请使用导入模板或补上这些列",
              names="、".join(missing), row=header_row)
        )  # fmt: skip
    headers = [c.text for c in header_cells]
    data_rows: list[Row] = []
    rest = [(n, c) for n, c in head if n > header_row]

    def after_header():
        yield from rest
        yield from iterator

    for number, cells in after_header():
        if not any(c.text for c in cells):
            continue
        if len(data_rows) >= MAX_ROWS:
            raise ImportRefused(
                _("文件超过 %(n)s 行，请分成几个文件导入（每个文件最多 %(n)s 行）", n=MAX_ROWS)
            )
        picked = {key: cells[i] for key, i in columns.items() if i < len(cells) and cells[i].text}
        if not picked or _is_example(cells):
            continue  # only columns GridApp does not read, or the template's example row
        raw = [c.text for c in cells[: max(len(headers), 1)]]
        data_rows.append(Row(number, picked, raw))
    if not data_rows:
        raise ImportRefused(_("文件只有表头，没有数据行，请填写后再上传"))
    return Table(headers, header_row, columns, data_rows, fmt, encoding)


EXAMPLE_MARK = "示例"


def _is_example(cells: list[Cell]) -> bool:
    """The templates' example row starts with EXAMPLE_MARK in its first filled cell."""
    first = next((c.text for c in cells if c.text), "")
    return first.startswith(EXAMPLE_MARK)
