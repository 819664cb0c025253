"""Issue 22 item 3: every deadline and figure of an opinion counts from when it reached the
school (the letter stored, the call taken, the parent met), not from when GridApp handled it;
staff say when it came in and who called; the pages say how the deadline is counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from gridapp.cases import mailbox, services
from gridapp.cases.models import Case, CaseCategory, CaseSource, Letter
from gridapp.core.time import SHANGHAI, local
from gridapp.dossiers import exports
from gridapp.reports import figures


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_a_letter_opened_late_counts_from_when_it_was_stored(client, ctx, world, login,
                                                             time_machine):  # fmt: skip
    # Wednesday 23:55: the letter is stored, and the immediate step fails (no case yet).
    time_machine.move_to(_at(2026, 11, 25, 23, 55))
    letter, _code = mailbox.store_letter(
        mailbox.LetterData(
            school_id=world.school_a,
            category=CaseCategory.CANTEEN,
            subject="午餐",
            content="午饭不够吃。",
            anonymous=True,
        )  # fmt: skip
    )
    ctx.commit()
    # Thursday 00:10: the periodic task opens its case.
    time_machine.move_to(_at(2026, 11, 26, 0, 10))
    assert mailbox.open_missing_cases() == 1
    ctx.commit()
    ctx.expire_all()
    letter = ctx.get(Letter, letter.id)
    case = letter.case
    assert case.received_at == letter.created_at
    assert local(case.received_at).date() == date(2026, 11, 25)
    # Five working days after Wednesday (Wednesday not counted), not after Thursday.
    assert case.due_on == date(2026, 12, 2)
    assert (case.due_from, case.due_workdays) == (date(2026, 11, 25), 5)
    login(world.principal_name)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026-11-25 23:55" in page and "00:10" not in page.split("收到")[1][:80]
    assert "自 2026-11-25 起 5 个工作日" in page and "当天不计" in page
    # Registering it later changes nothing of the deadline.
    assert client.post(f"/cases/{case.id}/moves/register").status_code == 303
    ctx.expire_all()
    assert ctx.get(Case, case.id).due_on == date(2026, 12, 2)
    desk = client.get(f"/schools/{world.school_a}/cases").get_data(as_text=True)
    assert "收到当天不计" in desk and "2026-11-25 23:55" in desk


def _register(client, world, **kw):
    data = {"source": "hotline", "category": "canteen", "subject": "午饭",
            "words": "午饭不够吃", "wants_answer": "y"}  # fmt: skip
    data.update(kw)
    return client.post(f"/schools/{world.school_a}/cases/new", data=data)


def _newest(ctx) -> Case:
    ctx.expire_all()
    return ctx.scalars(select(Case).order_by(Case.id.desc())).first()


def test_staff_say_when_a_call_came_in_and_who_called(client, ctx, world, login):
    login(world.principal_name)
    # Friday 13 November, 09:30, a full-width phone number typed with spaces.
    r = _register(
        client, world, received_on="2026-11-13", received_time="09:30",
        caller_name=" 王先生 ", caller_phone="１３８ １２３４-５６７８",
    )  # fmt: skip
    assert r.status_code == 303
    case = _newest(ctx)
    assert case.received_at == _at(2026, 11, 13, 9, 30) and case.received_time_known
    assert (case.caller_name, case.caller_phone) == ("王先生", "13812345678")
    # Five working days after Friday 13th: Friday 20th, already overdue on Monday 23rd.
    assert case.due_on == date(2026, 11, 20) and services.is_overdue(case)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026-11-13 09:30" in page and "王先生" in page and "138****5678" in page
    assert "已逾期" in page and "自 2026-11-13 起 5 个工作日" in page
    # A landline with its area code and a +86 mobile: kept as digits.
    assert _register(client, world, caller_phone="0573-8234 5678").status_code == 303
    assert _newest(ctx).caller_phone == "057382345678"
    assert _register(client, world, caller_phone="+86 138 1234 5678").status_code == 303
    assert _newest(ctx).caller_phone == "13812345678"


def test_a_day_without_a_time_and_a_day_long_past(client, ctx, world, login):
    login(world.principal_name)
    assert _register(client, world, received_on="2024-03-01").status_code == 303
    case = _newest(ctx)
    assert local(case.received_at).date() == date(2024, 3, 1) and not case.received_time_known
    assert case.due_on == date(2024, 3, 8) and services.is_overdue(case)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2024-03-01" in page and "2024-03-01 00:00" not in page
    # Nothing given: received now.
    assert _register(client, world).status_code == 303
    case = _newest(ctx)
    assert case.received_time_known and case.due_from == date(2026, 11, 23)


def test_bad_received_dates_and_phones_are_refused_beside_the_field(client, ctx, world, login):
    login(world.principal_name)
    before = ctx.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    for data, message in (
        ({"received_on": "2026-11-24"}, "收到日期不能晚于今天"),
        ({"received_on": "2026-11-23", "received_time": "23:00"}, "收到时间不能晚于现在"),
        ({"received_on": "1999-12-31"}, "请填写正确的收到日期"),
        ({"caller_phone": "12345abc"}, "请输入正确的电话号码"),
        ({"caller_name": "王" * 41}, "40"),
    ):
        r = _register(client, world, **data)
        assert r.status_code == 422, data
        page = r.get_data(as_text=True)
        assert message in page and "午饭不够吃" in page, data
    assert _newest(ctx).id == before


def test_a_relayed_opinion_counts_from_the_day_the_parent_said_it(client, ctx, world, login):
    login(world.subject_teacher_name)
    r = client.post(
        f"/grids/{world.grid}/relays",
        data={"family_id": ctx.get(Case, world.case).family_id, "category": "canteen",
              "words": "校车太挤", "wants_answer": "y", "received_on": "2026-11-16"},
    )  # fmt: skip
    assert r.status_code == 303
    case = _newest(ctx)
    assert local(case.received_at).date() == date(2026, 11, 16)
    assert case.due_on == date(2026, 11, 23)
    r = client.post(
        f"/grids/{world.grid}/relays",
        data={"family_id": case.family_id, "category": "canteen", "words": "校车太挤",
              "received_on": "2026-12-01"},
    )  # fmt: skip
    assert r.status_code == 422 and "收到日期不能晚于今天" in r.get_data(as_text=True)


def test_a_reception_follow_up_counts_from_the_meeting(client, ctx, world, login, time_machine):
    # The booking is for Monday 30 November, 14:20; the host types the outcome on Tuesday.
    time_machine.move_to(_at(2026, 12, 1, 9, 0))
    login(world.principal_name)
    r = client.post(
        f"/reception/bookings/{world.booking}/visit",
        data={"attended": "y", "words": "午饭分量太少。", "follow_up": "y"},
    )
    assert r.status_code == 303
    case = _newest(ctx)
    assert case.source is CaseSource.RECEPTION
    assert case.received_at == _at(2026, 11, 30, 14, 20)
    assert case.due_on == date(2026, 12, 7)


def test_reply_times_count_from_when_the_opinion_was_received(ctx, world):
    principal = ctx.get(type(ctx.get(Case, world.case).recorded_by), world.principal)
    case = services.register_by_staff(
        principal, world.school_a, CaseSource.LETTER, CaseCategory.CANTEEN, "午饭", "午饭不够吃",
        True, received_on=date(2026, 11, 21), received_time=datetime(2026, 1, 1, 10, 0).time(),
    )  # fmt: skip
    services.reply(principal, case, "已处理。")
    ctx.flush()
    stats = figures.reply_stats(Case.school_id, Case.id == case.id)[world.school_a]
    assert round(stats.average_hours) == 48
    assert round(services.hours_to_reply(case)) == 48


def test_the_archive_dates_an_opinion_by_when_it_came_in(client, ctx, world, login):
    login(world.principal_name)
    family_case = ctx.get(Case, world.case)
    family_case.received_at = _at(2026, 11, 2, 8, 0)
    ctx.commit()
    page = client.get(f"/students/{world.student}/archive?tab=timeline&kind=case")
    assert "2026-11-02" in page.get_data(as_text=True)


def test_an_export_is_kept_24_hours_from_when_its_file_exists(ctx, world, time_machine):
    time_machine.move_to(_at(2026, 11, 24, 9, 0))  # the worker was down overnight
    exports.make.call_local(world.dossier_job)
    ctx.expire_all()
    job = ctx.get(exports.DossierJob, world.dossier_job)
    assert job.status == "done"
    assert job.expires_at >= _at(2026, 11, 25, 9, 0) - timedelta(minutes=1)
