"""The door-visit trip planner: owed door visits grouped by community, a suggested day from the
schedule, and recording a trip's visits one after the other with the shared fields kept (issue
19 item 3). The contact form and its rules are the contacts package's."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from gridapp.contacts.models import Contact, ContactForm, ContactTeacher
from gridapp.people.models import Student
from gridapp.schedules.models import ScheduleItem
from gridapp.schedules.trip_views import trip_prefix

from .. import factories as f

SUBSTANCE = {
    "family_situation": "父母在家照顾。",
    "said_about_school": "孩子上课认真。",
    "guidance_given": "建议每天陪伴阅读。",
    "pledge_confirmed": "y",
}


def _record(client, location: str, token: str, **over):
    """Send the contact form at `location` as the prefilled page shows it."""
    query = parse_qs(urlsplit(location).query)
    data = {
        "client_token": token,
        "students": query["student"],
        "contact_on": query["on"][0],
        "form": query["kind"][0],
        "teacher_ids": query.get("teachers", [""])[0].split(",") if "teachers" in query else [],
        **SUBSTANCE,
        **over,
    }
    return client.post(location, data=data, content_type="multipart/form-data")


def test_trips_group_neighbours_and_suggest_the_scheduled_day(client, login, world, ctx):
    # A third family of A1 in another community; a family whose community is unknown.
    from gridapp.schools.models import SchoolClass

    a1 = ctx.get(SchoolClass, world.class_a1)
    f.StudentFactory(school_class=a1, name="赵六", community="明珠苑", address="明珠苑1幢")
    f.StudentFactory(school_class=a1, name="孙七", community="", address="解放路8号")
    ctx.commit()
    login(world.head_teacher_name)
    page = client.get("/my/trips").get_data(as_text=True)
    sunshine = page.index("阳光花园")
    assert "王小明" in page[sunshine:] and "张伟" in page[sunshine:]
    assert "明珠苑" in page and "解放路8号" in page and "按住址" in page
    # The world's item puts 王小明's visit in week 14 (30 November – 6 December): its first
    # working day is suggested for the whole group.
    assert "建议 2026-11-30" in page or "建议 2026年11月30日" in page
    # The day to record is today's (the frozen Monday, 23 November), not the suggested one:
    # a visit made today and recorded on the suggested day would be refused as in the future.
    sunshine_form = page[sunshine:].split("</form>")[0]
    assert 'value="2026-11-23"' in sunshine_form and 'value="2026-11-30"' not in sunshine_form


def test_recording_a_trip_keeps_the_shared_fields_and_goes_on(client, login, world, ctx):
    login(world.head_teacher_name)
    key = "阳光花园"
    p = trip_prefix(key)
    r = client.post(
        "/my/trips",
        data={"group": key, f"{p}contact_on": "2026-11-23", f"{p}teacher_ids": [
            str(world.subject_teacher)]},
    )  # fmt: skip
    assert r.status_code == 303
    first = r.headers["Location"]
    assert first.startswith("/contacts/new?")
    query = parse_qs(urlsplit(first).query)
    assert query["on"] == ["2026-11-23"] and query["kind"] == ["home_visit"]
    assert query["teachers"] == [str(world.subject_teacher)]
    # The form comes prefilled with the shared fields.
    page = client.get(first).get_data(as_text=True)
    assert 'value="2026-11-23"' in page and "连续录入" in page
    # A door visit still needs its substance: the contacts' own rule, at 422, nothing saved.
    r = _record(client, first, "trip-1", family_situation="")
    assert r.status_code == 422
    assert ctx.scalars(select(Contact).where(Contact.contact_on == date(2026, 11, 23))).all() == []
    # The family is not at home: skipped, the next family's form opens; then back to it.
    page = client.get(first).get_data(as_text=True)
    skip_link = [
        line for line in page.split('"') if line.startswith("/my/trips/next") and "skip=" in line
    ][0].replace("&amp;", "&")
    skipped = client.get(skip_link)
    assert skipped.status_code == 303
    assert parse_qs(urlsplit(skipped.headers["Location"]).query)["student"] != query["student"]
    r = _record(client, first, "trip-1")
    assert r.status_code == 303
    nxt = client.get(r.headers["Location"])
    assert nxt.status_code == 303
    second = nxt.headers["Location"]
    assert second.startswith("/contacts/new?")
    assert parse_qs(urlsplit(second).query)["student"] != query["student"]
    r = _record(client, second, "trip-2")
    assert r.status_code == 303
    done = client.get(r.headers["Location"])
    assert done.status_code == 303 and done.headers["Location"].startswith("/my/trips")
    visits = ctx.scalars(
        select(Contact).where(
            Contact.contact_on == date(2026, 11, 23), Contact.form == ContactForm.HOME_VISIT
        )
    ).all()
    assert len(visits) == 2
    for visit in visits:
        teachers = set(
            ctx.scalars(select(ContactTeacher.teacher_id).filter_by(contact_id=visit.id))
        )
        assert teachers == {world.head_teacher, world.subject_teacher}
    # Both families visited: the group is gone from the trips, the item is done.
    page = client.get("/my/trips").get_data(as_text=True)
    assert "阳光花园" not in page
    item = ctx.get(ScheduleItem, world.schedule_item)
    assert item is not None
    wang = ctx.get(Student, world.student)
    assert item.family_id == wang.family_id


def test_a_bad_trip_date_is_refused_beside_the_field(client, login, world, ctx):
    login(world.head_teacher_name)
    key = "阳光花园"
    p = trip_prefix(key)
    r = client.post("/my/trips", data={"group": key, f"{p}contact_on": "2026-13-45"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "不是有效的日期值" in page and "2026-13-45" in page
    # A day after today is refused here, beside the field, not after the teacher has filled in
    # a family's whole form (and again for each next family of the chain).
    r = client.post("/my/trips", data={"group": key, f"{p}contact_on": "2026-12-20"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "走访日期不能晚于今天" in page and "2026-12-20" in page
    # A junk date in the chain's address: back to the trips with a message, never a 500.
    r = client.get("/my/trips/next?group=阳光花园&on=junk")
    assert r.status_code == 303


def test_a_contact_recorded_from_the_schedule_returns_to_it(client, login, world, ctx):
    """The schedule's "记录联系" opens the contact form with the schedule to come back to (not
    a trip's chain: no "连续录入" note), and the saved record leads back to the schedule."""
    login(world.head_teacher_name)
    page = client.get("/my/schedule").get_data(as_text=True)
    link = next(
        part.replace("&amp;", "&") for part in page.split('"')
        if part.startswith("/contacts/new?") and "next=" in part
    )  # fmt: skip
    assert parse_qs(urlsplit(link).query)["next"][0].startswith("/my/schedule")
    form = client.get(link).get_data(as_text=True)
    assert "连续录入" not in form
    query = parse_qs(urlsplit(link).query)
    r = client.post(
        link,
        data={"client_token": "from-schedule", "students": query["student"],
              "contact_on": "2026-11-23", "form": query["kind"][0], **SUBSTANCE},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["Location"].startswith("/my/schedule")
    assert ctx.scalar(select(Contact).filter_by(client_token="from-schedule")) is not None
    assert "家访记录已保存" in client.get(r.headers["Location"]).get_data(as_text=True)
