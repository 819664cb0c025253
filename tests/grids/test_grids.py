"""Parent grids: the proposal, the database's guarantees, moves, grid teachers and the family log."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridapp.core.audit import AuditEntry
from gridapp.grids import services
from gridapp.grids.models import Grid, GridLog, GridMember

from .. import factories as f

COMMUNITIES = ["阳光花园", "锦绣新村", "东方家园", "紫金苑", ""]


@settings(max_examples=200, deadline=None, database=None)
@given(
    communities=st.lists(st.sampled_from(COMMUNITIES), min_size=1, max_size=60),
    k=st.integers(1, 12),
)
def test_proposal_puts_every_family_in_exactly_one_grid_with_balanced_sizes(communities, k):
    families = [services.ClassFamily(i, c, [f"学生{i}"]) for i, c in enumerate(communities)]
    if k > len(families):
        with pytest.raises(services.RuleViolation):
            services.propose(families, k)
        return
    grids = services.propose(families, k)
    assert len(grids) == k
    placed = [fam.family_id for g in grids for fam in g]
    assert sorted(placed) == list(range(len(families)))
    share = math.ceil(len(families) / k)
    sizes = [len(g) for g in grids]
    assert max(sizes) - min(sizes) <= share


def test_proposal_keeps_neighbours_together():
    families = [services.ClassFamily(i, "阳光花园" if i < 9 else "锦绣新村", []) for i in range(18)]
    grids = services.propose(families, 2)
    assert sorted({fam.community for fam in g}.pop() for g in grids) == ["锦绣新村", "阳光花园"]


def test_the_database_keeps_a_family_in_one_grid_of_its_own_class(ctx, world):
    from gridapp.schools.models import SchoolClass

    other_class_grid = f.GridFactory(school_class=ctx.get(SchoolClass, world.class_a2), number=1)
    ctx.commit()
    family = ctx.scalars(
        select(GridMember.family_id).where(GridMember.grid_id == world.grid)
    ).first()
    # A second grid of the same class for the same family: refused.
    # (a number the world's grid does not have: factory sequences run across tests)
    taken = ctx.get(Grid, world.grid).number
    second = f.GridFactory(school_class=ctx.get(SchoolClass, world.class_a1), number=taken % 30 + 1)
    ctx.commit()
    with pytest.raises(IntegrityError):
        ctx.add(GridMember(grid_id=second.id, class_id=world.class_a1, family_id=family))
        ctx.flush()
    ctx.rollback()
    # A1's family in A2's grid, claiming to be in A1: the composite key refuses it.
    with pytest.raises(IntegrityError):
        ctx.add(GridMember(grid_id=other_class_grid.id, class_id=world.class_a1, family_id=999))
        ctx.flush()
    ctx.rollback()


def _class_of_45(ctx, world):
    from gridapp.schools.models import SchoolClass

    cls = ctx.get(SchoolClass, world.class_a2)
    for i in range(44):
        f.StudentFactory(
            school_class=cls, name=f"学生{i:02d}", community=COMMUNITIES[i % 4],
            student_number=f"45{i:04d}",
        )  # fmt: skip
    ctx.commit()
    return cls


def test_head_teacher_divides_a_class_of_45_adjusts_and_assigns(client, login, world, ctx):
    _class_of_45(ctx, world)  # class A2: other_class_teacher is its head teacher
    login(world.other_class_teacher_name)
    page = client.get(f"/classes/{world.class_a2}/grids").get_data(as_text=True)
    assert "按此建议划分网格" in page and "第5网格" in page  # 45 families: five grids
    assert client.post(f"/classes/{world.class_a2}/grids", data={"grids": "0"}).status_code == 422
    r = client.post(f"/classes/{world.class_a2}/grids", data={"grids": "5"})
    assert r.status_code == 303
    grids = ctx.scalars(
        select(Grid).where(Grid.class_id == world.class_a2).order_by(Grid.number)
    ).all()
    assert len(grids) == 5 and all(g.grid_teacher_id == world.other_class_teacher for g in grids)
    members = ctx.scalars(select(GridMember).where(GridMember.class_id == world.class_a2)).all()
    assert len(members) == 45 and len({m.family_id for m in members}) == 45
    # Dividing again is refused; moving two families is fine.
    assert client.post(f"/classes/{world.class_a2}/grids", data={"grids": "3"}).status_code == 422
    for m in members[:2]:
        target = grids[-1].id if m.grid_id != grids[-1].id else grids[0].id
        r = client.post(
            f"/classes/{world.class_a2}/grids/move",
            data={"family_id": m.family_id, "grid_id": target},
            headers={"HX-Request": "true"},
        )
        assert r.status_code == 200 and "已移入" in json.loads(r.headers["HX-Trigger"])["toast"]
        assert r.headers["HX-Trigger"].isascii()  # header values travel as latin-1
    # Into another class's grid, or a family of another class: refused, nothing changed.
    before = {m.id: m.grid_id for m in ctx.scalars(select(GridMember))}
    bad = client.post(
        f"/classes/{world.class_a2}/grids/move",
        data={"family_id": members[3].family_id, "grid_id": world.grid},
    )
    assert bad.status_code == 422 and "只能移到本班的网格" in bad.get_data(as_text=True)
    stranger = ctx.get(
        GridMember,
        ctx.scalars(select(GridMember.id).where(GridMember.grid_id == world.grid)).first(),
    )
    bad = client.post(
        f"/classes/{world.class_a2}/grids/move",
        data={"family_id": stranger.family_id, "grid_id": grids[0].id},
    )
    assert bad.status_code == 422
    ctx.expire_all()
    assert {m.id: m.grid_id for m in ctx.scalars(select(GridMember))} == {
        **before,
    }
    # A grid teacher must teach the class.
    url = f"/grids/{grids[0].id}/settings"
    r = client.post(
        url, data={"name": "阳光网格", "grid_teacher_id": world.head_teacher, "deputy_id": ""}
    )
    assert r.status_code == 422
    r = client.post(
        url,
        data={"name": "阳光网格", "grid_teacher_id": world.other_class_teacher, "deputy_id": ""},
    )
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Grid, grids[0].id).name == "阳光网格"
    assert ctx.scalars(select(AuditEntry).where(AuditEntry.action == "grids.create")).one()


def test_grid_teacher_logs_an_entry_for_a_family_of_the_grid(client, login, world, ctx):
    login(world.subject_teacher_name)  # keeps the world's grid
    page = client.get(f"/grids/{world.grid}").get_data(as_text=True)
    assert "王小明" in page and "张伟" in page and "138****5678" in page
    from gridapp.people.models import Student

    family = ctx.get(Student, world.student).family_id
    data = {"family_id": family, "kind": "guidance", "happened_on": "2026-11-20",
            "text": "与家长交流了作业习惯。"}  # fmt: skip
    assert client.post(f"/grids/{world.grid}/logs", data=data).status_code == 303
    for bad in (
        {**data, "text": ""},
        {**data, "happened_on": "2026-12-30"},
        {**data, "family_id": ctx.get(Student, world.student_a2).family_id},
        {**data, "kind": "gossip"},
        {**data, "family_id": "abc"},
    ):
        assert client.post(f"/grids/{world.grid}/logs", data=bad).status_code == 422, bad
    entries = ctx.scalars(select(GridLog)).all()
    assert [e.text for e in entries] == ["与家长交流了作业习惯。"]
    assert "与家长交流了作业习惯。" in client.get(f"/grids/{world.grid}").get_data(as_text=True)


def test_another_classs_grid_by_url_is_404(client, login, world):
    login(world.other_class_teacher_name)
    assert client.get(f"/grids/{world.grid}").status_code == 404
    assert client.post(f"/grids/{world.grid}/logs", data={}).status_code == 404
    assert client.get(f"/grids/{world.grid}/settings").status_code == 404
