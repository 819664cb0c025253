"""Reception forms: an error shows the same page again with the input, at a reloadable URL."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def test_parent_cancel_keeps_the_reason(client, world, login):
    login("parent")
    assert_shown_again(
        client, f"/reception/bookings/{world.booking}/cancel", {"reason": "长" * 201},
        ["长" * 201],
    )  # fmt: skip


def test_guest_lookup_and_booking(client, world):
    html = assert_shown_again(
        client, "/reception/lookup", {"code": "WRONG-CODE-0000"}, ["WRONG-CODE-0000"], status=404
    )
    assert "没有找到这个预约码" in html
    assert_shown_again(
        client, f"/reception/slots/{world.slot}",
        {"guest_name": "赵女士", "guest_mobile": "123", "topic": "午饭"}, ["赵女士", "午饭", "123"],
    )  # fmt: skip


def test_host_forms_keep_the_input(client, ctx, world, login):
    from gridapp.reception.models import Booking

    login(world.principal_name)
    day = ctx.get(Booking, world.booking).day_id
    html = assert_shown_again(
        client, f"/reception/days/{day}/walk-ins", {"guest_name": "", "topic": "午休安排"},
        ["午休安排", "请填写来访家长的姓名"],
    )  # fmt: skip
    assert 'id="walk-in-name-error"' in html
    assert_shown_again(
        client, f"/reception/bookings/{world.booking}/visit",
        {"attended": "n", "follow_up": "y", "notes": "家长没来，电话联系"},
        ["家长没来，电话联系", "家长未到，不能转为意见"],
    )  # fmt: skip
    assert_shown_again(
        client, f"/reception/days/{day}/cancel", {"reason": "长" * 201}, ["长" * 201]
    )
    assert_shown_again(
        client, f"/schools/{world.school_a}/reception",
        {"kind": "once", "on": "2020-01-01", "room": "三楼会议室", "starts": "14:00",
         "ends": "16:00", "slot_minutes": "20", "capacity": "2", "buffer_minutes": "0",
         "opens_days_before": "14", "closes_hours_before": "24", "host_ids": str(world.principal)},
        ["三楼会议室"],
    )  # fmt: skip
