"""Names users gave are kept (issue 22, item 8): a named letter's attachment keeps its name
(cleaned), shown to the school and sent with `filename*=UTF-8''…`; an anonymous letter keeps a
generic name; every download (contact photos, dossiers, calendar files) is named sensibly."""

from __future__ import annotations

import io
from urllib.parse import quote

import pypdf
import pytest
from sqlalchemy import select

from gridapp.cases.models import Letter
from gridapp.contacts.models import Contact, ContactPhoto
from gridapp.core import storage
from tests.cases.test_loop import _captcha, _letter
from tests.contacts.test_record import _form
from tests.world import tiny_jpeg

NAME = "家长意见（第二版）.pdf"


def _pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _disposition(name: str, fallback: str, kind: str = "attachment") -> str:
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _send_letter(client, ctx, world, filename, **kw):
    token, answer = _captcha(client, ctx)
    r = client.post(
        "/mailbox",
        data={**_letter(world, token, answer, **kw), "attachments": [(io.BytesIO(_pdf()), filename)]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    ctx.expire_all()
    return ctx.scalars(select(Letter).order_by(Letter.id.desc())).first()


def test_a_named_letter_keeps_the_attachment_name(client, ctx, world, login):
    letter = _send_letter(client, ctx, world, NAME, anonymous="")
    att = letter.attachments[0]
    assert att.name == NAME
    login(world.principal_name)
    page = client.get(f"/cases/{letter.case_id}").get_data(as_text=True)
    assert NAME in page and "附件 1（PDF）" not in page
    r = client.get(f"/cases/{letter.case_id}/attachments/{att.id}")
    assert r.headers["Content-Disposition"] == _disposition(NAME, "attachment-1.pdf")


def test_an_anonymous_letter_keeps_a_generic_name(client, ctx, world, login):
    letter = _send_letter(client, ctx, world, "李芳的投诉.pdf", anonymous="y")
    att = letter.attachments[0]
    assert att.name == ""
    login(world.principal_name)
    page = client.get(f"/cases/{letter.case_id}").get_data(as_text=True)
    assert "附件 1（PDF）" in page and "李芳的投诉" not in page
    r = client.get(f"/cases/{letter.case_id}/attachments/{att.id}")
    assert r.headers["Content-Disposition"] == _disposition("附件1.pdf", "attachment-1.pdf")


def test_names_are_cleaned_of_paths_and_control_characters_and_bounded():
    assert storage.clean_filename("C:\\fakepath\\家长意见.pdf") == "家长意见.pdf"
    assert storage.clean_filename("../../etc/pass\x00wd\u202e.pdf") == "passwd.pdf"
    long = storage.clean_filename("长" * 300 + ".pdf")
    assert len(long) == storage.NAME_LIMIT and long.endswith(".pdf")
    assert storage.clean_filename("  ..  ", "附件") == "附件"
    header = storage.content_disposition('a"b;c.pdf', "x.pdf")
    assert header.startswith('attachment; filename="abc.pdf"; filename*=UTF-8')


def test_a_contact_photo_is_sent_under_its_name(client, login, world, ctx):
    login(world.head_teacher_name)
    r = client.post(
        f"/contacts/new?student={world.student}",
        data={**_form(world), "photos": [(io.BytesIO(tiny_jpeg()), "IMG_家门口.jpg")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 303
    contact = ctx.scalars(select(Contact).where(Contact.client_token == "tok-1")).one()
    photo = ctx.scalars(select(ContactPhoto).where(ContactPhoto.contact_id == contact.id)).one()
    assert photo.name == "IMG_家门口.jpg"
    assert "IMG_家门口.jpg" in client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    r = client.get(f"/contacts/{contact.id}/photos/{photo.id}")
    fallback = f"contact-{contact.id}-photo-1.jpg"
    assert r.headers["Content-Disposition"] == _disposition("IMG_家门口.jpg", fallback, "inline")


def test_dossiers_and_calendar_files_are_named_after_what_they_are(client, ctx, world, login):
    login(world.subject_teacher_name)
    r = client.get(f"/students/{world.student}/dossier.pdf")
    name = "王小明-成长档案-2026-11-23.pdf"
    assert r.headers["Content-Disposition"] == _disposition(
        name, f"dossier-{world.student}.pdf", "inline"
    )
    client.post("/logout")
    login(world.head_teacher_name)
    r = client.post(f"/classes/{world.class_a1}/dossiers", data={"format": "zip"})
    job = r.headers["Location"].rstrip("/").split("/")[-1]
    r = client.get(f"/dossier-jobs/{job}/file")
    assert r.headers["Content-Disposition"] == _disposition(
        "三年级（1）班-成长档案-2026-11-23.zip", f"dossiers-{job}.zip"
    )
    client.post("/logout")
    login(world.parent_name)
    r = client.get(f"/reception/bookings/{world.booking}.ics")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert quote("接待日预约-", safe="") in r.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "fallback", "sent"),
    [
        ("教学计划.html", "document-8.docx", "教学计划.docx"),  # what the file is, not its name
        ("evil.html", "material-1.pdf", "evil.pdf"),
        ("IMG_0001.JPEG", "contact-1-photo-1.jpg", "IMG_0001.JPEG"),  # the same type, kept
        ("家长意见（第二版）.pdf", "attachment-1.pdf", "家长意见（第二版）.pdf"),
        ("三年级（1）班-2026.11.23", "dossiers-3.zip", "三年级（1）班-2026.11.23.zip"),
        ("讲义", "material-2.png", "讲义.png"),
    ],
)
def test_a_download_is_named_with_the_extension_of_what_it_holds(name, fallback, sent):
    """A security review: a Word file uploaded as "教学计划.html" was saved by the principal's
    browser under that name. The server's fallback name carries the checked type's extension;
    the name the user gave takes it."""
    disposition = storage.content_disposition(name, fallback)
    assert disposition.endswith("filename*=UTF-8''" + quote(sent, safe=""))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb's shape)."""
    import struct
    import zlib

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = 8  # after the signature: length (4), "IHDR" (4), then width and height
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize("size", [(8000, 6000), (20000, 20000)])
def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded(size):
    """Issue 20, uploads: a 48- or 400-megapixel picture is refused from its header, with a
    message that says why, not decoded at full size."""
    from gridapp.core.errors import RuleViolation

    with pytest.raises(RuleViolation) as e:
        storage.clean(_png_claiming(*size), "大图.png")
    assert "尺寸太大" in e.value.message and e.value.field == "photos"
