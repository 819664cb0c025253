"""core.text: what a Chinese keyboard types is read as one normal form (issue 22, item 5)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridapp.core import text

FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678", "１３８１２３４５６７８", "+86 13812345678", "+86 138-1234-5678",
        "＋８６　１３８　１２３４　５６７８", "0086 13812345678", "8613812345678",
        " 138 1234 5678 ", "138-1234-5678", "(138) 1234.5678", "138\u200b12345678",
    ],
)  # fmt: skip
def test_every_way_of_typing_a_mobile_is_one_number(typed):
    assert text.normalise_phone(typed) == "13812345678"
    assert text.is_mobile(typed)


@pytest.mark.parametrize("typed", ["", "123", "23812345678", "138123456789", "+1 13812345678"])
def test_what_is_not_a_mobile_is_refused(typed):
    assert not text.is_mobile(typed)


def test_codes_names_and_classes():
    assert text.normalise_code("ｋ７ｍ２－ａｂｃｄ　ｅｆｇｈ") == "K7M2ABCDEFGH"
    assert text.normalise_code(" k7m2 abcd-efgh ") == "K7M2ABCDEFGH"
    for dotted in (
        "阿卜杜拉・艾力",
        "阿卜杜拉 • 艾力",
        "阿卜杜拉‧艾力",
        "阿卜杜拉･艾力",
        "阿卜杜拉⋅艾力",
    ):
        assert text.normalise_name(dotted) == "阿卜杜拉·艾力", dotted
    assert text.normalise_name("Ｌｉ　　Ｍｉｎｇ ") == "Li Ming"
    for written in (
        "三年级（2）班",
        "3年级2班",
        "三(2)班",
        "三年二班",
        "３年级（２）班",
        "3-2",
        "三年级2班",
    ):
        assert text.normalise_class_name(written) == "三年级（2）班", written
    assert text.parse_class_name("初一(3)班") == (7, 3)
    assert text.parse_class_name("高二3班") == (11, 3)
    assert text.parse_class_name("十三年级1班") is None
    assert text.normalise_class_name("不清楚") == "不清楚"
    assert text.normalise_number("１２，３４５") == "12345"


def test_like_patterns_match_percent_and_underscore_literally():
    assert text.like_pattern("100%") == "%100\\%%"
    assert text.like_pattern("a_b") == "%a\\_b%"
    assert text.like_pattern("a\\b", contains=False) == "a\\\\b%"


_typed = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cf")), max_size=40
)


@given(_typed)
def test_normal_forms_are_stable(value):
    # Applying a normalisation to its own result changes nothing: what is stored is looked up.
    for fn in (
        text.normalise_phone, text.normalise_code, text.normalise_name, text.normalise_line,
        text.normalise_class_name, text.normalise_search,
    ):  # fmt: skip
        once = fn(value)
        assert fn(once) == once, fn.__name__
        assert once == once.strip()
        # The class name alone keeps its full-width brackets: 三年级（2）班.
        if fn is not text.normalise_class_name:
            assert unicodedata.is_normalized("NFKC", once)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.sampled_from("3456789"))
def test_a_mobile_typed_full_width_with_prefix_is_the_same(rest, second):
    number = f"1{second}{rest}"
    typed = f"+86 {number[:3]}-{number[3:7]} {number[7:]}".translate(FULL_WIDTH)
    assert text.normalise_phone(typed) == number and text.is_mobile(typed)


@given(_typed)
def test_names_have_one_middle_dot(value):
    name = text.normalise_name(value)
    assert not set(name) & (set(text._DOTS) - {text.MIDDLE_DOT})
    assert "  " not in name


@given(_typed)
def test_like_pattern_never_leaves_a_wildcard_unescaped(value):
    pattern = text.like_pattern(value)[1:-1]
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        assert pattern[i] not in "%_"
        i += 1


@pytest.mark.parametrize(
    "value, expected",
    [("12", 12), ("１２", 12), (" 7 ", 7), ("²", 2), ("①", 1), ("٣", None), ("", None),
     (None, None), ("-1", None), ("1.5", None), ("999999999", 999999999), ("1234567890", None)],
)  # fmt: skip
def test_a_small_id_is_ascii_digits_once_normalised(value, expected):
    assert text.small_id(value) == expected


@given(st.text(max_size=12))
def test_a_small_id_never_raises_and_fits_a_database_integer(value):
    number = text.small_id(value)
    assert number is None or 0 <= number < 2**31
