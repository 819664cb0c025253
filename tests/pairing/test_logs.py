"""The support log (issue 16 item 4): dated entries written once however often the form is sent;
a follow-up visit is a contact, recorded once, shown in the log as "回访（…）" and counted in the
contact figures; bad input 422 beside the field with the input kept."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.contacts.models import Contact, ContactForm
from gridapp.extensions import db
from gridapp.pairing import logs
from gridapp.pairing.models import Pairing, SupportLogEntry
from gridapp.people.models import Student

from .. import factories as f
from ..concurrency import race
from ..form_checks import assert_shown_again
from ..test_forms_fuzz import FUZZ, NUL, _check, date_text, text
from .paired import make_pairing


def log_form(token="t-1", **over) -> dict:
    data = {
        "client_token": token,
        "happened_on": "2026-11-20",
        "kind": "study",
        "done": "放学后辅导数学一小时",
        "outcome": "分数应用题会做了",
        "next_step": "下周练习计算",
    }
    data.update(over)
    return data


@pytest.fixture
def w(ctx, world):
    return make_pairing(world)


def _entries(ctx, pairing_id):
    ctx.expire_all()
    q = select(SupportLogEntry).where(SupportLogEntry.pairing_id == pairing_id)
    return list(ctx.scalars(q))


def test_an_entry_is_stored_once_however_often_it_is_sent(client, login, ctx, w):
    login(w.paired_teacher_name)
    for _ in range(3):
        r = client.post(f"/pairings/{w.pairing}/log", data=log_form())
        assert r.status_code == 303
        assert r.headers["Location"].endswith(f"/pairings/{w.pairing}#support-log")
    [entry] = _entries(ctx, w.pairing)
    assert entry.happened_on == date(2026, 11, 20) and entry.written_by_id == w.paired_teacher
    html = client.get(f"/pairings/{w.pairing}").get_data(as_text=True)
    assert "放学后辅导数学一小时" in html and "分数应用题会做了" in html


def test_a_follow_up_visit_is_one_contact_shown_in_the_log(client, login, ctx, w):
    """Recorded once as a contact (it counts in the contact figures as any contact does) and
    listed in the support log, newest first, with the entries."""
    teacher = ctx.get(User, w.paired_teacher)
    student = ctx.get(Student, w.student)
    visit = f.ContactFactory(recorded_by=teacher, school_id=w.school_a, family_id=student.family_id,
                             contact_on=date(2026, 11, 21), form=ContactForm.HOME_VISIT)  # fmt: skip
    ctx.commit()
    login(w.paired_teacher_name)
    assert client.post(f"/pairings/{w.pairing}/log", data=log_form()).status_code == 303
    html = client.get(f"/pairings/{w.pairing}").get_data(as_text=True)
    assert "回访（上门家访）" in html and f'href="/contacts/{visit.id}"' in html
    assert html.index("回访（上门家访）") < html.index("放学后辅导数学一小时")  # 21st before 20th
    assert f'href="/contacts/new?student={w.student}"' in html  # 记录回访
    assert ctx.scalar(select(func.count()).select_from(Contact).where(Contact.id == visit.id)) == 1
    assert len(_entries(ctx, w.pairing)) == 1  # the visit is not copied into the entries


def test_the_log_shows_only_this_pairings_follow_ups(client, login, ctx, w):
    """Another teacher's contact with the family is not a follow-up of the pairing."""
    student = ctx.get(Student, w.student)
    f.ContactFactory(recorded_by=ctx.get(User, w.head_teacher), school_id=w.school_a,
                     family_id=student.family_id, contact_on=date(2026, 11, 22))  # fmt: skip
    ctx.commit()
    login(w.head_teacher_name)
    html = client.get(f"/pairings/{w.pairing}").get_data(as_text=True)
    assert "回访（" not in html and "还没有帮扶记录" in html


@pytest.mark.parametrize(
    "over, message, typed",
    [
        ({"happened_on": "2026-11-24"}, "日期不能晚于今天", "放学后辅导数学一小时"),
        ({"happened_on": "2026-10-31"}, "日期不能早于结对开始日期 2026-11-01", "2026-10-31"),
        ({"happened_on": "2026-02-30"}, "不是有效的日期值", "2026-02-30"),
        ({"done": ""}, "请填写帮扶内容", "分数应用题会做了"),
        ({"kind": "money"}, "不是有效的选择", "放学后辅导数学一小时"),
        ({"outcome": "好" * 2001}, "2000", "放学后辅导数学一小时"),
        ({"client_token": ""}, "表单已失效", "放学后辅导数学一小时"),
    ],
    ids=["future", "before-start", "unreal-date", "nothing-done", "kind", "long", "no-token"],
)
def test_bad_input_is_422_beside_the_field_with_input_kept(
    client, login, ctx, w, over, message, typed
):
    login(w.paired_teacher_name)
    html = assert_shown_again(client, f"/pairings/{w.pairing}/log", log_form(**over), [typed])
    assert message in html
    assert _entries(ctx, w.pairing) == []


def test_an_htmx_error_answers_the_log_section(client, login, w):
    login(w.paired_teacher_name)
    r = client.post(
        f"/pairings/{w.pairing}/log",
        data=log_form(done=""),
        headers={"HX-Request": "true", "HX-Target": "support-log"},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and html.lstrip().startswith('<section id="support-log"')
    assert "请填写帮扶内容" in html and "分数应用题会做了" in html


def test_a_token_of_someone_else_is_refused(client, login, ctx, w):
    login(w.paired_teacher_name)
    assert client.post(f"/pairings/{w.pairing}/log", data=log_form("shared")).status_code == 303
    # The same token on another pairing (a form copied between pages): refused, nothing stored.
    teacher = ctx.get(User, w.paired_teacher)
    other = f.StudentFactory(school_class=ctx.get(Student, w.student).school_class)
    from gridapp.pairing import services

    [p2] = services.pair(ctx.get(User, w.principal), w.school_a, teacher.id, [other.id],
                         date(2026, 11, 1), date(2026, 11, 23))  # fmt: skip
    ctx.commit()
    r = client.post(f"/pairings/{p2.id}/log", data=log_form("shared"))
    assert r.status_code == 422 and "表单已失效" in r.get_data(as_text=True)
    assert _entries(ctx, p2.id) == []


def test_log_form_fuzz(client, login, w):
    """Arbitrary text in every field of the log form: never a server error."""
    login(w.paired_teacher_name)

    @FUZZ
    @given(words=text, day=date_text())
    @example(words=NUL, day=NUL)
    def run(words, day):
        data = {"client_token": words, "happened_on": day, "kind": words, "done": words,
                "outcome": words, "next_step": words}  # fmt: skip
        _check(client.post(f"/pairings/{w.pairing}/log", data=data))
        _check(client.post(f"/pairings/{w.pairing}/log", data=log_form(words[:64] or "x",
                                                                        happened_on=day)))  # fmt: skip

    run()
    assert client.get(f"/pairings/{w.pairing}").status_code == 200


@pytest.mark.commits
def test_one_form_sent_twice_at_once_stores_one_entry(app, world):
    """A double tap on a slow phone: both requests checked the token before either wrote."""
    with app.app_context():
        w = make_pairing(world)

    def send():
        teacher = db.session.get(User, w.paired_teacher)
        pairing = db.session.get(Pairing, w.pairing)
        data = logs.LogData(date(2026, 11, 20), "study", "辅导数学")
        entry, created = logs.record_entry(teacher, pairing, data, date(2026, 11, 23), "tap")
        return entry.id, created

    results = race(app, send, send)
    assert len({entry_id for entry_id, _created in results}) == 1
    assert sorted(created for _id, created in results) == [False, True]
    with app.app_context():
        assert len(_entries(db.session, w.pairing)) == 1
