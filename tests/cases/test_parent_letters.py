"""A signed-in parent writes to the principal with what GridApp knows (the child chosen from
their own, name and phone from the account, no captcha) and rates the reply from "my letters";
the captcha of the public form has a text alternative (issue 22, items 10 and 12)."""

from __future__ import annotations

import re

from sqlalchemy import select

from gridapp.cases import mailbox
from gridapp.cases.models import Letter
from gridapp.people.models import Student
from tests.world import captcha_spent


def _letter(**kw):
    data = {"category": "canteen", "subject": "午餐分量", "content": "孩子说午饭不够吃。"}
    data.update(kw)
    return data


def test_a_signed_in_parent_writes_about_one_of_their_children_without_a_captcha(
    client, ctx, world, login
):
    login(world.parent_name)
    page = client.get("/mailbox").get_data(as_text=True)
    # No captcha, no name, phone or class to type: the child is chosen from their own.
    assert 'name="captcha"' not in page and 'name="phone"' not in page
    assert 'name="child_class"' not in page and 'name="school_id"' not in page
    assert (
        f'<option value="{world.student}">' in page and f'<option value="{world.sibling}">' in page
    )
    assert f'value="{world.other_student}"' not in page
    r = client.post("/mailbox", data=_letter(student_id=world.sibling))
    assert r.status_code == 303 and r.headers["Location"].endswith("/mailbox/receipt")
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    sibling = ctx.get(Student, world.sibling)
    assert letter.school_id == sibling.school_id == world.school_b
    assert (letter.writer_name, letter.writer_phone) == ("李芳", "13812345678")
    assert letter.child_class == f"{sibling.school_class.name} 王小红"
    assert letter.guardian_user_id == world.parent and letter.case is not None
    assert "王小红" in client.get("/my/letters").get_data(as_text=True)


def test_a_parent_cannot_write_about_a_child_not_theirs_and_keeps_what_they_typed(
    client, ctx, world, login
):
    login(world.parent_name)
    for student, status in ((world.other_student, 422), ("", 422), ("junk", 422)):
        r = client.post("/mailbox", data=_letter(student_id=student, content="原话保留"))
        assert r.status_code == status, student
        assert "原话保留" in r.get_data(as_text=True)
    assert ctx.scalars(select(Letter)).all() == []


def test_an_anonymous_letter_from_a_signed_in_parent_keeps_only_the_school(
    client, ctx, world, login
):
    login(world.parent_name)
    r = client.post("/mailbox", data=_letter(student_id=world.student, anonymous="y"))
    assert r.status_code == 303
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    assert letter.school_id == world.school_a and letter.anonymous
    assert (letter.writer_name, letter.writer_phone, letter.child_class) == ("", "", "")
    assert letter.guardian_user_id is None


def _replied_letter(client, ctx, world, login) -> Letter:
    login(world.parent_name)
    client.post("/mailbox", data=_letter(student_id=world.student))
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    client.post("/logout")
    login(world.principal_name)
    client.post(f"/cases/{letter.case_id}/moves/register")
    client.post(f"/cases/{letter.case_id}/reply", data={"reply": "已增加米饭供应。"})
    client.post("/logout")
    ctx.expire_all()
    return letter


def test_the_home_page_says_a_reply_waits_for_the_rating_and_my_letters_takes_it(
    client, ctx, world, login
):
    letter = _replied_letter(client, ctx, world, login)
    login(world.other_parent_name)  # not theirs: 404 either way
    assert client.post(f"/my/letters/{letter.id}/rating", data={"rating": "5"}).status_code == 404
    client.post("/logout")
    login(world.parent_name)
    home = client.get("/").get_data(as_text=True)
    assert "等您评价" in home and "学校已答复您的来信“午餐分量”" in home
    assert f"/my/letters#letter-{letter.id}" in home
    page = client.get("/my/letters").get_data(as_text=True)
    assert f'action="/my/letters/{letter.id}/rating"' in page and "已增加米饭供应" in page
    r = client.post(f"/my/letters/{letter.id}/rating", data={"rating": "9"})
    assert r.status_code == 422 and f'action="/my/letters/{letter.id}/rating"' in r.get_data(
        as_text=True
    )
    r = client.post(f"/my/letters/{letter.id}/rating", data={"rating": "5", "comment": "满意"})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Letter, letter.id).case.rating == 5
    assert "学校已答复您的来信" not in client.get("/").get_data(as_text=True)
    assert "您的评价：5 分" in client.get("/my/letters").get_data(as_text=True)
    # Rated twice (a second tab): a clear 409 on the same page, not a 500.
    r = client.post(f"/my/letters/{letter.id}/rating", data={"rating": "4"})
    assert r.status_code == 409 and "已经评价过了" in r.get_data(as_text=True)


def test_the_public_captcha_has_a_labelled_input_and_a_text_alternative(client, ctx, world):
    page = client.get("/mailbox").get_data(as_text=True)
    assert len(re.findall(r'id="captcha"', page)) == 1  # the input's id, once
    assert '<label for="captcha">' in page
    question = re.search(r'id="captcha-question">([^<]*)<', page).group(1)
    assert "等于几" in question
    token = page.split('name="captcha_token" value="')[1].split('"')[0]
    assert 'aria-describedby="captcha-question"' in page
    total = sum(mailbox._captcha_terms(token))
    words = "零一二三四五六七八九十"
    a, b = mailbox._captcha_terms(token)
    assert f"{words[a]} 加 {words[b]}" in question
    data = {
        "school_id": world.school_a, "captcha_token": token, "captcha": f"{total}",
        "anonymous": "y", **_letter(),
    }  # fmt: skip
    assert client.post("/mailbox", data=data).status_code == 303
    assert captcha_spent(ctx, token)


def test_a_captcha_is_answered_once_even_when_the_letter_is_refused(client, ctx, world):
    page = client.get("/mailbox").get_data(as_text=True)
    token = page.split('name="captcha_token" value="')[1].split('"')[0]
    with client.application.app_context():
        answer = mailbox.captcha_answer(token)
    bad_file = {"attachments": [(__import__("io").BytesIO(b"<?php ?>"), "x.jpg")]}
    data = {"school_id": world.school_a, "captcha_token": token, "captcha": answer,
            "anonymous": "y", **_letter(), **bad_file}  # fmt: skip
    r = client.post("/mailbox", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and "不是有效的图片" in r.get_data(as_text=True)
    assert captcha_spent(ctx, token)  # the refused letter used it up
    data = {"school_id": world.school_a, "captcha_token": token, "captcha": answer,
            "anonymous": "y", **_letter()}  # fmt: skip
    assert client.post("/mailbox", data=data).status_code == 422
