"""A parent's home page shows what waits for them: visits to rate (which child each was about),
their coming reception bookings, and the way to the mailbox and their letters (issue 22, 10)."""

from __future__ import annotations


def test_the_parent_home_lists_visits_to_rate_bookings_and_the_mailbox(client, world, login):
    login(world.parent_name)
    home = client.get("/").get_data(as_text=True)
    assert "等您评价" in home and f'href="/contacts/{world.contact}"' in home
    assert "关于 王小明" in home  # which of the two children the visit was about
    assert "我的接待日预约" in home and "孩子的午餐" in home
    assert f'href="/reception/bookings/{world.booking}"' in home
    assert 'href="/mailbox"' in home and 'href="/my/letters"' in home
    # Rated: no longer waiting.
    r = client.post(f"/contacts/{world.contact}/evaluation", data={"rating": "5"})
    assert r.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "等您评价" not in home


def test_the_parents_visit_list_says_which_child_each_visit_was_about(client, world, login):
    login(world.parent_name)
    page = client.get("/my/contacts").get_data(as_text=True)
    assert "关于 王小明" in page and "王小红" not in page


def test_the_parents_bookings_say_which_child_each_is_about(client, world, login):
    login(world.parent_name)
    for url in ("/", "/reception"):
        page = client.get(url).get_data(as_text=True)
        assert "关于 王小明 · 孩子的午餐" in page, url
    page = client.get(f"/reception/bookings/{world.booking}").get_data(as_text=True)
    assert "<dt>孩子</dt><dd>王小明</dd>" in page
