"""Academic reviews: one per student, teacher and semester, saved row by row; completion per
teacher; visible to guardians once the head teacher publishes; in the archive."""

from __future__ import annotations

from sqlalchemy import select

from gridapp.reviews.models import AcademicReview


def test_teacher_writes_row_by_row_and_the_head_teacher_publishes(client, ctx, world, login):
    login(world.subject_teacher_name)
    url = f"/classes/{world.class_a1}/reviews"
    row = {"student_id": world.student, "text": "上课专注，数学思维活跃。", "level_attitude": "A"}
    r = client.post(url, data=row, headers={"HX-Request": "true"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "已保存" in page and "<html" not in page
    # Saving again changes the same review (one per student, teacher and semester).
    client.post(
        url, data={**row, "text": "上课专注，计算需更细心。"}, headers={"HX-Request": "true"}
    )
    reviews = ctx.scalars(select(AcademicReview)).all()
    assert [r.text for r in reviews] == ["上课专注，计算需更细心。"] and reviews[
        0
    ].subject == "数学"
    for bad in (
        {**row, "text": ""}, {**row, "text": "长" * 1001}, {**row, "level_attitude": "Z"},
        {**row, "student_id": world.student_a2}, {**row, "student_id": "x"},
    ):  # fmt: skip
        assert client.post(url, data=bad, headers={"HX-Request": "true"}).status_code == 422, bad
    page = client.get(url).get_data(as_text=True)
    assert "1/2" in page  # the subject teacher: one of two students
    client.post("/logout")
    # Not published yet: the parent sees nothing.
    login(world.parent_name)
    assert "计算需更细心" not in client.get(f"/students/{world.student}").get_data(as_text=True)
    client.post("/logout")
    login(world.subject_teacher_name)
    assert client.post(f"{url}/publish").status_code == 404  # only the head teacher publishes
    client.post("/logout")
    login(world.head_teacher_name)
    assert client.post(f"{url}/publish").status_code == 303
    page = client.get(f"/students/{world.student}/archive?tab=timeline").get_data(as_text=True)
    assert "计算需更细心" in page
    client.post("/logout")
    login(world.parent_name)
    assert "计算需更细心" in client.get(f"/students/{world.student}").get_data(as_text=True)
    client.post("/logout")
    login(world.other_class_teacher_name)
    assert client.get(url).status_code == 404
