"""A school's deadlines, approval rule, canned replies and closures; the district's official days;
a logged-in parent's letters."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridapp.cases.models import Case, CaseCategory, CaseDeadline, Letter
from gridapp.schools.models import OfficialDay, SchoolClosure

from .test_loop import _letter


def test_school_sets_deadlines_and_drops_approval(client, ctx, world, login):
    login(world.school_admin_name)
    url = f"/schools/{world.school_a}/case-settings"
    good = {"action": "deadlines", **{c.value: "5" for c in CaseCategory}, "canteen": "2"}
    for bad in ("0", "abc", "61", ""):
        r = client.post(url, data={**good, "canteen": bad})
        assert r.status_code == 422, bad
    assert ctx.scalars(select(CaseDeadline)).all() == []
    assert client.post(url, data=good).status_code == 303  # approval unticked
    client.post(url, data={"action": "canned", "category": "canteen", "title": "已转食堂",
                           "text": "已转食堂办理，感谢您的建议。"})  # fmt: skip
    assert client.post(url, data={"action": "closure", "on": "2026-11-24",
                                  "reason": "校园消杀"}).status_code == 303  # fmt: skip
    assert client.post(url, data={"action": "closure", "on": "2026-11-24"}).status_code == 422
    assert client.post(url, data={"action": "closure", "on": "明天"}).status_code == 422
    assert len(ctx.scalars(select(SchoolClosure)).all()) == 1
    client.post("/logout")

    login(world.principal_name)
    r = client.post(
        f"/schools/{world.school_a}/cases/new",
        data={"source": "hotline", "category": "canteen", "subject": "午饭",
              "words": "午饭不够吃", "wants_answer": "y"},
    )  # fmt: skip
    new = ctx.scalars(select(Case).order_by(Case.id.desc())).first()
    # Two working days from Mon 23 Nov, the 24th being a closure: Thu 26 Nov.
    assert new.due_on == date(2026, 11, 26)
    r = client.post(f"/cases/{world.case}/moves/assign", data={"assignee_id": world.head_teacher})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Case, world.case).due_on == date(2026, 11, 30)  # the deadline it had
    client.post("/logout")
    login(world.head_teacher_name)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "已转食堂" in page  # the canned reply is offered
    assert (
        client.post(f"/cases/{world.case}/reply", data={"reply": "已转食堂办理。"}).status_code
        == 303
    )
    ctx.expire_all()
    assert ctx.get(Case, world.case).reply == "已转食堂办理。"  # published without approval


def test_district_admin_enters_next_years_schedule(client, ctx, world, login):
    login(world.district_supervisor_name)
    assert "估算" in client.get("/district/calendar").get_data(as_text=True)
    assert client.post("/district/calendar", data={"on": "2027-02-06"}).status_code == 404
    client.post("/logout")
    login(world.district_admin_name)
    for bad in ({"on": ""}, {"on": "2027-13-01"}, {"on": "2027-02-06", "name": "长" * 41}):
        assert client.post("/district/calendar", data=bad).status_code == 422, bad
    r = client.post("/district/calendar", data={"on": "2027-02-06", "kind": "holiday",
                                                "name": "春节"})  # fmt: skip
    assert r.status_code == 303
    day = ctx.scalars(select(OfficialDay)).one()
    assert (day.on, day.is_workday, day.name) == (date(2027, 2, 6), False, "春节")
    page = client.get("/district/calendar").get_data(as_text=True)
    assert "教育局录入的放假安排" in page
    r = client.post("/district/calendar", data={"action": "remove", "id": day.id})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.scalars(select(OfficialDay)).all() == []


def test_a_logged_in_parent_follows_a_named_letter(client, ctx, world, login):
    login(world.parent_name)
    # Signed in: no captcha; the child (and so the school) chosen from the parent's own.
    r = client.post("/mailbox", data=_letter(world, "", "", anonymous="", student_id=world.student))
    assert r.status_code == 303
    letter = ctx.scalars(select(Letter)).one()
    assert letter.guardian_user_id == world.parent
    page = client.get("/my/letters").get_data(as_text=True)
    assert "午餐分量" in page and "已收集" in page
    client.post("/logout")
    login(world.other_parent_name)
    assert "午餐分量" not in client.get("/my/letters").get_data(as_text=True)
