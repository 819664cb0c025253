"""The obligations' forms and filters with anything typed: a Chinese answer, never a 500 (as
tests/test_forms_fuzz.py does for the other forms)."""

from __future__ import annotations

import io

from hypothesis import example, given

from ..test_forms_fuzz import ALLOWED, FUZZ, NUL, choice, text
from .documents import pdf_bytes, with_documents


def test_the_upload_form(client, world, login):
    login(world.head_teacher_name)
    pdf = pdf_bytes()

    @FUZZ
    @given(item=choice("plan", "essay", "meeting", ""), note=text, kept=text, name=text)
    @example(item=NUL, note=NUL, kept=NUL, name=NUL)
    def run(item, note, kept, name):
        data = {"item": item, "note": note, "kept_file": kept,
                "file": (io.BytesIO(pdf), name or "a.pdf")}  # fmt: skip
        r = client.post("/my/obligations", data=data, content_type="multipart/form-data")
        assert r.status_code in ALLOWED, r.status_code

    run()


def test_the_return_form_and_the_filters(client, world, login, ctx):
    w = with_documents(world)
    login(w.principal_name)

    @FUZZ
    @given(reason=text, item=text, state=text, year=text)
    @example(reason=NUL, item=NUL, state=NUL, year=NUL)
    def run(reason, item, state, year):
        r = client.post(f"/obligations/documents/{w.document_b}/return", data={"reason": reason})
        assert r.status_code == 404
        r = client.get(
            f"/schools/{w.school_a}/obligations",
            query_string={"item": item, "state": state, "year": year},
        )
        assert r.status_code in ALLOWED, r.status_code

    run()
