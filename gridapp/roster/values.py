"""Reading one cell's value for the roster import, each kind alike: dates as schools write them,
mobiles, ID numbers (身份证号) with their checksum, genders, and the reason a formula cell is
refused. Each reader returns (value, error) with the error a Chinese reason ("" when fine), so a
row collects all its reasons at once.

Rule source: issue 15, "Upload" and "Preview" (the reasons listed there).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from gridapp.core import text
from gridapp.core.forms import mask_id_number
from gridapp.core.i18n import gettext as _
from gridapp.people.models import Gender
from gridapp.roster.parse import Cell

_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00?:00(?::00)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EARLIEST = date(1900, 1, 1)


def formula_reason(label: str, cell: Cell) -> str:
    """The reason a formula cell is refused ("" if the cell holds no formula)."""
    if not cell.formula:
        return ""
    return _("%(col)s：单元格是公式，请复制后“粘贴为数值”再上传", col=label)


def read_date(label: str, cell: Cell, today: date) -> tuple[date | None, str]:
    """A date as written in a roster: an Excel date cell, "2015-09-01", "2015/9/1", "2015.9.1",
    "2015年9月1日", "20150901" (full-width digits too). (None, "") for an empty cell; an
    impossible date (2015-02-30), one before 1900 or after `today` is an error."""
    if not cell.text:
        return None, ""
    if isinstance(cell.value, datetime):
        on = cell.value.date()
    elif isinstance(cell.value, date):
        on = cell.value
    else:
        written = text.nfkc(cell.text).strip()
        m = _DATE_RE.match(written) or _COMPACT_DATE_RE.match(written)
        on = None
        if m:
            try:
                on = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                on = None
        if on is None:
            return None, _(
                "%(col)s“%(v)s”不是有效的日期（如 2015-09-01）", col=label, v=cell.text[:30]
            )
    if not EARLIEST <= on <= today:
        return None, _("%(col)s“%(v)s”不在合理范围内", col=label, v=on.isoformat())
    return on, ""


def read_mobile(label: str, cell: Cell) -> tuple[str, str]:
    """A mobile number in its normal form (core.text.normalise_phone: full-width digits,
    spaces, hyphens and +86 removed): ("", "") when empty; an error unless 11 digits 1[3-9]."""
    if not cell.text:
        return "", ""
    mobile = text.normalise_phone(cell.text)
    if not text.is_mobile(mobile):
        return "", _("%(col)s“%(v)s”不是 11 位手机号（1 开头，第二位为 3–9）",
                     col=label, v=cell.text[:30])  # fmt: skip
    return mobile, ""


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_birth_date(id_number: str) -> date | None:
    """The birth date an 18-character ID number holds (characters 7–14), or None."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def read_id_number(label: str, cell: Cell) -> tuple[str, str]:
    """A resident ID number (GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character, X
    upper case), or an error that shows it masked: wrong length, a letter inside, a checksum
    that fails, a birth date that does not exist."""
    if not cell.text:
        return "", ""
    value = text.normalise_code(cell.text)
    masked = mask_id_number(value)
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return "", _("%(col)s“%(v)s”应为 18 位（17 位数字和 1 位数字或 X）", col=label, v=masked)
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        return "", _("%(col)s“%(v)s”校验位不对，请核对", col=label, v=masked)
    if id_birth_date(value) is None:
        return "", _("%(col)s“%(v)s”中的出生日期不存在", col=label, v=masked)
    return value, ""


_GENDERS = {
    "男": Gender.MALE, "男性": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE,
    "女": Gender.FEMALE, "女性": Gender.FEMALE, "f": Gender.FEMALE, "female": Gender.FEMALE,
}  # fmt: skip


def read_gender(label: str, cell: Cell) -> tuple[Gender | None, str]:
    """男 / 女 (also 男性, 女性, M, F); an error for anything else, including an empty cell."""
    gender = _GENDERS.get(text.normalise_line(cell.text).lower())
    if gender is None:
        if not cell.text:
            return None, _("%(col)s为空", col=label)
        return None, _("%(col)s“%(v)s”无法识别（应为 男 或 女）", col=label, v=cell.text[:20])
    return gender, ""


def read_line(label: str, cell: Cell, limit: int) -> tuple[str, str]:
    """One line of text (core.text.normalise_line), an error beyond `limit` characters."""
    value = text.normalise_line(cell.text)
    if len(value) > limit:
        return "", _("%(col)s超过 %(n)s 个字", col=label, n=limit)
    return value, ""


def read_name(label: str, cell: Cell, *, required: bool, limit: int = 50) -> tuple[str, str]:
    """A person's name (core.text.normalise_name: middle dots · ・ • as ·, no spaces between
    Chinese characters); an error when required and empty, or beyond `limit` characters."""
    name = text.normalise_name(cell.text)
    if not name:
        return "", _("%(col)s为空", col=label) if required else ""
    if len(name) > limit:
        return "", _("%(col)s超过 %(n)s 个字", col=label, n=limit)
    return name, ""
