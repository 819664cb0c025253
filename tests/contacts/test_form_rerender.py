"""A contact's review, withdrawal and evaluation: an error shows the record again with the
input, at a reloadable URL."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def test_review_and_withdrawal_keep_the_input(client, world, login):
    login(world.principal_name)
    html = assert_shown_again(
        client, f"/contacts/{world.contact}/review", {"decision": "maybe", "comment": "请补充"},
        ["请补充"],
    )  # fmt: skip
    assert 'name="comment"' in html
    login(world.head_teacher_name)
    assert_shown_again(
        client, f"/contacts/{world.contact}/withdraw", {"reason": " "}, ["请说明撤回的原因"]
    )
    assert_shown_again(
        client, f"/contacts/{world.contact}/withdraw", {"reason": "长" * 2001}, ["长" * 2001]
    )


def test_parent_evaluation_keeps_the_input(client, world, login):
    login(world.parent_name)
    assert_shown_again(
        client, f"/contacts/{world.contact}/evaluation",
        {"rating": "9", "feelings": "老师很耐心", "suggestions": "希望提前约时间"},
        ["老师很耐心", "希望提前约时间"],
    )  # fmt: skip
