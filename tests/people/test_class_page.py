"""The class page's links, role by role: the head of the page shows each link only to those
its permission check names (people.class_views.class_page; the links come from one cached set,
`class_links`, and the checks from one unwrapped user)."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from gridapp.people.class_views import class_links

# What each link of the class page is, by the part of the path after /classes/<id>.
LINKS = {
    "worklist": "/worklist",  # 家访进度 (class staff)
    "grids": "/grids",  # 家长网格 (class staff)
    "reviews": "/reviews",  # 学业述评 (class staff)
    "settings": "/edit",  # 班级设置 (school admin, district admin)
    "export": "/roster.xlsx",  # 导出名单 (head teacher, principal, school admin)
    "letters": "/letters",  # 家长激活 (head teacher, principal, school admin)
    "new_student": "/students/new",  # 添加学生 (principal, school admin)
    "dossiers": "/dossiers",  # 导出全班档案 (class staff)
}
STAFF = {"worklist", "grids", "reviews", "dossiers"}

SEEN = {
    "head_teacher": STAFF | {"export", "letters"},
    "subject_teacher": STAFF,
    "principal": STAFF | {"export", "letters", "new_student"},
    "school_admin": STAFF | {"settings", "export", "letters", "new_student"},
    "district_admin": {"settings"},
}


def _links_shown(html: str, class_id: int) -> set[str]:
    paths = set(re.findall(rf'(?:href|action)="/classes/{class_id}(/[^"?]*)"', html))
    return {name for name, tail in LINKS.items() if tail in paths}


@pytest.mark.parametrize("who", sorted(SEEN))
def test_each_role_sees_the_class_page_links_it_may_follow(client, world, login, who):
    login(getattr(world, f"{who}_name"))
    r = client.get(f"/classes/{world.class_a1}")
    assert r.status_code == 200
    assert _links_shown(r.text, world.class_a1) == SEEN[who]
    # The school's name links to its overview for those who may see it (hidden otherwise).
    crumb = re.search(r'<p class="crumbs"><a href="/schools/\d+"( hidden)?', r.text)
    assert crumb and (crumb.group(1) is None) == (who not in ("head_teacher", "subject_teacher"))


def test_the_district_supervisor_opens_the_class_figures_never_its_roster(client, world, login):
    """DOMAIN: the district sees figures and cases, never a family's data (issue 20 item 11):
    the roster is 404, the class's dashboard answers, and the school overview links there."""
    login(world.district_supervisor_name)
    assert client.get(f"/classes/{world.class_a1}").status_code == 404
    assert client.get(f"/classes/{world.class_a1}?q=王").status_code == 404
    assert client.get(f"/classes/{world.class_a1}/dashboard").status_code == 200
    overview = client.get(f"/schools/{world.school_a}").text
    assert f'href="/classes/{world.class_a1}/dashboard"' in overview
    assert f'href="/classes/{world.class_a1}"' not in overview


def test_the_class_links_are_url_for(app, world):
    with app.test_request_context("/"):
        links = class_links(class_id=world.class_a1)
        assert links.page == url_for("classes.class_page", class_id=world.class_a1)
        assert links.export == url_for("roster.export_class", class_id=world.class_a1)
        assert links.new_student == url_for("people.new_student", class_id=world.class_a1)
    with app.test_request_context("/", base_url="http://h/gridapp"):
        assert class_links(class_id=world.class_a1).letters == (
            f"/gridapp/classes/{world.class_a1}/letters"
        )
