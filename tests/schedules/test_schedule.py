"""The contact schedule: holiday weeks, balance over the weeks, building with a preview, moving
an item with its history, done detection, rebuilding, refusals, the worklist's note and the
.xlsx (issue 19 item 2; seed 004 §2)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from gridapp.contacts import rules
from gridapp.contacts.models import ContactForm
from gridapp.core.audit import AuditEntry
from gridapp.schedules import services
from gridapp.schedules.models import ScheduleItem, ScheduleMove
from gridapp.schools.models import Semester

from .. import factories as f
from ..world import home_visit

SEPT_1 = date(2026, 9, 1)


def _semester(ctx, world) -> Semester:
    return ctx.get(Semester, world.semester_a)


def _items(ctx, **where) -> list[ScheduleItem]:
    return ctx.scalars(select(ScheduleItem).filter_by(**where).order_by(ScheduleItem.id)).all()


def _count(ctx) -> int:
    return ctx.scalar(select(func.count()).select_from(ScheduleItem))


def _build(ctx, world, day=SEPT_1, class_ids=None) -> int:
    """Build class A1's schedule as its head teacher on `day` (the service, then flush)."""
    from gridapp.accounts.models import User

    user = ctx.get(User, world.head_teacher)
    result = services.plan(
        world.school_a, _semester(ctx, world), class_ids or [world.class_a1], day
    )
    n = services.save_plan(user, world.school_a, result)
    ctx.flush()
    return n


def test_the_national_day_weeks_are_holidays(ctx, world):
    weeks = services.semester_weeks(_semester(ctx, world))
    assert weeks[0].starts_on == date(2026, 8, 31)  # week 1 holds the first day, 1 September
    assert [w.number for w in weeks if w.holiday] == [5, 6]  # 1–7 October (国庆)
    assert len(weeks) == 21


def test_nothing_is_planned_in_a_holiday_week_and_the_load_is_balanced(ctx, world):
    from gridapp.schools.models import SchoolClass

    a1 = ctx.get(SchoolClass, world.class_a1)
    # Twenty more families in A1, each in a community of its own.
    for i in range(20):
        f.StudentFactory(school_class=a1, community=f"小区{i}", address=f"路{i}号")
    ctx.flush()
    _build(ctx, world)
    items = _items(ctx, class_id=world.class_a1)
    assert items
    weeks = services.semester_weeks(_semester(ctx, world))
    holiday = {w.number for w in weeks if w.holiday}
    assert not {i.week for i in items} & holiday
    for teacher in (world.head_teacher, world.subject_teacher):
        load: dict[int, int] = {}
        for i in items:
            if i.teacher_id == teacher:
                load[i.week] = load.get(i.week, 0) + 1
        counts = [load.get(w.number, 0) for w in weeks if not w.holiday]
        assert max(counts) - min(counts) <= 1, (teacher, counts)


def test_door_visits_in_one_community_share_a_week(ctx, world):
    _build(ctx, world)
    doors = _items(ctx, teacher_id=world.head_teacher, form=ContactForm.HOME_VISIT)
    assert len(doors) == 2  # 王小明 and 张伟 both live in 阳光花园
    assert doors[0].week == doors[1].week


def test_a_build_mid_semester_plans_from_this_week_on(ctx, world):
    _build(ctx, world, day=date(2026, 11, 23))  # week 13
    assert min(i.week for i in _items(ctx)) >= 13


def test_the_build_page_previews_then_saves(client, login, world, ctx):
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}/schedule/build")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "预览" in page and "假期，不安排" in page
    assert _count(ctx) == 1  # the world's one item
    r = client.post(f"/classes/{world.class_a1}/schedule/build", data={})
    assert r.status_code == 303
    assert _count(ctx) > 1
    page = client.get(f"/classes/{world.class_a1}/schedule").get_data(as_text=True)
    assert "王小明" in page and "上门家访" in page


def test_moving_an_item_keeps_its_history_and_a_rebuild_keeps_it(client, login, world, ctx):
    _build(ctx, world)
    ctx.commit()
    item = _items(ctx, teacher_id=world.head_teacher, form=ContactForm.HOME_VISIT)[0]
    old_week = item.week
    target = 20 if old_week != 20 else 19
    login(world.head_teacher_name)
    r = client.post(f"/schedule-items/{item.id}/move", data={"week": str(target)})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(ScheduleItem, item.id).week == target
    move = ctx.scalars(select(ScheduleMove).filter_by(item_id=item.id)).one()
    assert (move.from_week, move.to_week, move.moved_by_id) == (
        old_week, target, world.head_teacher
    )  # fmt: skip
    page = client.get("/my/schedule").get_data(as_text=True)
    assert f"从第{old_week}周调整到第{target}周" in page
    # A rebuild keeps the moved item as it is.
    _build(ctx, world)
    ctx.commit()
    kept = ctx.get(ScheduleItem, item.id)
    assert kept is not None and kept.week == target


def test_a_bad_week_is_refused_with_nothing_changed(client, login, world, ctx):
    _build(ctx, world)
    ctx.commit()
    item = _items(ctx, teacher_id=world.head_teacher)[0]
    login(world.head_teacher_name)
    for week, message in (("99", "请选择第 1 到第 21 周中的一周"), ("5", "是假期"),
                          ("abc", "请选择第 1 到第 21 周中的一周"), (str(item.week), "已经安排在这一周了")):  # fmt: skip
        r = client.post(f"/schedule-items/{item.id}/move", data={"week": week})
        assert r.status_code == 422, week
        assert message in r.get_data(as_text=True)
    ctx.expire_all()
    assert ctx.scalar(select(func.count()).select_from(ScheduleMove)) == 0
    # The move's page offers the weeks from this one on (week 13 on the frozen clock), the
    # item's own chosen when it is not over yet.
    page = client.get(f"/schedule-items/{item.id}/move").get_data(as_text=True)
    if item.week >= 13:
        assert f'<option value="{item.week}" selected>' in page
    else:
        assert f'<option value="{item.week}"' not in page and '<option value="13"' in page


def test_an_item_is_done_once_the_teacher_records_a_matching_contact(ctx, world, monkeypatch):
    _build(ctx, world)
    sem = _semester(ctx, world)
    from gridapp.contacts import rules

    period = rules.period_for(world.school_a, date(2026, 11, 23), sem.id)
    doors = _items(ctx, teacher_id=world.head_teacher, form=ContactForm.HOME_VISIT)
    wang = next(i for i in doors if i.student_id == world.student)
    assert services.done_item_ids(doors, period) == set()
    # A door visit by another teacher does not make the head teacher's item done.
    home_visit(world, date(2026, 11, 20), by="subject_teacher")
    ctx.flush()
    assert services.done_item_ids(doors, period) == set()
    home_visit(world, date(2026, 11, 20))
    ctx.flush()
    assert services.done_item_ids(doors, period) == {wang.id}
    # Many items (a school's week summary) are looked up by their semester: the same answer.
    monkeypatch.setattr(services, "ITEMS_BY_ID", 0)
    assert services.done_item_ids(doors, period) == {wang.id}
    monkeypatch.undo()
    # A rebuild keeps the done item (its family no longer owes the visit).
    _build(ctx, world, day=date(2026, 11, 23))
    assert ctx.get(ScheduleItem, wang.id) is not None


def test_a_phone_call_does_not_make_a_door_visit_done(ctx, world):
    _build(ctx, world)
    from gridapp.contacts import rules

    period = rules.period_for(world.school_a, date(2026, 11, 23), world.semester_a)
    items = _items(ctx, teacher_id=world.head_teacher)
    from gridapp.accounts.models import User
    from gridapp.people.models import Student

    teacher = ctx.get(User, world.head_teacher)
    other = ctx.get(Student, world.other_student)
    f.ContactFactory(
        recorded_by=teacher, school_id=world.school_a, family_id=other.family_id,
        teachers=[teacher], contact_on=date(2026, 11, 20), form=ContactForm.PHONE,
    )  # fmt: skip
    ctx.flush()
    done = services.done_item_ids(items, period)
    by_id = {i.id: i for i in items}
    assert {(by_id[i].family_id, by_id[i].form) for i in done} == {
        (other.family_id, ContactForm.PHONE)
    }


def test_an_item_for_a_family_the_teacher_is_not_linked_to_is_refused(client, login, world, ctx):
    login(world.head_teacher_name)
    data = {"teacher_id": str(world.other_class_teacher), "student_id": str(world.student),
            "form": "phone", "week": "14"}  # fmt: skip
    r = client.post(f"/classes/{world.class_a1}/schedule", data=data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "这位教师没有任教这个家庭的孩子" in page
    assert _count(ctx) == 1
    # A student of another class, a holiday week, junk: refused beside the field.
    for over, message in (({"student_id": str(world.student_a2)}, "请选择本班的学生"),
                          ({"teacher_id": str(world.head_teacher), "week": "6"}, "是假期"),
                          ({"teacher_id": "x"}, "这位教师没有任教")):  # fmt: skip
        r = client.post(f"/classes/{world.class_a1}/schedule", data=data | over)
        assert r.status_code == 422 and message in r.get_data(as_text=True), over
    assert _count(ctx) == 1
    # The subject teacher of the class may be given the family.
    data["teacher_id"] = str(world.subject_teacher)
    assert client.post(f"/classes/{world.class_a1}/schedule", data=data).status_code == 303
    # Twice: refused by the unique index, beside the form of contact.
    r = client.post(f"/classes/{world.class_a1}/schedule", data=data)
    assert r.status_code == 422 and "已经安排了以这种方式联系这个家庭" in r.get_data(as_text=True)


def test_the_worklist_shows_the_scheduled_week(client, login, world, ctx):
    _build(ctx, world, day=date(2026, 11, 23))
    ctx.commit()
    week = _items(ctx, teacher_id=world.head_teacher, form=ContactForm.HOME_VISIT)[0].week
    login(world.head_teacher_name)
    page = client.get("/worklist").get_data(as_text=True)
    assert f"已安排：第{week}周上门家访" in page
    # Once the visits are recorded the note goes (the worklist says what is still owed).
    home_visit(world, date(2026, 11, 20))
    from gridapp.people.models import Student

    other = ctx.get(Student, world.other_student)
    from gridapp.accounts.models import User

    teacher = ctx.get(User, world.head_teacher)
    f.ContactFactory(
        recorded_by=teacher, school_id=world.school_a, family_id=other.family_id,
        teachers=[teacher], contact_on=date(2026, 11, 20), form=ContactForm.HOME_VISIT,
    )  # fmt: skip
    ctx.commit()
    page = client.get("/worklist").get_data(as_text=True)
    assert "周上门家访" not in page


def test_the_school_schedule_exports_to_excel_and_is_audited(client, login, world, ctx):
    _build(ctx, world)
    ctx.commit()
    login(world.principal_name)
    page = client.get(f"/schools/{world.school_a}/schedule").get_data(as_text=True)
    assert "教师联系学生家长安排表" in page and "王小明" in page
    r = client.get(f"/schools/{world.school_a}/schedule?format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert any("王小明" in row for row in rows)
    assert (
        ctx.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "schedule.export")
        )
        == 1
    )


def test_the_teachers_weeks(client, login, world, ctx):
    _build(ctx, world, day=date(2026, 11, 23))
    ctx.commit()
    login(world.subject_teacher_name)
    page = client.get("/my/schedule").get_data(as_text=True)
    assert "电话家访" in page and "上门家访" not in page  # the subject teacher calls


def test_a_week_already_over_is_neither_offered_nor_taken(client, login, world, ctx):
    """An item put in a week already over shows overdue at once: the move and the add forms
    offer this week on, the add form starts at this week (not week 1), and a past week typed
    in is refused beside the field with nothing changed (the frozen clock is in week 13)."""
    login(world.head_teacher_name)
    page = client.get(f"/schedule-items/{world.schedule_item}/move").get_data(as_text=True)
    assert 'value="12"' not in page and 'value="13"' in page and 'value="14" selected' in page
    r = client.post(f"/schedule-items/{world.schedule_item}/move", data={"week": "12"})
    assert r.status_code == 422 and "已经过去，请选择本周或以后的一周" in r.get_data(as_text=True)
    assert ctx.get(ScheduleItem, world.schedule_item).week == 14
    assert ctx.scalar(select(func.count()).select_from(ScheduleMove)) == 0
    page = client.get(f"/classes/{world.class_a1}/schedule").get_data(as_text=True)
    weeks = page.split('name="week"')[1].split("</select>")[0]
    assert 'value="1"' not in weeks and '<option selected value="13">' in weeks
    data = {"teacher_id": str(world.subject_teacher), "student_id": str(world.student),
            "form": "phone", "week": "1"}  # fmt: skip
    r = client.post(f"/classes/{world.class_a1}/schedule", data=data)
    assert r.status_code == 422 and "已经过去" in r.get_data(as_text=True)
    assert _count(ctx) == 1
    r = client.post(f"/classes/{world.class_a1}/schedule", data=data | {"week": "13"})
    assert r.status_code == 303


def test_a_rebuild_keeps_an_item_added_by_hand(client, login, world, ctx):
    """An item the head teacher added by hand is no rule's: a rebuild (of the class, or the
    principal's of the school) kept done and moved items but dropped it, and nothing placed it
    again. It is kept now, and the build page says so."""
    login(world.head_teacher_name)
    data = {"teacher_id": str(world.subject_teacher), "student_id": str(world.student),
            "form": "home_visit", "week": "15"}  # fmt: skip
    assert client.post(f"/classes/{world.class_a1}/schedule", data=data).status_code == 303
    added = _items(ctx, rule="added")
    assert len(added) == 1
    period = rules.period_for(world.school_a, date(2026, 11, 23), world.semester_a)
    assert services.done_item_ids(added, period) == set()  # not done: a rebuild would drop it
    page = client.get(f"/classes/{world.class_a1}/schedule/build").get_data(as_text=True)
    assert "手动添加的安排保持不变" in page
    assert client.post(f"/classes/{world.class_a1}/schedule/build", data={}).status_code == 303
    ctx.expire_all()
    kept = ctx.get(ScheduleItem, added[0].id)
    assert kept is not None and kept.week == 15 and kept.rule == "added"


def test_an_item_added_by_hand_is_done_by_a_contact_of_its_own_form(ctx, world):
    """A 到校座谈 added by hand was done only by a phone call or online contact, never by the
    到校座谈 itself; now by its own form (a remote one still by either remote form)."""
    from gridapp.accounts.models import User
    from gridapp.people.models import Student
    from gridapp.schools.models import SchoolClass

    sem = _semester(ctx, world)
    weeks = services.semester_weeks(sem)
    head = ctx.get(User, world.head_teacher)
    a1 = ctx.get(SchoolClass, world.class_a1)
    other = ctx.get(Student, world.other_student)
    meeting = services.add_item(
        head, a1, sem, head.id, other.id, ContactForm.SCHOOL_MEETING, 14, weeks, date(2026, 11, 23)
    )
    ctx.flush()
    period = rules.period_for(world.school_a, date(2026, 11, 23), sem.id)

    def contact(form):
        f.ContactFactory(
            recorded_by=head, school_id=world.school_a, family_id=other.family_id,
            teachers=[head], contact_on=date(2026, 11, 20), form=form,
        )  # fmt: skip
        ctx.flush()

    contact(ContactForm.PHONE)
    assert services.done_item_ids([meeting], period) == set()
    contact(ContactForm.SCHOOL_MEETING)
    assert services.done_item_ids([meeting], period) == {meeting.id}


def test_the_class_schedule_marks_this_week_and_links_to_the_add_form(client, login, world):
    """The class's schedule runs to hundreds of items on a phone with the add form below them
    all: a link up top jumps to it, and this week is marked as on the teacher's own page."""
    login(world.head_teacher_name)
    page = client.get(f"/classes/{world.class_a1}/schedule").get_data(as_text=True)
    assert 'href="#add-item"' in page and 'id="add-item"' in page
    assert page.index('href="#add-item"') < page.index('id="week-14"')
    data = {"teacher_id": str(world.subject_teacher), "student_id": str(world.student),
            "form": "school_meeting", "week": "13"}  # fmt: skip
    assert client.post(f"/classes/{world.class_a1}/schedule", data=data).status_code == 303
    page = client.get(f"/classes/{world.class_a1}/schedule").get_data(as_text=True)
    assert '<section class="sched-week current" aria-labelledby="week-13">' in page
    assert "本周" in page.split('id="week-13"')[1].split("</h2>")[0]
    assert "本周" not in page.split('id="week-14"')[1].split("</h2>")[0]


def test_the_school_week_is_paginated(client, login, world, ctx, monkeypatch):
    """A week of a school's schedule holds hundreds of items (615 in the demo's school) on one
    page; a page at a time now, the week's count still the whole week's."""
    from gridapp.schedules import views

    monkeypatch.setattr(views, "WEEK_PAGE", 1)
    login(world.head_teacher_name)
    data = {"teacher_id": str(world.subject_teacher), "student_id": str(world.student),
            "form": "phone", "week": "14"}  # fmt: skip
    assert client.post(f"/classes/{world.class_a1}/schedule", data=data).status_code == 303
    login(world.principal_name)
    url = f"/schools/{world.school_a}/schedule?week=14"
    first = client.get(url).get_data(as_text=True)
    assert "2 项" in first and "第 1 / 2 页" in first and "page=2" in first
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in second
    shown = [p.count('<li class="sched-item') for p in (first, second)]
    assert shown == [1, 1]
