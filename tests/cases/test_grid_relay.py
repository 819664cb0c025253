"""A grid teacher relays a parent's opinion; the principal sees it as a case and answers; the grid
teacher passes the answer back. Illegal moves are refused with 409."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.cases.models import Case, CaseEvent, CaseSource, CaseStatus
from gridapp.people.models import Student


def test_relay_reaches_the_principal_and_the_answer_goes_back(client, login, world, ctx):
    family = ctx.get(Student, world.other_student).family_id
    login(world.subject_teacher_name)
    data = {"family_id": family, "category": "safety", "words": "放学时校门口车太多，担心孩子安全。",
            "wants_answer": "y"}  # fmt: skip
    assert client.post(f"/grids/{world.grid}/relays", data=data).status_code == 303
    case = ctx.scalars(select(Case).where(Case.family_id == family)).one()
    assert (case.source, case.status, case.grid_id) == (
        CaseSource.GRID,
        CaseStatus.REGISTERED,
        world.grid,
    )
    assert case.words == "放学时校门口车太多，担心孩子安全。"  # verbatim
    # Telling the family before the school answered: an illegal move.
    assert client.post(f"/cases/{case.id}/told").status_code == 409
    client.post("/logout")
    login(world.principal_name)
    listing = client.get(f"/schools/{world.school_a}/cases").get_data(as_text=True)
    assert f"/cases/{case.id}" in listing and "网格员转达" in listing
    assert client.post(f"/cases/{case.id}/reply", data={"reply": " "}).status_code == 422
    r = client.post(f"/cases/{case.id}/reply", data={"reply": "已安排老师在校门口护导。"})
    assert r.status_code == 303
    assert client.post(f"/cases/{case.id}/reply", data={"reply": "再答一次"}).status_code == 409
    client.post("/logout")
    login(world.subject_teacher_name)
    assert "已安排老师在校门口护导。" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/told").status_code == 303
    ctx.expire_all()
    case = ctx.get(Case, case.id)
    assert case.status is CaseStatus.REPLIED and case.family_told_at is not None
    actions = ctx.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    ).all()
    assert actions == ["collect", "register", "reply", "family_told"]
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "已告知家长" in page


def test_bad_relays_are_refused_and_nothing_is_stored(client, login, world, ctx):
    login(world.subject_teacher_name)
    before = ctx.scalars(select(Case)).all()
    family = ctx.get(Student, world.student).family_id
    for bad in (
        {"family_id": family, "category": "canteen", "words": ""},
        {"family_id": family, "category": "weather", "words": "x"},
        {"family_id": ctx.get(Student, world.student_a2).family_id, "category": "other",
         "words": "另一个班的家庭"},
        {"family_id": family, "category": "other", "words": "长" * 2001},
    ):  # fmt: skip
        assert client.post(f"/grids/{world.grid}/relays", data=bad).status_code == 422, bad
    assert len(ctx.scalars(select(Case)).all()) == len(before)


def test_another_school_cannot_see_the_case(client, login, world):
    login(world.other_school_admin_name)
    assert client.get(f"/cases/{world.case}").status_code == 404
    assert client.get(f"/schools/{world.school_a}/cases").status_code == 404
