"""Reaching parents (issue 15 item 7): activation codes, the class's letters, codes by SMS, and a
guardian activating their account: the happy path and every refusal."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gridapp.accounts.models import Role, User
from gridapp.core import outbox
from gridapp.core.audit import AuditEntry
from gridapp.core.time import now
from gridapp.people import activation
from gridapp.people.activation import ActivationCode
from gridapp.people.models import Guardian
from tests import factories as f

WRONG = "激活码或手机号后四位不正确"
PASSWORD = "qingchun2026"


def _new_family(ctx, world, name="赵小雨", guardian="赵大海", mobile="13955551234"):
    from gridapp.schools.models import SchoolClass

    school_class = ctx.get(SchoolClass, world.class_a1)
    student = f.StudentFactory(school_class=school_class, name=name)
    g = f.GuardianFactory(family=student.family, name=guardian, mobile=mobile)
    f.StudentGuardianFactory(student=student, guardian=g)
    ctx.flush()
    return student, g


def _issue(ctx, world, g) -> str:
    from gridapp.accounts.models import User as U

    code = activation.issue_code(ctx.get(U, world.head_teacher), g, world.school_a)
    ctx.commit()
    return code


def _activate(client, code, last_four, password=PASSWORD, confirm=None):
    return client.post(
        "/activate",
        data={"code": code, "last_four": last_four, "password": password,
              "confirm": confirm if confirm is not None else password},
    )  # fmt: skip


def test_a_code_is_eight_unambiguous_characters_stored_hashed(ctx, world):
    _student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    assert re.fullmatch(r"[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}", code)
    row = ctx.scalar(select(ActivationCode).where(ActivationCode.guardian_id == g.id))
    assert code not in row.code_hash
    assert row.code_hash == activation.hash_code(code.lower())
    assert timedelta(days=29) < row.expires_at - now() <= timedelta(days=30)


def test_the_guardian_activates_and_sees_only_their_own_child(client, ctx, world):
    student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    typed = f"{code[:4].lower()} {code[4:]}".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    r = _activate(client, typed, "１２３４")
    assert r.status_code == 303, r.text
    home = client.get("/", follow_redirects=True)
    assert "赵小雨" in home.text
    assert "王小明" not in home.text and "张伟" not in home.text
    ctx.expire_all()
    g = ctx.get(Guardian, g.id)
    user = ctx.get(User, g.user_id)
    assert user.username == f"jz{g.id:06d}"
    assert [r.role for r in user.roles] == [Role.GUARDIAN]
    assert user.check_password(PASSWORD)
    assert ctx.scalar(select(ActivationCode.used_at).where(ActivationCode.guardian_id == g.id))
    assert ctx.scalar(select(AuditEntry).where(AuditEntry.action == "guardian.activate"))
    # The code is used: a second try is refused with its own message.
    client.post("/logout")
    again = _activate(client, code, "1234")
    assert again.status_code == 422
    assert "已经使用过" in again.text


def test_an_account_made_without_a_password_is_activated(client, ctx, world):
    from gridapp.accounts.models import User as U
    from gridapp.people import services

    student, g = _new_family(ctx, world)
    user, _token = services.guardian_account(ctx.get(U, world.head_teacher), student, g)
    ctx.commit()
    code = _issue(ctx, world, g)
    assert _activate(client, code, "1234").status_code == 303
    ctx.expire_all()
    assert ctx.get(Guardian, g.id).user_id == user.id
    assert ctx.get(User, user.id).check_password(PASSWORD)


def test_wrong_code_and_wrong_digits_get_the_same_message(client, ctx, world):
    _student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    wrong_code = _activate(client, "ABCD2345" if code != "ABCD2345" else "ABCD2346", "1234")
    wrong_digits = _activate(client, code, "4321")
    for r in (wrong_code, wrong_digits):
        assert r.status_code == 422
        assert WRONG in r.text
    # Beside the code field, the same words, nothing else told.
    assert re.search(r'id="code-error">[^<]*' + WRONG, wrong_digits.text)
    assert ctx.scalar(select(Guardian.user_id).where(Guardian.id == g.id)) is None


def test_an_expired_code_says_to_ask_the_school(client, ctx, world, time_machine):
    _student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    time_machine.move_to(now() + timedelta(days=31))
    r = _activate(client, code, "1234")
    assert r.status_code == 422
    assert "已过期" in r.text and "联系班主任或学校" in r.text


def test_a_reissued_code_replaces_the_old_one(client, ctx, world):
    _student, g = _new_family(ctx, world)
    old = _issue(ctx, world, g)
    new = _issue(ctx, world, g)
    assert (
        len(ctx.scalars(select(ActivationCode).where(ActivationCode.guardian_id == g.id)).all())
        == 1
    )
    assert WRONG in _activate(client, old, "1234").text
    assert _activate(client, new, "1234").status_code == 303


def test_a_weak_password_and_a_mismatch_are_refused_and_the_code_kept(client, ctx, world):
    _student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    weak = _activate(client, code, "1234", password="12345678")
    assert weak.status_code == 422 and "字母和数字" in weak.text
    mismatch = _activate(client, code, "1234", confirm="something-else1")
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    assert (
        ctx.scalar(select(ActivationCode.used_at).where(ActivationCode.guardian_id == g.id)) is None
    )
    assert _activate(client, code, "1234").status_code == 303


def test_a_staff_account_is_not_taken_over(client, ctx, world):
    from gridapp.accounts.models import User as U

    _student, g = _new_family(ctx, world)
    g.user_id = world.subject_teacher
    ctx.flush()
    code = activation.issue_code(ctx.get(U, world.head_teacher), g, world.school_a)
    ctx.commit()
    r = _activate(client, code, "1234")
    assert r.status_code == 422 and "教职工账号" in r.text
    ctx.expire_all()
    assert not ctx.get(User, world.subject_teacher).check_password(PASSWORD)


def test_guessing_is_rate_limited_per_code(client, ctx, world):
    _student, g = _new_family(ctx, world)
    code = _issue(ctx, world, g)
    statuses = [_activate(client, code, f"{n:04d}").status_code for n in range(6)]
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    assert _activate(client, code, "1234").status_code == 429  # even with the right digits


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.text(max_size=60),
    last_four=st.text(max_size=30),
    password=st.text(max_size=300),
)
def test_the_activation_form_never_fails(client, app, code, last_four, password):
    from gridapp.extensions import limiter

    limiter.reset()
    r = client.post("/activate", data={"code": code, "last_four": last_four, "password": password,
                                       "confirm": password})  # fmt: skip
    assert r.status_code in (422, 400), r.status_code


# ---- the class's letters ---------------------------------------------------------------------------


def test_letters_page_lists_who_can_activate(client, login, ctx, world):
    _new_family(ctx, world)
    _new_family(ctx, world, name="钱多多", guardian="钱进", mobile="")
    ctx.commit()
    login(world.head_teacher_name)
    r = client.get(f"/classes/{world.class_a1}/letters")
    assert r.status_code == 200
    assert "赵大海" in r.text and "未发放" in r.text
    assert "没有手机号，无法激活" in r.text
    assert "已激活" in r.text  # the world's parents have passwords
    assert "139****1234" in r.text and "13955551234" not in r.text


def test_letters_need_the_confirmation(client, login, ctx, world):
    _new_family(ctx, world)
    ctx.commit()
    login(world.head_teacher_name)
    r = client.post(f"/classes/{world.class_a1}/letters", data={})
    assert r.status_code == 422
    assert "重新生成将使旧的激活码失效" in r.text
    assert ctx.scalar(select(ActivationCode)) is None


def _letters_pdf(client, class_id, **data) -> tuple[str, bytes]:
    """Generate a class's letters: the POST answers with the job's page (the PDF is made in the
    background: at once in the tests); returns the job's URL and the downloaded PDF."""
    r = client.post(f"/classes/{class_id}/letters", data={"confirm": "y", **data})
    assert r.status_code == 303, r.text
    job_url = r.headers["Location"]
    assert "/letters/jobs/" in job_url
    page = client.get(job_url)
    assert "下载激活通知" in page.text
    pdf = client.get(job_url + "/file")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    return job_url, pdf.data


def _codes(data: bytes) -> dict[str, str]:
    """{page text's first student name line: code} of a letters PDF, by page."""
    import pypdf

    out = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        text = page.extract_text()
        m = re.search(r"([2-9A-HJ-NP-Z]{4}) ([2-9A-HJ-NP-Z]{4})", text)
        out[text] = m.group(1) + m.group(2)
    return out


def test_letters_pdf_carries_each_code_and_issuing_again_invalidates_them(
    client, login, ctx, world
):
    _student, g = _new_family(ctx, world)
    ctx.commit()
    login(world.head_teacher_name)
    _job_url, data = _letters_pdf(client, world.class_a1)
    [(page_text, code)] = _codes(data).items()  # one letter: the world's parents are active
    assert "赵小雨" in page_text and "南湖区实验小学" in page_text and "/activate" in page_text
    assert ctx.scalar(select(AuditEntry).where(AuditEntry.action == "guardian.activation_letters"))
    _letters_pdf(client, world.class_a1)  # the same class again: new codes
    client.post("/logout")
    assert WRONG in _activate(client, code, "1234").text


def test_letters_are_made_in_the_background_codes_kept_only_in_the_file(client, login, ctx, world):
    from gridapp.dossiers.tasks import remove_expired_dossiers
    from gridapp.people.letters import LetterJob

    _new_family(ctx, world)
    ctx.commit()
    login(world.principal_name)
    job_url, data = _letters_pdf(client, world.class_a1)
    job = ctx.scalar(select(LetterJob).order_by(LetterJob.id.desc()))
    ctx.refresh(job)
    assert job.status == "done" and job.done == job.total == 1
    assert job.codes == []  # the plain codes are in the file only
    assert ctx.scalar(
        select(AuditEntry).where(AuditEntry.action == "guardian.activation_letters.download")
    )
    # Its state survives a reload: the letters page shows the latest job and its download.
    page = client.get(f"/classes/{world.class_a1}/letters")
    assert "已完成 1 / 1 份" in page.text and job_url + "/file" in page.text
    client.post("/logout")
    login(world.subject_teacher_name)  # not one who hands out the letters
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/file").status_code == 404
    client.post("/logout")
    # After 24 hours the same clean-up as the dossiers removes the file.
    job.expires_at = now()
    ctx.commit()
    assert remove_expired_dossiers.call_local() >= 1
    ctx.commit()
    login(world.head_teacher_name)
    assert client.get(job_url + "/file").status_code == 410
    [(_text, code)] = _codes(data).items()
    client.post("/logout")
    assert _activate(client, code, "1234").status_code == 303  # the code (from the file) works


def test_a_siblings_letter_in_another_class_keeps_working(client, login, ctx, world):
    from gridapp.schools.models import SchoolClass

    student, g = _new_family(ctx, world)  # 赵小雨 in class a1
    sister = f.StudentFactory(
        school_class=ctx.get(SchoolClass, world.class_a2), name="赵小雪", family=student.family
    )
    f.StudentGuardianFactory(student=sister, guardian=g)
    other = f.StudentFactory(school_class=ctx.get(SchoolClass, world.class_a2), name="孙悟")
    og = f.GuardianFactory(family=other.family, name="孙大圣", mobile="13955556666")
    f.StudentGuardianFactory(student=other, guardian=og)
    ctx.commit()
    login(world.school_admin_name)
    _url, first = _letters_pdf(client, world.class_a1)
    [(_text, code)] = _codes(first).items()
    page = client.get(f"/classes/{world.class_a2}/letters")
    assert "已在其他班级的激活通知中（三年级（1）班，" in page.text
    assert "为这些家长重新生成（旧通知作废）" in page.text
    assert "短信发送的激活码会替换家长原来的激活码" in page.text
    _url, second = _letters_pdf(client, world.class_a2)
    [(text2, _code2)] = _codes(second).items()
    assert "孙大圣" in text2 and "赵大海" not in text2  # left out of the new PDF
    assert ctx.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "guardian.activation_letters")
        .order_by(AuditEntry.id.desc())
    )
    client.post("/logout")
    r = _activate(client, code, "1234")  # the first class's letter still works
    assert WRONG not in r.text and r.status_code == 303


def test_reissuing_for_siblings_on_request_voids_the_other_letter(client, login, ctx, world):
    from gridapp.schools.models import SchoolClass

    student, g = _new_family(ctx, world)
    sister = f.StudentFactory(
        school_class=ctx.get(SchoolClass, world.class_a2), name="赵小雪", family=student.family
    )
    f.StudentGuardianFactory(student=sister, guardian=g)
    ctx.commit()
    login(world.school_admin_name)
    _url, first = _letters_pdf(client, world.class_a1)
    [(_text, code)] = _codes(first).items()
    r = client.post(f"/classes/{world.class_a2}/letters", data={"confirm": "y"})
    assert r.status_code == 422 and "没有需要生成激活通知的家长" in r.text
    _url, second = _letters_pdf(client, world.class_a2, reissue="y")
    [(text2, _code2)] = _codes(second).items()
    assert "赵大海" in text2 and "赵小雪" in text2
    client.post("/logout")
    assert WRONG in _activate(client, code, "1234").text


def test_codes_by_sms_go_through_the_outbox(client, login, ctx, world):
    _student, g = _new_family(ctx, world)
    ctx.commit()
    login(world.school_admin_name)
    r = client.post(f"/classes/{world.class_a1}/letters/sms", data={"sms-confirm": "y"})
    assert r.status_code == 303
    [sent] = [m for m in outbox.sink_messages() if m["to"] == "13955551234"][-1:]
    code = re.search(r"激活码是 ([2-9A-Z]{8})", sent["text"]).group(1)
    assert "赵小雨" in sent["text"] and "南湖区实验小学" in sent["text"]
    page = client.get(f"/classes/{world.class_a1}/letters")
    assert "已发送" in page.text
    outbox_page = client.get(f"/schools/{world.school_a}/outbox")
    assert "139****1234" in outbox_page.text and "已发送" in outbox_page.text
    assert code not in outbox_page.text and "••••••••" in outbox_page.text  # the code stays secret
    sms = ctx.scalar(
        select(outbox.OutboxMessage).where(outbox.OutboxMessage.address == "13955551234")
    )
    assert sms.secret is None and code not in sms.body  # kept only until sent
    client.post("/logout")
    assert _activate(client, code, "1234").status_code == 303


def test_a_failed_message_shows_on_the_outbox_page_and_is_retried(app, client, login, ctx, world):
    app.config["SMS_URL"] = ""
    try:
        message = outbox.queue(
            outbox.Channel.SMS, "13955550000", "失败的短信", school_id=world.school_a
        )
        ctx.commit()
        login(world.school_admin_name)
        page = client.get(f"/schools/{world.school_a}/outbox")
        assert "未配置短信网关" in page.text and "发送失败" in page.text and "重试" in page.text
    finally:
        app.config["SMS_URL"] = None
    r = client.post(f"/schools/{world.school_a}/outbox/{message.id}/retry")
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(outbox.OutboxMessage, message.id).status is outbox.OutboxStatus.SENT
    other = client.post(f"/schools/{world.school_b}/outbox/{message.id}/retry")
    assert other.status_code == 404


@pytest.mark.commits
def test_a_code_used_from_two_tabs_at_once_activates_once(app, world):
    from gridapp.extensions import db
    from tests.concurrency import race, refusals

    with app.app_context():
        _student, g = _new_family(db.session, world)
        code = _issue(db.session, world, g)
        guardian_id = g.id
    results = race(
        app,
        lambda: activation.activate(code, "1234", PASSWORD).id,
        lambda: activation.activate(code, "1234", "another-pass1").id,
    )
    assert len(refusals(results)) == 1
    assert "已经使用过" in refusals(results)[0]
    with app.app_context():
        users = db.session.scalars(
            select(User).where(User.username == f"jz{guardian_id:06d}")
        ).all()
        assert len(users) == 1
