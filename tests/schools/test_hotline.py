"""The school's hotline (校长热线, seed 004 §15: 公布学校联系电话，并公布值守时间): its leaders
publish the number and hours, typed on a Chinese keyboard; the mailbox and reception pages show
them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gridapp.core import text
from gridapp.core.audit import AuditEntry
from gridapp.schools.models import School


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _publish(client, world, phone="０５７３－８２３４ ５６７８", hours="工作日 8:00—17:30"):
    return client.post(f"/schools/{world.school_a}/hotline", data={"phone": phone, "hours": hours})


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("０５７３－８２３４５６７８", "0573-82345678"),
        ("(0573) 8234 5678", "0573-82345678"),
        ("（０５７３）８２３４５６７８", "0573-82345678"),
        ("400—123—4567", "400-123-4567"),
        ("12345", "12345"),
        ("0573-82345678-801", "0573-82345678-801"),
    ],
)
def test_a_number_as_typed_is_stored_in_one_form(typed, stored):
    assert text.normalise_phone_line(typed) == stored
    assert text.is_phone_line(typed)


@pytest.mark.parametrize(
    "typed", ["1234", "0573-8234abc", "+86 573 8234 5678", "０５７３／８２３４", "1" * 21]
)
def test_what_is_not_a_number_is_refused(typed):
    assert not text.is_phone_line(typed)


@pytest.mark.parametrize("who", ["principal", "school_admin"])
def test_the_schools_leaders_publish_it(client, login, world, ctx, who):
    login(getattr(world, f"{who}_name"))
    page = client.get(f"/schools/{world.school_a}/hotline").get_data(as_text=True)
    assert "值守时间" in page
    r = _publish(client, world)
    assert r.status_code == 303
    ctx.expire_all()
    school = ctx.get(School, world.school_a)
    assert (school.hotline_phone, school.hotline_hours) == ("0573-82345678", "工作日 8:00—17:30")
    assert ctx.scalar(select(AuditEntry.id).where(AuditEntry.action == "school.hotline"))
    overview = _text(client.get(f"/schools/{world.school_a}").get_data(as_text=True))
    assert "校长热线：0573-82345678（工作日 8:00—17:30）" in overview


@pytest.mark.parametrize(
    "phone, hours, message",
    [
        ("0573-8234abc", "工作日 8:00—17:30", "请填写 5 到 20 位数字的电话号码"),
        ("１２３", "工作日 8:00—17:30", "请填写 5 到 20 位数字的电话号码"),
        ("0573-82345678", "", "公布热线电话时请同时写明值守时间"),
        ("", "工作日 8:00—17:30", "请填写热线电话，或清空值守时间"),
        ("0573-82345678", "长" * 101, "内容不能超过 100 字"),
        ("0" * 41, "工作日", "电话号码不能超过 40 个字符"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_kept(
    client, login, world, ctx, phone, hours, message
):
    login(world.principal_name)
    assert _publish(client, world, "0573-11112222", "周一至周五 9:00—17:00").status_code == 303
    r = _publish(client, world, phone, hours)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert message in page
    if phone:
        assert phone in page  # as typed
    if hours and len(hours) < 100:
        assert hours in page
    ctx.expire_all()
    school = ctx.get(School, world.school_a)
    assert (school.hotline_phone, school.hotline_hours) == (
        "0573-11112222",
        "周一至周五 9:00—17:00",
    )


def test_sending_it_empty_withdraws_it(client, login, world, ctx):
    login(world.school_admin_name)
    _publish(client, world)
    assert _publish(client, world, "", "").status_code == 303
    ctx.expire_all()
    assert ctx.get(School, world.school_a).hotline_phone == ""
    client.post("/logout")
    assert "0573-82345678" not in client.get(f"/mailbox?school={world.school_a}").get_data(True)


def test_the_mailbox_and_reception_pages_publish_it(client, login, world):
    login(world.principal_name)
    _publish(client, world)
    client.post("/logout")
    # Anyone writing to the mailbox: every school's hotline, folded; the chosen school's, open.
    page = client.get("/mailbox").get_data(as_text=True)
    assert '<details class="hotlines">' in page and "0573-82345678" in page
    page = client.get(f"/mailbox?school={world.school_a}").get_data(as_text=True)
    assert '<details class="hotlines">' not in page
    assert 'href="tel:0573-82345678"' in page and "工作日 8:00—17:30" in page
    # A guest on the reception pages: the schools whose days they may book.
    index = client.get("/reception").get_data(as_text=True)
    assert "校长热线" in index and "0573-82345678" in index
    book = client.get(f"/reception/slots/{world.slot}").get_data(as_text=True)
    assert "0573-82345678" in book and "工作日 8:00—17:30" in book
    # A parent: their children's schools.
    login(world.parent_name)
    assert 'href="tel:0573-82345678"' in client.get("/mailbox").get_data(as_text=True)
    assert "0573-82345678" in client.get("/reception").get_data(as_text=True)


def test_no_hotline_no_section(client, world):
    assert "校长热线" not in client.get("/mailbox").get_data(as_text=True)


def test_the_service_checks_the_number_too(world, ctx):
    from gridapp.accounts.models import User
    from gridapp.core.errors import RuleViolation
    from gridapp.schools import services

    school, actor = ctx.get(School, world.school_a), ctx.get(User, world.principal)
    with pytest.raises(RuleViolation) as refused:
        services.set_hotline(actor, school, "热线", "工作日")
    assert refused.value.field == "phone"
    services.set_hotline(actor, school, "４００－１２３－４５６７", "  每天\u3000 8:00—20:00 ")
    assert (school.hotline_phone, school.hotline_hours) == ("400-123-4567", "每天 8:00—20:00")
    assert [h.name for h in services.hotlines([world.school_a, world.school_b])] == [school.name]
