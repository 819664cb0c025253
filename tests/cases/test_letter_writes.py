"""The mailbox submit's writes, made with fewer statements for 50 parents at once (issue 17,
`make bench-scale`): the captcha is used once by a DELETE that returns it, the letter's case is
inserted with its deadline, and the letter learns its case without a second UPDATE."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gridapp.cases import mailbox
from gridapp.cases.models import CaptchaChallenge, Case, CaseCategory, CaseStatus, Letter
from gridapp.core.time import now


def test_a_captcha_is_right_once_and_gone_after_any_answer(ctx):
    ctx.add(CaptchaChallenge(token="tok-right", answer="ACDE"))
    ctx.add(CaptchaChallenge(token="tok-wrong", answer="ACDE"))
    ctx.flush()
    # Full width and lower case from a Chinese keyboard are the letters they are.
    assert mailbox.check_captcha("tok-right", "ａｃｄｅ") is True
    assert mailbox.check_captcha("tok-right", "ACDE") is False  # used
    assert mailbox.check_captcha("tok-wrong", "XXXX") is False
    assert mailbox.check_captcha("tok-wrong", "ACDE") is False  # a wrong answer used it too
    assert ctx.scalars(select(CaptchaChallenge)).all() == []


def test_the_sum_answers_a_captcha_and_an_old_one_is_refused_and_removed(ctx):
    ctx.add(CaptchaChallenge(token="tok-sum", answer="ACDE"))
    ctx.add(CaptchaChallenge(token="tok-old", answer="ACDE", created_at=now() - timedelta(hours=2)))
    ctx.flush()
    total = sum(mailbox._captcha_terms("tok-sum"))
    assert mailbox.check_captcha("tok-sum", str(total)) is True
    assert mailbox.check_captcha("tok-old", "ACDE") is False
    assert ctx.get(CaptchaChallenge, "tok-old") is None
    assert mailbox.check_captcha("", "ACDE") is False
    assert mailbox.check_captcha("x" * 500, "ACDE") is False


def test_a_letters_case_has_its_deadline_and_the_letter_knows_its_case(ctx, world):
    data = mailbox.LetterData(
        school_id=world.school_a, category=CaseCategory.CANTEEN, subject="午餐",
        content="孩子说午饭不够吃。", anonymous=True,
    )  # fmt: skip
    letter, _code = mailbox.store_letter(data)
    ctx.flush()
    assert mailbox.open_case(letter) is True
    assert letter.case_id is not None and letter.case.id == letter.case_id
    assert not ctx.dirty  # nothing left to write: the conditional UPDATE linked it
    assert mailbox.open_case(letter) is False  # one case a letter
    ctx.flush()
    ctx.expire_all()
    stored = ctx.get(Letter, letter.id)
    case = ctx.get(Case, stored.case_id)
    assert case.status is CaseStatus.COLLECTED
    # Received on Monday 23 November 2026: five working days (the default) is 30 November.
    assert (case.due_from.isoformat(), case.due_on.isoformat()) == ("2026-11-23", "2026-11-30")
    assert case.due_workdays == 5
