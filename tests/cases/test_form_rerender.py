"""The case page's forms and the settings pages: an error shows the form again with the input."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def test_case_page_forms_keep_the_input(client, world, login):
    login(world.principal_name)
    case = f"/cases/{world.case}"
    html = assert_shown_again(
        client, f"{case}/moves/merge", {"into": "99999"}, ["99999", "只能并入本校的另一条意见"]
    )
    assert 'id="merge-into-error"' in html
    assert_shown_again(client, f"{case}/moves/note", {"note": "  "}, ["请填写备注"])
    assert_shown_again(client, f"{case}/moves/merge", {"into": "abc"}, ["abc"])
    assert_shown_again(
        client, f"{case}/approval", {"decision": "approve", "reply": "我改过的答复"},
        ["我改过的答复", "没有待审核的答复"], status=409,
    )  # fmt: skip
    assert_shown_again(client, f"{case}/reply", {"reply": "长" * 2001}, ["长" * 2001])
    assert_shown_again(
        client, f"{case}/moves/assign", {"department": "总务处", "workdays": "99"},
        ["总务处", "99", "须在 1 到 60 之间"],
    )  # fmt: skip


def test_supervision_keeps_the_input(client, world, login):
    login(world.district_supervisor_name)
    assert_shown_again(
        client,
        f"/cases/{world.case}/supervision",
        {"comment": "", "reopen": "y"},
        ["请填写督查意见"],
    )
    html = client.post(
        f"/cases/{world.case}/supervision", data={"comment": "长" * 2001, "reopen": "y"}
    ).get_data(as_text=True)
    assert "长" * 2001 in html and 'name="reopen" type="checkbox" value="y"' in html


def test_settings_forms_keep_the_input(client, world, login):
    login(world.school_admin_name)
    url = f"/schools/{world.school_a}/case-settings"
    assert_shown_again(
        client, url, {"action": "canned", "category": "canteen", "title": "", "text": "已转食堂"},
        ["已转食堂", "请填写标题"],
    )  # fmt: skip
    assert_shown_again(
        client, url, {"action": "closure", "on": "明天", "reason": "校园消杀"}, ["明天", "校园消杀"]
    )
    assert_shown_again(client, url, {"action": "deadlines", "canteen": "61"}, ["61"])
    client.post("/logout")
    login(world.district_admin_name)
    assert_shown_again(
        client, "/district/calendar", {"on": "2027-02-06", "kind": "workday", "name": "长" * 41},
        ["2027-02-06", "长" * 41],
    )  # fmt: skip
