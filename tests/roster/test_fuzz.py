"""Fuzzing the import: any bytes uploaded and any cell values give a page, never a 500; any
bytes read give a table or ImportRefused, nothing else."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridapp.roster import kinds, parse

from ..test_forms_fuzz import NASTY
from . import files

FUZZ = settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KIND = kinds.get("students")

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NASTY),
    st.sampled_from(
        ["13812345678", "2015-02-29", "三年级（1）班", "男", "父亲", "=A1", "+1", "@x"]
    ),
)
row = st.lists(cell, min_size=len(files.HEADER), max_size=len(files.HEADER))


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda b, cut: b[:cut], st.just(files.xlsx_bytes(files.rows_of(3))),
              st.integers(0, 6000)),
    st.builds(lambda rows: files.csv_bytes(rows), st.lists(row, max_size=4)),
))  # fmt: skip
def test_any_bytes_are_read_or_refused(data):
    try:
        parse.read_table(data, "x.csv", KIND)
    except parse.ImportRefused as e:
        assert e.message


@FUZZ
@given(rows=st.lists(row, min_size=1, max_size=5), as_xlsx=st.booleans())
def test_any_cells_never_500(client, login, world, rows, as_xlsx):
    login(world.school_admin_name)
    rows = [[c.replace("\x00", "") if as_xlsx else c for c in r] for r in rows]
    try:
        data = files.xlsx_bytes(rows) if as_xlsx else files.csv_bytes(rows)
    except Exception:  # openpyxl refuses control characters in cells: not a file anyone can have
        return
    r = client.post(
        f"/schools/{world.school_a}/roster/import",
        data={"kind": "students", "file": (io.BytesIO(data), "a.xlsx" if as_xlsx else "a.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code in (303, 422), r.status_code
    if r.status_code == 303:
        page = client.get(r.headers["Location"])
        assert page.status_code == 200
        token = page.request.args["token"]
        commit = client.post(f"/schools/{world.school_a}/roster/import/commit",
                             data={"token": token, "kind": "students", "skip": "y",
                                   "skip_errors": str(page.get_data(as_text=True).count("<tr><td>"))})  # fmt: skip
        assert commit.status_code in (303, 422)
