"""A review row with an error comes back (the htmx row, or the page) with what was typed."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def test_a_review_row_keeps_the_input(client, world, login):
    login(world.head_teacher_name)
    url = f"/classes/{world.class_a1}/reviews"
    data = {"student_id": world.student, "text": "上课认真", "level_attitude": "Z"}
    html = assert_shown_again(client, url, data, ["上课认真", "请选择有效的等级"])
    r = client.post(
        url, data=data, headers={"HX-Request": "true", "HX-Target": f"s{world.student}"}
    )
    assert r.status_code == 422 and "<html" not in r.get_data(as_text=True)
    assert "上课认真" in r.get_data(as_text=True)
    html = assert_shown_again(client, url, {"student_id": "999999", "text": "别班的学生"}, [])
    assert "这个学生不在本班" in html
    assert "hx-post" in html  # the whole page again, not an error page
