"""Fuzzing the school leaders' pairing forms and the need marks with arbitrary text
(tests/test_forms_fuzz.py's strategies): never a server error, only statuses a user can meet."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ..test_forms_fuzz import ALLOWED, FUZZ, NUL, choice, date_text, text

number = st.one_of(st.integers(-5, 10**12).map(str), text)


def _check(r) -> None:
    assert r.status_code in ALLOWED | {409}, r.status_code


@pytest.mark.slow(5)
def test_pairing_forms(client, paired_world, login):
    w = paired_world
    login(w.principal_name)
    school = f"/schools/{w.school_a}/pairing"

    @FUZZ
    @given(words=text, n=number, day=date_text(), flag=choice("y", ""))
    @example(words=NUL, n=NUL, day=NUL, flag=NUL)
    @example(words="王小明", n="99999999999999999999", day="２０２６年１１月２０日", flag="y")
    def run(words, n, day, flag):
        _check(client.post(f"{school}/new", data={
            "teacher_id": n, "student_ids": [n, words, str(w.student)], "starts_on": day,
            "reason": words, "confirm_over_cap": flag, "q": words,
        }))  # fmt: skip
        _check(client.post(f"{school}/new", data={"q": words, "search": "1", "teacher_id": n}))
        _check(client.post(f"{school}/proposal", data={
            "rows-0-student_id": n, "rows-0-teacher_id": n, "rows-1-student_id": words,
            "rows-1-teacher_id": words, f"rows-{n}-student_id": n, "starts_on": day,
        }))  # fmt: skip
        _check(client.post(f"{school}/settings", data={
            "max_students": n, "log_every_days": words, "plan_within_days": n,
        }))  # fmt: skip
        _check(client.post(f"/pairings/{w.pairing}/end", data={
            "ends_on": day, "end_reason": words,
        }))  # fmt: skip
        _check(client.post(f"/pairings/{w.pairing}/move", data={
            "teacher_id": n, "ends_on": day, "end_reason": words, "confirm_over_cap": flag,
        }))  # fmt: skip
        _check(client.post(f"/students/{w.other_student}/need", data={
            "decision": words, "reason": words,
        }))  # fmt: skip
        _check(client.post(f"{school}/marks/{w.mark}/decide", data={"confirm": words}))
        _check(client.get(f"{school}?q={words[:60]}&page={n}"))

    run()
    assert client.get(school).status_code == 200


def test_row_numbers_and_ids_that_int_refuses(client, paired_world, login):
    """Keys and ids of digits Python's int() refuses (a circled digit, 6,000 digits): no row."""
    w = paired_world
    login(w.principal_name)
    big = "1" * 6000
    for index in (big, "①", "٣"):
        r = client.post(f"/schools/{w.school_a}/pairing/proposal",
                        data={f"rows-{index}-student_id": "1", "starts_on": "2026-11-20"})  # fmt: skip
        assert r.status_code == 422
    r = client.post(f"/schools/{w.school_a}/pairing/new",
                    data={"student_ids": [big, "①", "²"], "teacher_id": big})  # fmt: skip
    assert r.status_code == 422
