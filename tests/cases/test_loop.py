"""The closed loop: an anonymous letter with a tracking code, registration, assignment, a reply
approved by the principal, the parent's rating reopening it, overdue escalation to the district,
supervision, merging, and bad input at every step."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gridapp.cases import mailbox, services
from gridapp.cases.models import Case, CaseStatus, Letter
from gridapp.core.audit import AuditEntry
from tests.world import captcha_spent, tiny_jpeg


def _captcha(client, ctx, url="/mailbox"):
    page = client.get(url).get_data(as_text=True)
    token = page.split('name="captcha_token" value="')[1].split('"')[0]
    with client.application.app_context():
        return token, mailbox.captcha_answer(token)


def _letter(world, token, answer, **kw):
    data = {
        "school_id": world.school_a, "category": "canteen", "subject": "午餐分量",
        "content": "孩子说午饭不够吃，希望学校增加米饭的供应。", "anonymous": "y",
        "name": "李芳", "phone": "13812345678", "child_class": "三年级（1）班",
        "captcha_token": token, "captcha": answer,
    }  # fmt: skip
    data.update(kw)
    return data


def _send(client, ctx, world, **kw):
    token, answer = _captcha(client, ctx)
    r = client.post("/mailbox", data=_letter(world, token, answer, **kw))
    return r


def _code(client):
    page = client.get("/mailbox/receipt").get_data(as_text=True)
    return page.split('id="tracking-code">')[1].split("<")[0]


def test_anonymous_letter_keeps_no_identity_and_gives_a_code(client, ctx, world):
    r = _send(client, ctx, world)
    assert r.status_code == 303
    code = _code(client)
    assert len(code.replace("-", "")) == 12
    assert set(code.replace("-", "")) <= set(mailbox.CROCKFORD)
    # Shown once.
    assert client.get("/mailbox/receipt").status_code == 303
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    assert letter.anonymous and (letter.writer_name, letter.writer_phone, letter.child_class) == (
        "", "", "",
    )  # fmt: skip
    assert letter.guardian_user_id is None and code not in letter.code_hash
    entry = ctx.scalars(select(AuditEntry).where(AuditEntry.action == "letter.create")).one()
    assert entry.ip == "" and entry.actor_id is None
    assert letter.case.status is CaseStatus.COLLECTED and letter.case.source.value == "mailbox"
    # The tracking page: the status, nothing internal.
    page = client.post("/mailbox/track", data={"code": code.lower()}).get_data(as_text=True)
    assert "午餐分量" in page and "已收集" in page


def test_named_letter_keeps_the_writer_for_the_school_only(client, ctx, world, login):
    assert _send(client, ctx, world, anonymous="").status_code == 303
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    assert (letter.writer_name, letter.writer_phone) == ("李芳", "13812345678")
    login(world.principal_name)
    assert "李芳" in client.get(f"/cases/{letter.case_id}").get_data(as_text=True)
    client.post("/logout")
    login(world.district_supervisor_name)
    page = client.get(f"/cases/{letter.case_id}").get_data(as_text=True)
    assert "李芳" not in page and "13812345678" not in page and "署名（仅学校可见）" in page


def test_bad_letters_are_refused_and_the_text_is_kept(client, ctx, world):
    for bad, message in (
        ({"content": ""}, "请填写信件内容"),
        ({"content": "长" * 20000}, ""),
        ({"subject": ""}, "请填写标题"),
        ({"school_id": "999999"}, ""),
        ({"category": "gossip"}, ""),
        ({"phone": "123", "anonymous": ""}, "手机号码"),
    ):
        r = _send(client, ctx, world, **bad)
        assert r.status_code == 422, bad
        assert message in r.get_data(as_text=True)
    # A wrong captcha: the letter text comes back, with a new picture.
    token, _answer = _captcha(client, ctx)
    r = client.post("/mailbox", data=_letter(world, token, "ZZZZ"))
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "验证码不对" in page and "希望学校增加米饭的供应" in page
    assert captcha_spent(ctx, token)  # used up
    assert 'value="ZZZZ"' not in page  # the old answer is not offered for the new picture
    # A fake attachment and a script in the text.
    token, answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, answer), "attachments": [(__import__("io").BytesIO(
            b"<?php evil ?>"), "photo.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 422 and "不是有效的图片" in r.get_data(as_text=True)
    token, answer = _captcha(client, ctx)
    broken = b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, answer), "attachments": [(__import__("io").BytesIO(
            broken), "scan.pdf")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 422 and "无法读取" in r.get_data(as_text=True)
    assert ctx.scalars(select(Letter)).all() == []
    r = _send(client, ctx, world, content="<script>alert(1)</script>")
    assert r.status_code == 303
    code = _code(client)
    page = client.post("/mailbox/track", data={"code": code}).get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_attachments_are_checked_by_content_and_shown_to_leaders(client, ctx, world, login):
    import io

    token, answer = _captcha(client, ctx)
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "李芳", "/Title": "关于午餐的投诉"})
    buf = io.BytesIO()
    writer.write(buf)
    pdf = buf.getvalue()
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, answer), "attachments": [
            (io.BytesIO(tiny_jpeg()), "a.jpg"), (io.BytesIO(pdf), "b.pdf")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    assert sorted(a.kind for a in letter.attachments) == ["jpeg", "pdf"]
    from gridapp.cases.mailbox import attachment_path

    with client.application.app_context():
        stored = next(a for a in letter.attachments if a.kind == "pdf")
        meta = pypdf.PdfReader(attachment_path(stored)).metadata or {}
    assert "李芳" not in str(meta) and "投诉" not in str(meta)  # the writer's name is gone
    login(world.principal_name)
    a = letter.attachments[0]
    r = client.get(f"/cases/{letter.case_id}/attachments/{a.id}")
    assert r.status_code == 200 and r.mimetype.startswith(("image/", "application/pdf"))
    # A file lost from the disk: 410 and what to do, never a 500.
    with client.application.app_context():
        attachment_path(a).unlink()
    r = client.get(f"/cases/{letter.case_id}/attachments/{a.id}")
    assert r.status_code == 410 and "附件文件已丢失" in r.get_data(as_text=True)
    client.post("/logout")
    login(world.district_supervisor_name)
    assert client.get(f"/cases/{letter.case_id}/attachments/{a.id}").status_code == 404


def test_wrong_and_malformed_codes_get_the_same_answer(client):
    answers = []
    for code in ("ABCD-EFGH-JKMN", "x", "'; drop table letters; --", "0" * 40):
        r = client.post("/mailbox/track", data={"code": code})
        answers.append((r.status_code, "没有找到这个查询码" in r.get_data(as_text=True)))
    assert set(answers) == {(404, True)}


def test_the_whole_loop_from_letter_to_rating_and_reopening(client, ctx, world, login):
    _send(client, ctx, world)
    code = _code(client)
    case_id = ctx.scalars(select(Letter.case_id)).one()
    login(world.principal_name)
    # An illegal move: 409, nothing changed.
    assert client.post(f"/cases/{case_id}/moves/archive").status_code == 409
    assert client.post(f"/cases/{case_id}/moves/register").status_code == 303
    ctx.expire_all()
    case = ctx.get(Case, case_id)
    assert case.status is CaseStatus.REGISTERED and case.due_on is not None
    assert client.post(f"/cases/{case_id}/moves/submit").status_code == 303
    r = client.post(
        f"/cases/{case_id}/moves/assign",
        data={"assignee_id": world.head_teacher, "workdays": "3", "note": "请了解情况后答复"},
    )
    assert r.status_code == 303
    ctx.expire_all()
    case = ctx.get(Case, case_id)
    assert case.status is CaseStatus.ASSIGNED and case.assignee_id == world.head_teacher
    # 2026-11-23 is a Monday: three working days later is Thursday.
    assert case.due_on == date(2026, 11, 26)
    client.post("/logout")

    login(world.head_teacher_name)
    assert "午餐分量" in client.get("/my/cases").get_data(as_text=True)
    client.post(f"/cases/{case_id}/moves/note", data={"note": "食堂说米饭按标准供应。"})
    r = client.post(f"/cases/{case_id}/reply", data={"reply": "已与食堂沟通，米饭不限量供应。"})
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Case, case_id).status is CaseStatus.ASSIGNED  # waits for approval
    page = client.post("/mailbox/track", data={"code": code}).get_data(as_text=True)
    assert "不限量" not in page  # not approved yet
    client.post("/logout")

    login(world.principal_name)
    r = client.post(f"/cases/{case_id}/approval", data={"decision": "approve"})
    assert r.status_code == 303
    client.post("/logout")
    page = client.post("/mailbox/track", data={"code": code}).get_data(as_text=True)
    assert "已与食堂沟通，米饭不限量供应。" in page
    assert "食堂说米饭按标准供应" not in page  # the internal note never reaches the parent
    # The parent rates it 2: reopened once, with a new deadline.
    r = client.post("/mailbox/track/rating", data={"code": code, "rating": "2",
                                                   "comment": "孩子说还是不够"})  # fmt: skip
    assert r.status_code == 200 and "重新办理" in r.get_data(as_text=True)
    ctx.expire_all()
    case = ctx.get(Case, case_id)
    assert case.status is CaseStatus.SUBMITTED and case.reopened_by_rating
    # Bad ratings: refused.
    for bad in ({"rating": "9"}, {"rating": "x"}, {}):
        r = client.post("/mailbox/track/rating", data={"code": code, **bad})
        assert r.status_code in (409, 422), bad


def test_overdue_cases_escalate_to_the_principal_then_the_district(client, ctx, world, login):
    case = ctx.get(Case, world.case)
    assert case.due_on == date(2026, 11, 30)  # registered at once: five working days
    assert services.check_deadlines(date(2026, 11, 27))["reminded"] == 1  # Fri before Mon
    assert services.check_deadlines(date(2026, 11, 27))["reminded"] == 0  # once
    assert services.check_deadlines(date(2026, 12, 1)) == {
        "reminded": 0, "principal": 1, "district": 0,
    }  # fmt: skip
    case.due_on = date(2026, 11, 16)  # left alone since: five working days late by today
    counts = services.check_deadlines()
    ctx.commit()
    ctx.expire_all()
    case = ctx.get(Case, world.case)
    assert case.escalation == 2 and counts["district"] == 1
    assert services.check_deadlines() == {
        "reminded": 0, "principal": 0, "district": 0,
    }  # fmt: skip
    login(world.district_supervisor_name)
    page = client.get("/district/cases").get_data(as_text=True)
    assert f"#{world.case}" in page
    r = client.post(f"/cases/{world.case}/supervision", data={"comment": "请尽快答复家长"})
    assert r.status_code == 303
    client.post("/logout")
    login(world.other_district_supervisor_name)
    assert client.get(f"/cases/{world.case}").status_code == 404
    assert f"#{world.case}" not in client.get("/district/cases").get_data(as_text=True)


def test_supervision_reopens_a_replied_case_and_merge_keeps_both_texts(client, ctx, world, login):
    login(world.principal_name)
    client.post(f"/cases/{world.case}/reply", data={"reply": "已增加午餐分量。"})
    ctx.expire_all()
    assert ctx.get(Case, world.case).status is CaseStatus.REPLIED
    client.post("/logout")
    login(world.district_supervisor_name)
    r = client.post(f"/cases/{world.case}/supervision", data={"comment": "答复过于简单",
                                                              "reopen": "y"})  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    assert ctx.get(Case, world.case).status is CaseStatus.SUBMITTED
    client.post("/logout")
    login(world.principal_name)
    r = client.post(
        f"/schools/{world.school_a}/cases/new",
        data={"source": "hotline", "category": "canteen", "subject": "午饭",
              "words": "午饭不够吃", "wants_answer": "y"},
    )  # fmt: skip
    assert r.status_code == 303
    dup = ctx.scalars(select(Case).order_by(Case.id.desc())).first()
    r = client.post(f"/cases/{dup.id}/moves/merge", data={"into": world.case})
    assert r.status_code == 303
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "孩子说午饭不够吃。" in page and "午饭不够吃" in page and f"#{dup.id}" in page


@pytest.mark.parametrize("who", ["other_school_admin", "other_school_teacher", "parent"])
def test_other_schools_and_parents_cannot_open_a_case(client, world, login, who):
    login(getattr(world, f"{who}_name"))
    assert client.get(f"/cases/{world.case}").status_code == 404
    assert client.post(f"/cases/{world.case}/moves/register").status_code == 404


def test_a_flood_of_letters_from_one_ip_is_429(client, ctx, world):
    statuses = [_send(client, ctx, world).status_code for _i in range(6)]
    assert statuses[:5] == [303] * 5 and statuses[5] == 429


def test_principal_sends_a_draft_back_then_archives_the_answered_case(client, ctx, world, login):
    login(world.principal_name)
    client.post(f"/cases/{world.case}/moves/assign", data={"assignee_id": world.head_teacher})
    client.post("/logout")
    login(world.head_teacher_name)
    assert "件交办给我的意见" in client.get("/worklist/summary").get_data(as_text=True)
    client.post(f"/cases/{world.case}/reply", data={"reply": "会处理。"})
    # A second draft while one waits: the answer form is not offered, and nothing is published.
    client.post("/logout")
    login(world.principal_name)
    r = client.post(f"/cases/{world.case}/approval", data={"decision": "reject", "note": ""})
    assert r.status_code == 422  # a reason is needed
    r = client.post(f"/cases/{world.case}/approval",
                    data={"decision": "reject", "note": "请写明具体措施"})  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    case = ctx.get(Case, world.case)
    assert case.reply_draft == "" and case.status is CaseStatus.ASSIGNED and case.reply == ""
    # Approving with nothing waiting: 409.
    assert client.post(f"/cases/{world.case}/approval", data={}).status_code == 409
    client.post(f"/cases/{world.case}/reply", data={"reply": "自下周起午餐增加一份主食。"})
    assert client.post(f"/cases/{world.case}/moves/archive").status_code == 303
    ctx.expire_all()
    assert ctx.get(Case, world.case).status is CaseStatus.ARCHIVED
    assert client.post(f"/cases/{world.case}/moves/archive").status_code == 409
    # Assigning to someone of another school: refused, nothing changed.
    r = client.post(f"/cases/{world.case}/moves/assign",
                    data={"assignee_id": world.other_school_teacher})  # fmt: skip
    assert r.status_code in (409, 422)


def test_review_findings_full_width_captcha_long_letters_and_no_ip(client, ctx, world, login):
    token, answer = _captcha(client, ctx)
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in answer)  # ＡＢＣＤ from an IME
    long_text = "孩子在学校的情况。" * 400  # 3,600 characters: within the letter's 5,000
    r = client.post("/mailbox", data=_letter(world, token, full_width, content=long_text))
    assert r.status_code == 303
    code = _code(client)
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    assert letter.case is not None and letter.case.words == long_text.strip()
    ips = ctx.scalars(select(AuditEntry.ip).where(AuditEntry.object_id.is_not(None))).all()
    assert set(ips) <= {""}  # neither the letter nor its case keeps the writer's IP
    # Rated twice (a double submit): the second is a clear 409, not a 500.
    login(world.principal_name)
    client.post(f"/cases/{letter.case_id}/moves/register")
    client.post(f"/cases/{letter.case_id}/reply", data={"reply": "已收到，正在处理。"})
    client.post("/logout")
    assert (
        client.post("/mailbox/track/rating", data={"code": code, "rating": "4"}).status_code == 200
    )
    r = client.post("/mailbox/track/rating", data={"code": code, "rating": "4"})
    assert r.status_code == 409 and "已经评价过了" in r.get_data(as_text=True)
    assert not [e for e in ctx.scalars(select(AuditEntry)) if e.action == "case.rate" and e.ip]


def test_a_merged_letter_shows_the_progress_of_the_case_it_joined(client, ctx, world, login):
    _send(client, ctx, world)
    code = _code(client)
    case_id = ctx.scalars(select(Letter.case_id)).one()
    login(world.principal_name)
    client.post(f"/cases/{case_id}/moves/merge", data={"into": world.case})
    client.post(f"/cases/{world.case}/reply", data={"reply": "午餐已增加主食。"})
    client.post("/logout")
    page = client.post("/mailbox/track", data={"code": code}).get_data(as_text=True)
    assert "合并办理" in page and "午餐已增加主食。" in page


def test_the_periodic_task_runs_every_check(app, ctx, world):
    from gridapp.cases.tasks import check_cases

    result = check_cases.call_local()
    assert set(result) == {
        "letters", "reminded", "principal", "district",
    }  # fmt: skip


def test_a_pdf_attachment_loses_its_scripts_and_is_sent_as_a_download(client, ctx, world, login):
    """A mailbox PDF with a page-level /AA JavaScript action, a link annotation running script
    and a document /OpenAction (issue 20 item 8): stored without any of them, and served as a
    download (Content-Disposition: attachment), never inline."""
    import io

    import pypdf
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def js(code):
        return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                 NameObject("/JS"): TextStringObject(code)})  # fmt: skip

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page')")})
    writer.root_object[NameObject("/OpenAction")] = js("app.alert('open')")
    buf = io.BytesIO()
    writer.write(buf)
    assert b"/JavaScript" in buf.getvalue()
    token, answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, answer), "attachments": [(io.BytesIO(buf.getvalue()), "x.pdf")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    letter = ctx.scalars(select(Letter)).one()
    from gridapp.cases.mailbox import attachment_path

    with client.application.app_context():
        stored = attachment_path(letter.attachments[0]).read_bytes()
    for active in (b"/JavaScript", b"/JS", b"/AA", b"/OpenAction", b"/Annots"):
        assert active not in stored, active
    assert len(pypdf.PdfReader(io.BytesIO(stored)).pages) == 1
    login(world.principal_name)
    r = client.get(f"/cases/{letter.case_id}/attachments/{letter.attachments[0].id}")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment")
