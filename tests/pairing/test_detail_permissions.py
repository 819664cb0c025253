"""The permission matrix of a pairing's pages, its plan and log, and /my/pairings (tests/matrix.py):
the plan and the log are sensitive, seen by the paired teacher, the head teacher of the student's
class and the school's leaders only; a subject teacher of the class, another school, the district
and parents get 404. The world's pairing: `other_class_teacher` with `student` (tests/pairing/
paired.py)."""

from __future__ import annotations

from datetime import date

import pytest

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import Pairing

from ..matrix import cases, check
from .paired import make_pairing

VIEWERS = {"other_class_teacher": 200, "head_teacher": 200, "principal": 200, "school_admin": 200}
PAIRED = "other_class_teacher"  # the paired teacher in these rows

MATRIX = [
    ("GET", "/pairings/{pairing}", "pairing.pairing_page", VIEWERS, None),
    ("GET", "/pairings/{pairing}/log", "pairing.add_log", {PAIRED: 303}, None),
    ("POST", "/pairings/{pairing}/log", "pairing.add_log", {PAIRED: 422}, None),
    ("GET", "/pairings/{pairing}/plan", "pairing.plan_form", {PAIRED: 200}, None),
    ("POST", "/pairings/{pairing}/plan", "pairing.plan_form", {PAIRED: 422}, None),
    ("GET", "/pairings/{pairing}/plan/versions", "pairing.plan_versions", VIEWERS, None),
    (
        "GET",
        "/my/pairings",
        "pairing.my_pairings",
        {
            r: 200
            for r in (
                "principal",
                "head_teacher",
                "subject_teacher",
                "other_class_teacher",
                "other_school_teacher",
            )
        },
        None,
    ),  # fmt: skip
]


@pytest.mark.parametrize("method, url, role, expected", cases(MATRIX))
def test_matrix(client, login, ctx, world, method, url, role, expected):
    check(client, login, make_pairing(world), method, url, role, expected)


@pytest.mark.parametrize(
    "url", ["/pairings/{pairing}/log", "/pairings/{pairing}/plan"], ids=["log", "plan"]
)
def test_an_ended_pairing_is_read_only(client, login, ctx, world, url):
    """Once ended, nobody writes its plan or log; its page stays for those who saw it."""
    w = make_pairing(world)
    services.end_pairing(ctx.get(User, w.principal), ctx.get(Pairing, w.pairing),
                         date(2026, 11, 20), "转学", date(2026, 11, 23))  # fmt: skip
    db.session.commit()
    login(w.paired_teacher_name)
    assert client.post(url.format(**vars(w)), data={}).status_code == 404
    assert client.get(f"/pairings/{w.pairing}").status_code == 200


def test_unknown_and_malformed_pairing_ids_are_404(client, login, world):
    login(world.principal_name)
    for url in ("/pairings/999999", "/pairings/0/plan", "/pairings/99999999999999/plan/versions"):
        assert client.get(url).status_code == 404, url
