"""The public principal's mailbox (校长信箱): a server-made captcha, letters stored before anything
else runs, attachments checked by content, and tracking codes (查询码).

A tracking code is 12 characters of Crockford base32 from `secrets` (60 bits), shown once; only
its SHA-256 is stored, so neither staff nor a stolen database can read a code back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from gridapp.accounts.models import User
from gridapp.cases import services as cases
from gridapp.cases.models import (
    CaptchaSpent,
    CaseCategory,
    CaseEvent,
    CaseSource,
    Letter,
    LetterAttachment,
)
from gridapp.core import audit, storage, text
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.core.unique import held
from gridapp.extensions import db
from gridapp.people.services import children_of, guardian_of
from gridapp.schools.models import School

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
CAPTCHA_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no look-alikes
CAPTCHA_LENGTH = 4
CAPTCHA_TTL = timedelta(hours=1)
MAX_ATTACHMENTS = 3
MAX_BYTES = 5 * 1024 * 1024
CONTENT_LIMIT = 5000
SUBDIR = "letters"


# ---- tracking codes -------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _i in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    """What a parent types back (core.text.normalise_code: full-width, any case, with spaces or
    hyphens), with O read as 0 and I/L as 1 (Crockford base32)."""
    code = text.normalise_code((raw or "")[:200])
    return code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))[:40]


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def pretty(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def find_letter(raw_code: str) -> Letter | None:
    """The letter of a code, or None. One indexed lookup whatever the input, so a wrong code and
    a malformed one cost the same."""
    digest = code_hash(raw_code)
    letter = db.session.scalar(select(Letter).where(Letter.code_hash == digest))
    if letter is None or not hmac.compare_digest(letter.code_hash, digest):
        return None
    return letter


# ---- captcha --------------------------------------------------------------------------------------


def _captcha_sign(body: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, b"captcha-token:" + body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:12]).decode().rstrip("=")


def new_captcha(replacing: str | None = None) -> str:
    """A new challenge: its token, "<unix time>.<random>.<signature>" (at most 64 characters);
    the answer and the picture are drawn from it with the app's secret key, so showing a
    challenge stores nothing (issue 20 item 6: each anonymous GET /mailbox stored a row). The
    challenge `replacing` (the one a form was sent with) is spent here too, whatever happened
    to the request that checked it: a challenge is answered once."""
    if replacing:
        _spend(replacing)
    body = f"{int(now().timestamp())}.{secrets.token_urlsafe(9)}"
    return f"{body}.{_captcha_sign(body)}"


def _fresh_token(token: str) -> bool:
    """Whether `token` is one of ours (its signature) and at most CAPTCHA_TTL old."""
    if not token or len(token) > 64 or token.count(".") != 2:
        return False
    body, _dot, signature = token.rpartition(".")
    if not hmac.compare_digest(_captcha_sign(body).encode(), signature.encode("utf-8", "replace")):
        return False
    try:
        issued = int(body.split(".", 1)[0])
    except ValueError:
        return False
    age = now().timestamp() - issued
    return 0 <= age <= CAPTCHA_TTL.total_seconds()


def captcha_answer(token: str) -> str:
    """The characters of a challenge's picture, drawn from its token with the app's secret key
    (CAPTCHA_LENGTH of CAPTCHA_ALPHABET)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"captcha-answer:" + token.encode(), hashlib.sha256).digest()
    return "".join(CAPTCHA_ALPHABET[b % len(CAPTCHA_ALPHABET)] for b in digest[:CAPTCHA_LENGTH])


def _spend(token: str) -> bool:
    """Mark the challenge used, once: True for the one request whose row the table's primary
    key accepted (two requests with the same token at once: one wins), False when it was used
    already. Spent tokens older than CAPTCHA_TTL are dropped (they fail the age check anyway),
    so the table holds at most an hour of answered letters."""
    db.session.execute(delete(CaptchaSpent).where(CaptchaSpent.spent_at < now() - CAPTCHA_TTL))
    digest = hashlib.sha256(token[:64].encode("utf-8", "replace")).hexdigest()
    try:
        with held(""):
            db.session.add(CaptchaSpent(token_hash=digest))
    except RuleViolation:
        return False
    return True


def captcha_png(token: str) -> bytes | None:
    """The challenge's picture, or None for a token that is not ours or too old."""
    from captcha.image import ImageCaptcha

    if not _fresh_token(token):
        return None
    return ImageCaptcha(width=160, height=60).generate(captcha_answer(token)).getvalue()


_ZH_NUMBERS = "零一二三四五六七八九十"
_EN_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
]


def _captcha_terms(token: str) -> tuple[int, int]:
    """The two numbers (1–9) of a challenge's sum, drawn from its token with the app's secret
    key: nothing more is stored, and they cannot be told from the token alone."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"captcha-sum:" + token.encode(), hashlib.sha256).digest()
    return digest[0] % 9 + 1, digest[1] % 9 + 1


def _zh_number(n: int) -> str:
    return _ZH_NUMBERS[n] if n <= 10 else "十" + _ZH_NUMBERS[n - 10]


def captcha_question(token: str) -> str:
    """The text alternative of a challenge's picture (WCAG 1.1.1: a blind parent must be able
    to write too): a sum of two numbers from 1 to 9 in words ("七加五等于几？"), shown beside the
    picture and read by screen readers; its answer in digits or Chinese numerals is accepted like
    the picture's characters."""
    from gridapp.core.i18n import current_lang

    a, b = _captcha_terms(token)
    if current_lang() == "en":
        return _("%(a)s 加 %(b)s 等于几？", a=_EN_NUMBERS[a], b=_EN_NUMBERS[b])
    return _("%(a)s 加 %(b)s 等于几？", a=_ZH_NUMBERS[a], b=_ZH_NUMBERS[b])


def _sum_answers(token: str) -> set[str]:
    total = sum(_captcha_terms(token))
    return {str(total), _zh_number(total)}


def check_captcha(token: str, typed: str) -> bool:
    """Used once: right or wrong, the challenge is spent (`_spend`: two requests sending the
    same challenge at once, one may pass). Right is the picture's characters (any case,
    full-width from a Chinese input method too) or the answer to its sum."""
    if not _fresh_token(token) or not _spend(token):
        return False
    # Full-width letters from a Chinese input method count as the letters they are.
    typed = text.normalise_code(typed)[: CAPTCHA_LENGTH * 2]
    ok = hmac.compare_digest(captcha_answer(token).encode(), typed.encode("utf-8", "replace"))
    return ok or typed in _sum_answers(token)


def use_captcha(token: str, typed: str) -> None:
    """`check_captcha` as a rule of the letter: a wrong answer is a RuleViolation on the
    captcha field (the form comes back with a new challenge, everything else kept)."""
    if not check_captcha(token, typed):
        raise RuleViolation(_("验证码不对，请看新的图片或算术题重新输入"), field="captcha")


# ---- attachments ----------------------------------------------------------------------------------


@dataclass
class Upload:
    data: bytes
    kind: str  # jpeg, png, pdf
    name: str = ""  # the file's name as the writer gave it (storage.clean_filename)


def clean_attachment(raw: bytes, filename: str) -> Upload:
    name = filename or _("附件")
    if len(raw) > MAX_BYTES:
        raise RuleViolation(_("“%(n)s”超过 5 MB", n=name), field="attachments")
    if raw.startswith(b"%PDF-"):
        if b"%%EOF" not in raw[-2048:]:
            raise RuleViolation(_("“%(n)s”不是完整的 PDF 文件", n=name), field="attachments")
        return Upload(_clean_pdf(raw, name), "pdf", storage.clean_filename(filename))
    try:
        photo = storage.clean(raw, filename)
    except RuleViolation:
        raise RuleViolation(
            _("“%(n)s”不是有效的图片（JPEG、PNG）或 PDF 文件", n=name), field="attachments"
        ) from None
    return Upload(photo.data, photo.extension.replace("jpg", "jpeg"), photo.name)


MAX_PDF_PAGES = 100


# What a page may carry that runs or reaches out when the file is opened: its own actions
# (/AA: on open, on close), its annotations (links with /A actions: JavaScript, launch, URIs,
# form fields) and its XMP metadata. The document's catalog (/OpenAction, /Names /JavaScript,
# /AcroForm) is not copied at all: the writer starts from the pages alone.
PAGE_KEYS_DROPPED = ("/Metadata", "/AA", "/Annots")


def _clean_pdf(raw: bytes, name: str) -> bytes:
    """The PDF's pages rewritten without the document's metadata (author, XMP), which often
    names whoever made it (an anonymous letter must not carry its writer's name), and without
    active content: no page action, annotation or document-level script is kept (issue 20
    item 8: a page's /AA JavaScript reached the school's leaders)."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted or len(reader.pages) > MAX_PDF_PAGES:
            raise ValueError("encrypted or too long")
        writer = pypdf.PdfWriter()
        for page in reader.pages:
            for key in PAGE_KEYS_DROPPED:
                page.pop(key, None)
            writer.add_page(page)
        writer.add_metadata({"/Producer": ""})
        out = io.BytesIO()
        writer.write(out)
    except Exception as e:  # an untrusted file: any parser failure means "cannot be read"
        raise RuleViolation(
            _(
                "“%(n)s”无法读取（加密、损坏或超过 %(p)d 页的 PDF 不能上传）",
                n=name,
                p=MAX_PDF_PAGES,
            ),
            field="attachments",
        ) from e
    return out.getvalue()


def _store(upload: Upload) -> str:
    ext = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}[upload.kind]
    return storage.store_file(upload.data, ext, SUBDIR)


def attachment_path(att: LetterAttachment):
    return storage.path_of(att.path, SUBDIR)


def attachment_label(att: LetterAttachment, number: int) -> str:
    """What the school sees of an attachment: the name the writer gave it, or for an anonymous
    letter (and files stored before names were kept) "附件 1（PDF）"."""
    return att.name or _("附件 %(n)d（%(k)s）", n=number, k=att.kind.upper())


def attachment_filename(att: LetterAttachment, number: int) -> tuple[str, str]:
    """(download name, ASCII fallback) of an attachment: the writer's name for the file, or
    "附件1.pdf" when it has none (anonymous letters); the fallback "attachment-1.pdf"."""
    fallback = f"attachment-{number}.{att.extension}"
    return att.name or _("附件%(n)d.%(e)s", n=number, e=att.extension), fallback


# ---- letters --------------------------------------------------------------------------------------


@dataclass
class LetterData:
    school_id: int
    category: CaseCategory
    subject: str
    content: str
    anonymous: bool
    name: str = ""
    phone: str = ""
    child_class: str = ""
    uploads: list[Upload] = field(default_factory=list)


def check(data: LetterData) -> None:
    if not data.subject.strip() or len(data.subject.strip()) > 100:
        raise RuleViolation(_("请填写标题（不超过 100 字）"), field="subject")
    if not data.content.strip():
        raise RuleViolation(_("请填写信件内容"), field="content")
    if len(data.content.strip()) > CONTENT_LIMIT:
        raise RuleViolation(_("信件内容不能超过 %(n)d 字", n=CONTENT_LIMIT), field="content")
    if len(data.uploads) > MAX_ATTACHMENTS:
        raise RuleViolation(_("最多 %(n)d 个附件", n=MAX_ATTACHMENTS), field="attachments")


def parent_letter(
    user: User, student_id: int | None, category: CaseCategory, subject: str, content: str,
    anonymous: bool,
) -> LetterData:  # fmt: skip
    """A signed-in parent's letter about one of their own children: the school is the child's,
    the writer's name and phone are the guardian record's, the class is the child's class and
    name ("一年级（1）班 李欢"). Nothing is typed twice. An anonymous letter takes only the school.
    Raises RuleViolation(field="student_id") for a student who is not the user's child."""
    child = next((s for s in children_of(user) if s.id == student_id), None)
    if child is None:
        raise RuleViolation(_("请选择您的孩子"), field="student_id")
    guardian = guardian_of(user)
    return LetterData(
        school_id=child.school_id, category=category, subject=subject, content=content,
        anonymous=anonymous,
        name=guardian.name if guardian else user.name,
        phone=(guardian.mobile if guardian else "") or "",
        child_class=f"{child.school_class.name} {child.name}",
    )  # fmt: skip


def store_letter(data: LetterData, guardian: User | None = None) -> tuple[Letter, str]:
    """Store the letter and its attachments (the caller commits at once); returns it and its code.
    An anonymous letter keeps no name, phone, class, account or IP."""
    check(data)
    code = new_code()
    letter = Letter(
        school_id=data.school_id,
        category=data.category,
        subject=data.subject.strip(),
        content=data.content.strip(),
        anonymous=data.anonymous,
        writer_name="" if data.anonymous else text.normalise_name(data.name)[:40],
        writer_phone="" if data.anonymous else text.normalise_phone(data.phone)[:20],
        child_class="" if data.anonymous else text.normalise_class_name(data.child_class)[:40],
        guardian_user_id=None if data.anonymous or guardian is None else guardian.id,
        code_hash=code_hash(code),
    )
    db.session.add(letter)
    for upload in data.uploads:
        letter.attachments.append(
            LetterAttachment(
                kind=upload.kind,
                size=len(upload.data),
                path=_store(upload),
                # A file's name could name the writer of an anonymous letter: not kept.
                name="" if data.anonymous else upload.name,
            )  # fmt: skip
        )
    db.session.flush()
    audit.record(
        None if data.anonymous else guardian, "letter.create", letter,
        keep_ip=not data.anonymous, anonymous=data.anonymous,
    )  # fmt: skip
    return letter, code


def open_case(letter: Letter) -> bool:
    """The letter's case, collected and waiting to be registered. Run after the letter is
    committed; the periodic task retries any letter left without a case. One case per letter,
    however often and however many workers run it: the case is linked by a conditional UPDATE
    (`case_id IS NULL`), and a case that lost the race is rolled back at its SAVEPOINT.
    The case was received when the letter was stored, whenever this runs: its deadline counts
    from that day. Returns True when this call opened the case."""
    if letter.case_id is not None:
        return False
    nested = db.session.begin_nested()
    case = cases.new_case(
        None, letter.school_id, CaseSource.MAILBOX, letter.category, letter.content,
        subject=letter.subject, register=False, limit=CONTENT_LIMIT,
        received_at=letter.created_at,
    )  # fmt: skip
    linked = db.session.execute(
        update(Letter)
        .where(Letter.id == letter.id, Letter.case_id.is_(None))
        .values(case_id=case.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if linked != 1:
        nested.rollback()
        db.session.refresh(letter)
        return False
    nested.commit()
    # The row holds the link already (the conditional UPDATE): the object learns it as stored
    # state, so no second UPDATE of the letter is sent.
    set_committed_value(letter, "case_id", case.id)
    set_committed_value(letter, "case", case)
    return True


def open_missing_cases() -> int:
    """Cases for letters left without one; a letter that fails is logged and skipped, so it never
    stops the others (or the deadline checks that run after). Returns how many it opened."""
    opened = 0
    for letter in db.session.scalars(select(Letter).where(Letter.case_id.is_(None))).all():
        try:
            with db.session.begin_nested():
                opened += open_case(letter)
        except Exception:
            logging.getLogger(__name__).exception("letter %s: case not opened", letter.id)
    return opened


def rate_limit() -> str:
    return current_app.config.get("MAILBOX_RATE_LIMIT", "5 per hour")


def track_limit() -> str:
    return current_app.config.get("TRACK_RATE_LIMIT", "30 per hour")


def school_choices():
    """Every school's (id, name, hotline_phone, hotline_hours) row in id order, for the
    mailbox's school list and the hotlines it publishes (seed 004 §15)."""
    return db.session.execute(
        select(School.id, School.name, School.hotline_phone, School.hotline_hours).order_by(
            School.id
        )
    ).all()


def public_replies(case_id: int) -> list[CaseEvent]:
    """The public events of case `case_id` in id order: the replies a writer may read."""
    return db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.public.is_(True))
        .order_by(CaseEvent.id)
    ).all()
