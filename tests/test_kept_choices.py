"""What the user chose is never lost when a form comes back with an error (issue 22, item 7):
files chosen are kept in pending storage and listed by name ("已选择的照片：…（可移除）"), sent
again by the form and attached on the successful send; ticked boxes and chosen options stay."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from gridapp.cases.models import Letter
from gridapp.contacts.models import Contact, ContactPhoto
from gridapp.people.models import Student
from tests.cases.test_loop import _captcha, _letter
from tests.contacts.test_record import _form
from tests.world import tiny_jpeg

KEPT = re.compile(r'name="(kept_\w+)" value="([^"]+)" checked')


def _kept(html: str) -> list[tuple[str, str]]:
    return KEPT.findall(html)


def test_contact_photos_survive_an_error_and_are_attached_on_the_next_send(
    client, login, world, ctx
):
    login(world.head_teacher_name)
    url = f"/contacts/new?student={world.student}"
    photos = [(io.BytesIO(tiny_jpeg()), "家门口.jpg"), (io.BytesIO(tiny_jpeg((9, 9, 9))), "b.jpg")]
    r = client.post(
        url, data={**_form(world, contact_on=""), "photos": photos},
        content_type="multipart/form-data",
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "请输入有效日期" in html
    assert "已选择的照片：家门口.jpg、b.jpg（可移除）" in html
    kept = _kept(html)
    assert [name for name, _token in kept] == ["kept_photos", "kept_photos"]
    # Fixed and sent again without choosing the photos again: the record has both.
    r = client.post(
        url, data={**_form(world), "kept_photos": [t for _n, t in kept]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    contact = ctx.scalars(select(Contact).where(Contact.client_token == "tok-1")).one()
    photos = ctx.scalars(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id)).all()
    assert len(photos) == 2


def test_a_kept_photo_unticked_is_removed_and_tokens_are_personal(client, login, world, ctx):
    login(world.head_teacher_name)
    url = f"/contacts/new?student={world.student}"
    photos = [(io.BytesIO(tiny_jpeg()), "a.jpg"), (io.BytesIO(tiny_jpeg((1, 2, 3))), "b.jpg")]
    html = client.post(
        url, data={**_form(world, pledge_confirmed=""), "photos": photos},
        content_type="multipart/form-data",
    ).get_data(as_text=True)  # fmt: skip
    tokens = [t for _n, t in _kept(html)]
    assert len(tokens) == 2
    # A forged token and another teacher's token are ignored; one kept photo is unticked.
    client.post("/logout")
    login(world.subject_teacher_name)
    other = client.post(
        f"/contacts/new?student={world.student}",
        data={**_form(world, pledge_confirmed="", client_token="tok-2"),
              "kept_photos": [tokens[1]]},
        content_type="multipart/form-data",
    ).get_data(as_text=True)  # fmt: skip
    assert _kept(other) == []
    client.post("/logout")
    login(world.head_teacher_name)
    r = client.post(
        url, data={**_form(world), "kept_photos": [tokens[0], "forged.token"]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    contact = ctx.scalars(select(Contact).where(Contact.client_token == "tok-1")).one()
    assert (
        len(ctx.scalars(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id)).all())
        == 1
    )


def test_editing_a_contact_keeps_new_photos_through_an_error(client, login, world, ctx):
    login(world.head_teacher_name)
    url = f"/contacts/{world.contact}/edit"
    r = client.post(
        url, data={**_form(world, contact_on="2099-01-01"),
                   "photos": [(io.BytesIO(tiny_jpeg()), "新照片.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "已选择的照片：新照片.jpg（可移除）" in html
    before = len(ctx.get(Contact, world.contact).photos)
    r = client.post(
        url, data={**_form(world), "kept_photos": [t for _n, t in _kept(html)]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    ctx.expire_all()
    assert len(ctx.get(Contact, world.contact).photos) == before + 1


def test_mailbox_attachments_survive_a_wrong_captcha(client, ctx, world):
    token, _answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, "ZZZZ"),
              "attachments": [(io.BytesIO(tiny_jpeg()), "食堂照片.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "已选择的附件：食堂照片.jpg（可移除）" in html
    kept = [t for _n, t in _kept(html)]
    token, answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox", data={**_letter(world, token, answer), "kept_attachments": kept},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    letter = ctx.scalars(select(Letter)).one()
    assert [a.kind for a in letter.attachments] == ["jpeg"]


def test_chosen_options_come_back_chosen(client, ctx, world, login):
    """The grid family log's focus change (a select written out by hand) is still chosen when
    the entry comes back with an error."""
    login(world.subject_teacher_name)
    student = ctx.get(Student, world.student)
    r = client.post(
        f"/grids/{world.grid}/logs",
        data={"family_id": student.family_id, "kind": "situation", "happened_on": "2026-11-20",
              "text": "", "focus_student": str(student.id), "focus": "mark:left_behind"},
    )  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "请填写内容" in html
    assert 'value="mark:left_behind" selected' in html
