"""The grid page's forms, moving a family, dividing a class, attendance: an error shows the
page (or the htmx fragment) again with the input, at a reloadable URL."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def _family(ctx, world):
    from gridapp.people.models import Student

    return ctx.get(Student, world.student).family_id


def test_grid_page_forms_keep_the_input(client, ctx, world, login):
    login(world.subject_teacher_name)
    family = _family(ctx, world)
    html = assert_shown_again(
        client, f"/grids/{world.grid}/logs",
        {"family_id": family, "kind": "help", "happened_on": "2099-01-01", "text": "上门看望"},
        ["上门看望", "2099-01-01", "日期不能晚于今天"],
    )  # fmt: skip
    assert '<option value="help" selected>' in html
    html = assert_shown_again(
        client, f"/grids/{world.grid}/relays",
        {"family_id": family, "category": "nonsense", "words": "午饭不够吃"},
        ["午饭不够吃", "请选择意见类别"],
    )  # fmt: skip
    assert_shown_again(
        client, f"/grids/{world.grid}/relays",
        {"family_id": "999999", "category": "canteen", "words": "午饭不够吃"},
        ["午饭不够吃", "这个家庭不在本网格"],
    )  # fmt: skip


def test_moving_a_family_answers_the_fragment_with_the_refusal(client, ctx, world, login):
    login(world.head_teacher_name)
    url = f"/classes/{world.class_a1}/grids/move"
    r = client.post(
        url, data={"family_id": "999999", "grid_id": "abc"},
        headers={"HX-Request": "true", "HX-Target": "class-grids"},
    )  # fmt: skip
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "<html" not in html and "flash-error" in html
    assert client.get(url).status_code == 303
