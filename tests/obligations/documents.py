"""Files and documents for the obligations tests: a small PDF, a .docx, and the world's
documents (a plan waiting for review by school A's head teacher; one of school B's teacher)."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

from gridapp.accounts.models import User
from gridapp.extensions import db
from gridapp.obligations import services
from gridapp.schools.models import SchoolYear


def pdf_bytes() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(with_document: bool = True, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            z.writestr("word/document.xml", "<w:document/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\0\1")
    return out.getvalue()


def year_of(school_id: int) -> SchoolYear:
    return db.session.scalars(db.select(SchoolYear).where(SchoolYear.school_id == school_id)).one()


def upload(teacher_id: int, school_id: int, item: str = "plan", name: str = "家访帮扶方案.pdf"):
    teacher = db.session.get(User, teacher_id)
    doc = services.upload_document(
        teacher, school_id, year_of(school_id).id, item,
        services.clean_document(pdf_bytes(), name), "",
    )  # fmt: skip
    return doc


def with_documents(world) -> SimpleNamespace:
    """The world's ids plus `document` (head_teacher's plan at school A, waiting for review)
    and `document_b` (other_school_teacher's essay at school B), committed."""
    doc = upload(world.head_teacher, world.school_a)
    doc_b = upload(world.other_school_teacher, world.school_b, "essay", "随笔.pdf")
    db.session.commit()
    return SimpleNamespace(
        **vars(world), document=doc.id, document_b=doc_b.id,
        year_a=year_of(world.school_a).id,
    )  # fmt: skip
