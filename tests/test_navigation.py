"""The navigation by role: short ones in one row, long ones in drop-down groups (gridapp/nav.py)."""

from __future__ import annotations

import pytest

from gridapp import nav


@pytest.mark.parametrize(
    ("who", "grouped"),
    [
        ("head_teacher", False),
        ("district_supervisor", False),
        ("parent", False),
        ("principal", True),  # teaches too: some 14 links
    ],
)
def test_links_are_grouped_only_when_there_are_many(client, login, world, who, grouped):
    login(getattr(world, who + "_name"))
    html = client.get("/").get_data(as_text=True)
    assert ('class="nav-group"' in html) is grouped
    # Every group is in GROUPS, whose headings are translated.
    assert all(key in nav.GROUPS for key in ("home", "mine", "school", "figures", "admin"))
    assert nav.FLAT_MAX >= 6
