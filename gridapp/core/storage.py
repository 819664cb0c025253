"""File storage for uploads (contact photos, mailbox attachments): images verified by content and
re-encoded without metadata, every file kept under the instance folder (never in static/), and a
file written during a transaction removed again if that transaction does not commit."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; more is a decompression bomb
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass
class Photo:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    name: str = ""  # the name the user gave the file (clean_filename), "" when none


def upload_dir(subdir: str) -> Path:
    """The folder of one kind of upload (created on first use)."""
    path = Path(current_app.instance_path) / "uploads" / subdir
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean(raw: bytes, filename: str = "") -> Photo:
    """The photo re-encoded from its pixels only: no EXIF (location), no text chunks.

    Raises RuleViolation (field "photos") for anything that is not a real JPEG or PNG.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # with the first photo, not the app

    name = filename or _("照片")
    if len(raw) > MAX_BYTES:
        raise RuleViolation(_("“%(n)s”超过 5 MB，请压缩后再上传", n=name), field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                if probe.width * probe.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(fmt)  # said as "too large" below
                if fmt not in FORMATS:
                    raise ValueError(fmt)
                probe.verify()
            with Image.open(io.BytesIO(raw)) as img:
                img.load()
                img = ImageOps.exif_transpose(img)
                out = io.BytesIO()
                if fmt == "JPEG":
                    img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                else:
                    if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                        img = img.convert("RGBA")
                    img.save(out, "PNG", optimize=True)
                width, height = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Refused from its header, before a pixel is decoded (issue 20, uploads).
        raise RuleViolation(
            _("“%(n)s”的尺寸太大（超过 %(mp)d 万像素），请缩小后再上传", n=name,
              mp=MAX_PIXELS // 10_000),
            field="photos",
        ) from e  # fmt: skip
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError) as e:
        raise RuleViolation(_("“%(n)s”不是有效的 JPEG 或 PNG 图片", n=name), field="photos") from e
    content_type, extension = FORMATS[fmt]
    return Photo(out.getvalue(), content_type, extension, width, height, clean_filename(filename))


def store(photo: Photo, subdir: str) -> str:
    """Write the cleaned photo (or any file) under a random name in `subdir`; returns the name.

    The file is written before the request commits; if the transaction does not commit, the
    session's end removes it again, so no family photo is left on disk without its record.
    """
    return store_file(photo.data, photo.extension, subdir)


def store_file(data: bytes, extension: str, subdir: str) -> str:
    """Write `data` under a random name ending in `extension` in `subdir`; returns the name."""
    from gridapp.extensions import db

    stored = f"{secrets.token_hex(16)}.{extension}"
    path = upload_dir(subdir) / stored
    path.write_bytes(data)
    db.session.info.setdefault(_PENDING, []).append(path)
    return stored


_PENDING = "gridapp_uncommitted_files"


@event.listens_for(Session, "after_commit")
def _keep_files(session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_files(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_PENDING, []):
        path.unlink(missing_ok=True)


def path_of(stored_name: str, subdir: str) -> Path:
    """Where a stored file of `subdir` lives."""
    return upload_dir(subdir) / stored_name


# ---- what a user chose, kept while a form is shown again -------------------------------------------

PENDING_DIR = "pending"
PENDING_TTL = timedelta(hours=24)
MAX_CHOSEN = 10  # files kept for one form: more than any form takes, so none is dropped silently
NAME_LIMIT = 120


@dataclass
class Chosen:
    """A file the user chose for a form, kept in pending storage under a signed token until the
    form is sent successfully: `token` (for the form's hidden field), `name` (the file's own
    name, cleaned), `data` (its bytes as uploaded, at most MAX_BYTES + 1)."""

    token: str
    name: str
    data: bytes


def clean_filename(name: str | None, default: str = "") -> str:
    """A file name a user gave, safe to store and show: no folder parts (C:\\\\fakepath\\\\,
    ../), no control or invisible characters, NFC, spaces collapsed, at most NAME_LIMIT
    characters keeping the extension; `default` when nothing is left."""
    import re
    import unicodedata

    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot and stem else ""
        name = name[: NAME_LIMIT - len(ext) - 1].rstrip() + ("." + ext if ext else "")
    return name or default


def _signer():
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.secret_key, salt="gridapp.pending-upload")


def _owner() -> str:
    # A kept file belongs to whoever chose it: the account, or the browser session of a parent
    # writing without an account (the public mailbox).
    from flask import session
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"u{current_user.id}"
    if "upload_owner" not in session:
        session["upload_owner"] = secrets.token_urlsafe(12)
    return "s" + session["upload_owner"]


def _drop_stale(folder: Path) -> None:
    import time

    limit = time.time() - PENDING_TTL.total_seconds()
    for path in folder.glob("*.bin"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            pass


def keep_pending(data: bytes, filename: str) -> Chosen:
    """Keep `data` (a file just uploaded with a form that is shown again) in pending storage,
    outside the request's transaction, so the user need not choose it again. Returns it with
    its signed token (good for PENDING_TTL, for this user only). Files older than PENDING_TTL
    are removed on the way."""
    folder = upload_dir(PENDING_DIR)
    _drop_stale(folder)
    file_id = secrets.token_hex(16)
    (folder / f"{file_id}.bin").write_bytes(data)
    name = clean_filename(filename, _("文件"))
    token = _signer().dumps({"f": file_id, "n": name, "o": _owner()})
    return Chosen(token, name, data)


def pending(token: str) -> Chosen | None:
    """The kept file of a token, or None (forged, another user's, expired or gone)."""
    from itsdangerous import BadSignature

    try:
        payload = _signer().loads(token, max_age=int(PENDING_TTL.total_seconds()))
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("o") != _owner():
        return None
    file_id = str(payload.get("f", ""))
    if not file_id.isalnum():
        return None
    path = upload_dir(PENDING_DIR) / f"{file_id}.bin"
    if not path.is_file():
        return None
    return Chosen(token, str(payload.get("n", "")), path.read_bytes())


def chosen_files(uploads, kept_tokens) -> list[Chosen]:
    """The files of a form as the user chose them: those kept from an earlier try whose token
    the form sent back (a kept file the user unticked is not sent, so it is gone), then the ones
    uploaded now (werkzeug FileStorage; empty inputs skipped), each kept at once in pending
    storage so a form shown again still has them. At most MAX_CHOSEN; each file read up to
    MAX_BYTES + 1 bytes (the service says when one is too big)."""
    out: list[Chosen] = []
    seen = set()
    for token in kept_tokens or []:
        if len(out) >= MAX_CHOSEN or token in seen:
            continue
        seen.add(token)
        chosen = pending(token)
        if chosen is not None:
            out.append(chosen)
    for upload in uploads or []:
        if len(out) >= MAX_CHOSEN:
            break
        if upload and upload.filename:
            out.append(keep_pending(upload.stream.read(MAX_BYTES + 1), upload.filename))
    return out


def discard_on_commit(chosen: list[Chosen]) -> None:
    """Remove these kept files once the request's transaction commits (their contents are
    stored with the record by then); if it does not commit they stay for the next try."""
    from gridapp.extensions import db

    paths = db.session.info.setdefault(_DISCARD, [])
    for c in chosen:
        payload = _signer().loads(c.token)
        paths.append(upload_dir(PENDING_DIR) / f"{payload['f']}.bin")


_DISCARD = "gridapp_pending_to_discard"


@event.listens_for(Session, "after_commit")
def _discard_kept(session) -> None:
    for path in session.info.pop(_DISCARD, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_kept(session, previous_transaction) -> None:
    # The outermost transaction rolled back (a refused form): the kept files stay kept.
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_DISCARD, None)


def existing(path: Path, message: str) -> Path:
    """`path` if its file is there; otherwise the request ends with 410 and `message` (Chinese,
    saying what to do: export again, ask the writer), never a 500: a file removed by hand, a
    backup restored without its files, a disk cleaned (issue 20, a missing export answered 500).
    The missing file is logged."""
    from gridapp.core.errors import abort_with

    if not path.is_file():
        current_app.logger.warning("stored file missing: %s", path)
        abort_with(410, message)
    return path


# ---- names of files sent back ----------------------------------------------------------------------


_SAME_SUFFIX = {".jpeg": ".jpg", ".htm": ".html"}


def _suffix_of(name: str, fallback: str) -> str:
    """`name` with the extension of `fallback` (which the server made from the file's checked
    type): a file named "计划.html" by its uploader that holds a Word document is saved as
    "计划.docx", never as a page the browser would run (a security review found it). A name
    whose own extension is the same type is kept as it is."""
    want = Path(fallback).suffix.lower()
    if not want:
        return name
    have = Path(name).suffix.lower()
    if have and _SAME_SUFFIX.get(have, have) == _SAME_SUFFIX.get(want, want):
        return name
    if have and have[1:].isalpha():
        return name[: -len(have)] + want
    return name + want


def content_disposition(name: str, fallback: str, *, inline: bool = False) -> str:
    """The Content-Disposition of a file sent to the browser under the name `name` (a name the
    user gave, or one made from a student and a date): RFC 6266 with RFC 5987's `filename*`
    for the UTF-8 name, and `filename` for old clients: `name` itself when it is plain ASCII,
    else `fallback` (ASCII, e.g. "attachment-3.pdf"). The name's extension is made that of
    `fallback` (`_suffix_of`): what the file is, not what its uploader called it.

    'attachment; filename="attachment-3.pdf"; filename*=UTF-8\\'\\'%E5%AE%B6%E9%95%BF.pdf'
    """
    from urllib.parse import quote

    name = _suffix_of(clean_filename(name, fallback), fallback)
    plain = name if name.isascii() and name.isprintable() else fallback
    plain = "".join(c for c in plain if c not in '"\\\\;' and 32 <= ord(c) < 127) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
