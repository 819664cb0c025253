"""File storage for uploads (contact photos, mailbox attachments): images verified by content and
re-encoded without metadata, every file kept under the instance folder (never in static/), and a
file written during a transaction removed again if that transaction does not commit."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
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


def upload_dir(subdir: str) -> Path:
    """The folder of one kind of upload (created on first use)."""
    path = Path(current_app.instance_path) / "uploads" / subdir
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean(raw: bytes, filename: str = "") -> Photo:
    """The photo re-encoded from its pixels only: no EXIF (location), no text chunks.

    Raises RuleViolation (field "photos") for anything that is not a real JPEG or PNG.
    """
    name = filename or _("照片")
    if len(raw) > MAX_BYTES:
        raise RuleViolation(_("“%(n)s”超过 5 MB，请压缩后再上传", n=name), field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                fmt = probe.format
                if fmt not in FORMATS or probe.width * probe.height > MAX_PIXELS:
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
    except (
        UnidentifiedImageError,
        ValueError,
        OSError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as e:
        raise RuleViolation(_("“%(n)s”不是有效的 JPEG 或 PNG 图片", n=name), field="photos") from e
    content_type, extension = FORMATS[fmt]
    return Photo(out.getvalue(), content_type, extension, width, height)


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
