"""What a Chinese keyboard types, read as one normal form: phones, codes, names, class names, search
text, numbers and dates, and LIKE patterns that match a `%` or `_` literally.

A Chinese input method produces full-width digits and letters (１３８, ＡＢＣ), the ideographic
space (U+3000), full-width punctuation (－ ＋ （ ）) and, in names of minority or foreign origin,
one of several middle dots (· ・ • ‧ ⋅ ∙). Every function here starts from Unicode NFKC, which
maps the full-width forms to the ASCII ones, then applies the rule of its kind. Form fields
(core/forms.py), services and searches call these functions, so what is stored and what is looked
up is the same string whatever keyboard typed it. Free text (a letter, a record) is never
normalised: NFKC would turn Chinese punctuation （，） into ASCII.

Nothing here touches the database or Flask: the roster import and the CLI use it as they are.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "GRADE_NAMES",
    "LIKE_ESCAPE",
    "MIDDLE_DOT",
    "drop_invisible",
    "is_mobile",
    "like_pattern",
    "name_sort_key",
    "nfkc",
    "normalise_class_name",
    "normalise_code",
    "normalise_line",
    "normalise_name",
    "normalise_number",
    "normalise_phone",
    "normalise_search",
    "parse_class_name",
    "parse_class_number",
    "parse_grade",
]

MIDDLE_DOT = "\u00b7"  # · the one middle dot GridApp stores (GB 18030's 间隔号 in names)
# Dots typed for 间隔号 by one input method or another, or pasted from another system.
_DOTS = "\u00b7\u0387\u2022\u2027\u2219\u22c5\u30fb\uff65\u16eb\u2e31\u318d\ua78f\u2981\u25cf"
_DOT_RE = re.compile(f"\\s*[{_DOTS}]\\s*")
_SPACE_RE = re.compile(r"\s+")
# A space typed between two Chinese characters of a name (王　丽, to line up two-character
# names with three-character ones) is not part of the name.
_CJK_SPACE_RE = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])")
# Characters with no width that a paste may carry: zero-width space/joiners, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc.()\[\]/]+")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# GB/T 2260 country code of China, as typed before a mobile number: +86, 0086, 86.
_CHINA_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)")

GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}  # fmt: skip
_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10, "〇": 0, "零": 0}  # fmt: skip

LIKE_ESCAPE = "\\"


_FORM_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_form_token(value: str | None) -> bool:
    """A form's one-time token as the views make it (`secrets.token_urlsafe`): 1 to 64
    URL-safe characters. Anything else (empty, too long, a NUL byte, which PostgreSQL refuses
    in text) is a stale or forged form, never a query."""
    return bool(value) and _FORM_TOKEN_RE.fullmatch(value) is not None


def nfkc(value: str | None) -> str:
    """`value` in Unicode NFKC with invisible characters removed ("" for None): full-width
    digits, letters and punctuation become ASCII, the ideographic space a space."""
    if not value:
        return ""
    return unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)


def _recompose(value: str) -> str:
    # Removing a space or separator can leave a combining mark beside a letter ("U¯" is "U",
    # space, U+0304 in NFKC): normalise again so the result is its own normal form.
    return unicodedata.normalize("NFKC", value)


def drop_invisible(value: str) -> str:
    """`value` without characters that have no width (zero-width space and joiners, BOM, soft
    hyphen), which a paste carries along and no one can see or type back."""
    return value.translate(_INVISIBLE)


def normalise_line(value: str | None) -> str:
    """One line of text as stored: NFKC, runs of whitespace (tabs, U+3000, newlines) as one
    space, stripped. For short identifying text (a school's phone line, a subject), not prose."""
    return _recompose(_SPACE_RE.sub(" ", nfkc(value))).strip()


def normalise_phone(value: str | None) -> str:
    """A phone number as stored: ASCII digits only, without spaces, hyphens, brackets or dots,
    and without the country code before a mobile number.

    "１３８ １２３４ ５６７８", "+86 138-1234-5678", "0086 13812345678" → "13812345678";
    "0571-8888 8888" → "057188888888". Anything else that is not a digit is kept (so a
    validator can refuse it): "138abc" stays "138abc". Never raises.
    """
    digits = _recompose(_SEPARATORS.sub("", nfkc(value)))
    return _CHINA_PREFIX.sub("", digits)


# A published phone line (a school's hotline): digit groups joined by single hyphens.
_PHONE_LINE_RE = re.compile(r"^\d+(?:-\d+)*$")
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212\u30fc\ufe63\uff0d]+")
PHONE_LINE_DIGITS = (5, 20)  # 12345-style service numbers up to a landline with its extension


def normalise_phone_line(value: str | None) -> str:
    """A phone number to publish, as stored: NFKC (full-width digits and hyphens become
    ASCII), every dash variant (－, —, ー, −…) one hyphen, spaces dropped, an area code in
    brackets followed by a hyphen, no hyphen at either end.

    "０５７３－８２３４ ５６７８" → "0573-82345678", "(0573)82345678" → "0573-82345678",
    "400—123—4567" → "400-123-4567". Anything else is kept (so `is_phone_line` can refuse it):
    "0573-8234abc" stays. Never raises."""
    line = "".join(nfkc(value).split())
    line = re.sub(r"^\((\d+)\)", r"\1-", line)
    return _DASHES.sub("-", line).strip("-")


def is_phone_line(value: str | None) -> bool:
    """True for a number `normalise_phone_line` gives as digit groups joined by hyphens, with
    PHONE_LINE_DIGITS (5 to 20) digits in all."""
    line = normalise_phone_line(value)
    digits = sum(ch.isdigit() for ch in line)
    low, high = PHONE_LINE_DIGITS
    return bool(_PHONE_LINE_RE.match(line)) and low <= digits <= high


def is_mobile(value: str | None) -> bool:
    """True for an 11-digit mainland mobile number (1[3-9] and nine digits) after
    `normalise_phone`."""
    return bool(_MOBILE_RE.match(normalise_phone(value)))


def normalise_code(value: str | None) -> str:
    """A code typed back (tracking code 查询码, booking code 预约码, school code, student
    number): NFKC, upper case, without spaces, hyphens or dots. "ｋ７ｍ２－ａｂｃｄ" → "K7M2ABCD".
    Codes with look-alike letters (Crockford) map those themselves (cases.mailbox)."""
    return _recompose(_SEPARATORS.sub("", nfkc(value)).upper())


def normalise_number(value: str | None) -> str:
    """A number as typed (before int()): NFKC, without spaces or thousands separators
    ("１２，３４５" → "12345"); a sign and a decimal point are kept."""
    return _recompose(re.sub(r"[\s,']+", "", nfkc(value)))


def small_id(value: str | None) -> int | None:
    """An id as sent in a form or a URL ("12", "１２" typed full width): the number when it is 1
    to 9 ASCII digits once normalised (NFKC: "²" is 2), so below 2**31; else None. int() of an
    un-normalised "²" raises although "²".isdigit() is true: `str.isdigit` alone lets a 500
    through."""
    number = normalise_number(value)
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 9 else None


def normalise_name(value: str | None) -> str:
    """A person's name as stored and searched: NFKC, every middle-dot variant as U+00B7 with no
    space around it, no space between two Chinese characters, other runs of whitespace as one
    space, stripped.

    "阿卜杜拉・艾力", "阿卜杜拉 • 艾力", "阿卜杜拉‧艾力" → "阿卜杜拉·艾力"; "王　丽" → "王丽";
    "Ｌｉ　Ｍｉｎｇ" → "Li Ming".
    """
    text = _DOT_RE.sub(MIDDLE_DOT, nfkc(value))
    return _recompose(_CJK_SPACE_RE.sub("", _SPACE_RE.sub(" ", text))).strip()


def normalise_search(value: str | None) -> str:
    """A search box's text: as `normalise_name` (a search is most often for a name), so
    "阿卜杜拉・艾力" finds "阿卜杜拉·艾力" and "１２" finds student number "12"."""
    return normalise_name(value)


def _number(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(c not in _NUMERALS for c in text):
        return None
    if text == "十":
        return 10
    if "十" in text:  # 十二 = 12, 二十 = 20, 二十三 = 23
        tens, _sep, ones = text.partition("十")
        return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)
    return _NUMERALS[text] if len(text) == 1 else None


_LEVEL_NAMES = {
    **{f"初{k}": 6 + v for k, v in (("一", 1), ("二", 2), ("三", 3))},
    **{f"高{k}": 9 + v for k, v in (("一", 1), ("二", 2), ("三", 3))},
}
_CLASS_RE = re.compile(
    r"^(?P<grade>初[一二三]|高[一二三]|[0-9]{1,2}|[一二三四五六七八九十]{1,2})"
    r"(?:年级|年)?\s*[(]?\s*(?P<number>[0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*[)]?\s*班?$"
)


def parse_class_name(value: str | None) -> tuple[int, int] | None:
    """(grade level 1–12, class number 1–99) of a class name as people write it, or None.

    "三年级（2）班", "3年级2班", "三(2)班", "三年二班", "初一(3)班" (level 7), "高二3班" (level 11),
    "3-2" and "3.2班" are all read; a level outside 1–12 or a number outside 1–99 is None.
    """
    text = nfkc(value).replace(" ", "")
    text = re.sub(r"^(\d{1,2})[\-.](\d{1,2})", r"\1(\2)", text)
    m = _CLASS_RE.match(text)
    if not m or text.isdigit():  # "11" alone says nothing about grade and class
        return None
    grade = m["grade"]
    level = _LEVEL_NAMES.get(grade) or _number(grade)
    number = _number(m["number"])
    if level is None or number is None or not 1 <= level <= 12 or not 1 <= number <= 99:
        return None
    return level, number


def parse_grade(value: str | None) -> int | None:
    """The grade level (1–12) of a grade as people write it, or None: "三年级", "3年级", "3",
    "初一" (7), "高二" (11), "七年级", "一年级" (1). Used where a file gives the grade and the
    class in two columns (the roster import)."""
    grade = nfkc(value).replace(" ", "")
    grade = re.sub(r"(?:年级|年)$", "", grade)
    level = _LEVEL_NAMES.get(grade) or _number(grade)
    return level if level is not None and 1 <= level <= 12 else None


def parse_class_number(value: str | None) -> int | None:
    """The class number (1–99) of a class written without its grade, or None: "2", "2班",
    "(2)班", "（２）", "二班"."""
    number = re.sub(r"[()\s]", "", nfkc(value)).removesuffix("班")
    parsed = _number(number)
    return parsed if parsed is not None and 1 <= parsed <= 99 else None


def normalise_class_name(value: str | None) -> str:
    """A class name in the one form GridApp writes it, "三年级（2）班" (full-width brackets, as
    schools.models.class_name), when `parse_class_name` reads it; otherwise the text as written
    with runs of whitespace as one space ("不清楚", "七年级（1）班 王小红": no NFKC, which would
    turn its brackets into ASCII ones)."""
    parsed = parse_class_name(value)
    if parsed is None:
        return _SPACE_RE.sub(" ", drop_invisible(value or "")).strip()
    level, number = parsed
    return f"{GRADE_NAMES[level]}（{number}）班"


def like_pattern(value: str, *, contains: bool = True) -> str:
    """A LIKE pattern that matches `value` literally, to be used with ``escape=LIKE_ESCAPE``
    (``column.like(like_pattern(q), escape=LIKE_ESCAPE)``): `%`, `_` and the escape character
    itself are escaped. `contains` wraps it in `%…%`; otherwise it is a prefix pattern (`…%`)."""
    escaped = value.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%" if contains else f"{escaped}%"


def search_condition(search: str | None, *columns):
    """The SQL condition "one of `columns` contains `search`": the search box's text in its
    normal form (``normalise_search``), matched case-insensitively and literally (``%`` and
    ``_`` are not wildcards) on both databases. None when nothing is searched."""
    from sqlalchemy import or_

    search = normalise_search(search)
    if not search:
        return None
    like = like_pattern(search)
    return or_(*(column.ilike(like, escape=LIKE_ESCAPE) for column in columns))


# ---- the order of names -----------------------------------------------------------------------

# Surnames whose reading differs from the character's usual one (曾 zēng, not céng).
_SURNAMES = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "朴": "piao2", "区": "ou1",
    "查": "zha1", "覃": "qin2", "盖": "ge3", "缪": "miao4", "乐": "yue4", "尉": "yu4",
    "秘": "bi4", "翟": "zhai2", "召": "shao4", "种": "chong2", "繁": "po2", "员": "yun4",
    "卜": "bu3", "万": "wan4", "重": "chong2", "阚": "kan4",
    "能": "nai4", "黑": "he4", "隗": "wei3", "寻": "xun2", "任": "ren2", "沈": "shen3",
}  # fmt: skip
NAME_KEY_LENGTH = 255
_TOKEN = 7  # a syllable's letters padded to 6 (zhuang, shuang), then its tone 1–5


def _syllables(name: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    # Anything not Chinese comes back as one piece, split here into words (Latin names).
    out = []
    for piece in lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True):
        out.extend(re.findall(r"[0-9A-Za-z]+", piece) if not piece[-1:].isdigit() else [piece])
    if name and name[0] in _SURNAMES and out:
        out[0] = _SURNAMES[name[0]]
    return out


def name_sort_key(name: str | None) -> str:
    """The key that puts people's names in the order a Chinese reader expects (pinyin, then
    tone, then the character), the same on SQLite and PostgreSQL: a string of [0-9a-z] only, so
    any database collation orders it as its bytes.

    Each Chinese character is its syllable padded to six letters with "0" and its tone (张 →
    "zhang01", 李 → "li00003"), so 李 comes before 林 and 张三 before 张三丰; a Latin letter or
    digit word is itself, padded the same way; the middle dot and spaces are left out. The code points
    of the whole name follow ("0" + five hex digits each) so two names that read alike (张伟,
    章伟) still have one fixed order. At most NAME_KEY_LENGTH characters. Surnames read
    differently from their usual character (曾, 单, 解, 仇, 朴, 区 …) use their surname reading.
    Computed when a name is written (core.models.sorted_name), never by the database.
    """
    name = normalise_name(name)
    tokens = []
    for syllable in _syllables(name):
        syllable = syllable.lower()
        if syllable[-1:].isdigit() and syllable[:-1].isascii() and syllable[:-1].isalpha():
            tokens.append(syllable[:-1].ljust(_TOKEN - 1, "0") + syllable[-1])
        elif syllable.isascii() and syllable.isalnum():
            tokens.append(syllable + "0" * max(1, _TOKEN - len(syllable)))
    tail = "".join(f"0{ord(c):05x}" for c in name)
    return ("".join(tokens) + "0" + tail)[:NAME_KEY_LENGTH]
