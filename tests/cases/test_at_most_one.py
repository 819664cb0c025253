"""The closed loop's "at most one" rules hold when two requests or workers come at the same
moment (issue 22, item 1): one case per letter, one rating of an answer, one move of a case
from a state (two replies), one use of a captcha. Each race is run by tests/concurrency.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.accounts.models import User
from gridapp.cases import mailbox, services
from gridapp.cases.models import Case, CaseCategory, CaseEvent, Letter
from gridapp.extensions import db

from ..concurrency import race, refusals

pytestmark = pytest.mark.commits


def _letter(app, world) -> int:
    with app.app_context():
        data = mailbox.LetterData(
            school_id=world.school_a, category=CaseCategory.SAFETY, subject="校门口",
            content="放学时车辆太多。", anonymous=True,
        )  # fmt: skip
        letter, _code = mailbox.store_letter(data)
        db.session.commit()
        return letter.id


def test_a_letter_opened_by_the_request_and_a_worker_at_once_has_one_case(app, world):
    letter_id = _letter(app, world)

    def open_it():
        return mailbox.open_case(db.session.get(Letter, letter_id))

    results = race(app, open_it, open_it)
    assert sorted(results) == [False, True]
    with app.app_context():
        mailbox_cases = db.session.scalar(
            select(func.count(Case.id)).where(
                Case.school_id == world.school_a, Case.source == "mailbox"
            )
        )
        assert mailbox_cases == 1
        assert db.session.get(Letter, letter_id).case_id is not None


def _replied_case(app, world) -> int:
    with app.app_context():
        principal = db.session.get(User, world.principal)
        case = db.session.get(Case, world.case)
        services.reply(principal, case, "已与食堂沟通，每份加量。")
        db.session.commit()
        return case.id


def test_two_ratings_at_once_count_once(app, world):
    case_id = _replied_case(app, world)

    def rate(n):
        return lambda: services.rate(db.session.get(Case, case_id), n, "")

    results = race(app, rate(1), rate(5))
    assert len(refusals(results)) == 1
    with app.app_context():
        rated = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.action == "rate")
        ).all()
        assert len(rated) == 1


def test_two_replies_at_once_reply_once(app, world):
    def reply(text):
        def action():
            principal = db.session.get(User, world.principal)
            return services.reply(principal, db.session.get(Case, world.case), text)

        return action

    results = race(app, reply("答复一"), reply("答复二"))
    assert refusals(results) == ["这条意见刚刚被其他人办理过，请刷新页面后再试"]
    with app.app_context():
        replies = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == world.case, CaseEvent.action == "reply")
        ).all()
        assert len(replies) == 1
        assert db.session.get(Case, world.case).reply == replies[0].note


def test_a_captcha_sent_twice_at_once_lets_one_letter_through(app, world):
    with app.app_context():
        token = mailbox.new_captcha()
        answer = mailbox.captcha_answer(token)

    def check():
        return mailbox.check_captcha(token, answer)

    assert sorted(race(app, check, check)) == [False, True]


def test_a_draft_sent_back_twice_at_once_is_sent_back_once(app, world):
    """Two rejections of the same waiting draft (two tabs of the principal): one is recorded,
    the other is told the case moved on."""
    with app.app_context():
        case = db.session.get(Case, world.case)
        case.reply_draft = "会处理。"
        db.session.commit()

    def reject():
        principal = db.session.get(User, world.principal)
        services.reject_reply(principal, db.session.get(Case, world.case), "请写明具体措施")

    results = race(app, reject, reject)
    assert len(refusals(results)) == 1
    with app.app_context():
        events = db.session.scalar(
            select(func.count(CaseEvent.id)).where(
                CaseEvent.case_id == world.case, CaseEvent.action == "reject_draft"
            )
        )
        assert events == 1
