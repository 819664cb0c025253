"""Each teacher's yearly obligations (六个一, seed 003 五(二)): the six items, and the documents a
teacher uploads for those GridApp does not record itself, with a school leader's review.

Seed 003 五(二): 每名教师制定一份家访帮扶方案、备一本家访手册、写一篇家访随笔、开一次家长座谈会、
结一个帮扶对子、做一件帮扶实事. Seed 003 七.3 asks schools to keep these papers (留存家访帮扶方案、
教师家访手册、家访随笔…), which the uploaded documents are. What meets each item is in
`obligations/services.py` (`RULES`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations
from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from gridapp.extensions import db


class ObligationItem(LabelledEnum):
    """The six items of seed 003's 六个一, in the seed's order and words."""

    PLAN = ("plan", N_("家访帮扶方案"))
    HANDBOOK = ("handbook", N_("家访手册"))
    ESSAY = ("essay", N_("家访随笔"))
    MEETING = ("meeting", N_("家长座谈会"))
    PAIRING = ("pairing", N_("帮扶对子"))
    HELP = ("help", N_("帮扶实事"))


# What the seed asks of each teacher for each item (seed 003 五(二), verbatim).
DUTIES = {
    ObligationItem.PLAN: N_("制定一份家访帮扶方案"),
    ObligationItem.HANDBOOK: N_("备一本家访手册"),
    ObligationItem.ESSAY: N_("写一篇家访随笔"),
    ObligationItem.MEETING: N_("开一次家长座谈会"),
    ObligationItem.PAIRING: N_("结一个帮扶对子"),
    ObligationItem.HELP: N_("做一件帮扶实事"),
}

# The items a document may be uploaded for: the papers seed 003 七.3 asks teachers to keep, and a
# concrete help done outside a pairing (a teacher who is not paired still helps a family).
# A parents' meeting and a pairing are records of GridApp only (a contact, a pairing).
DOCUMENT_ITEMS = (
    ObligationItem.PLAN,
    ObligationItem.HANDBOOK,
    ObligationItem.ESSAY,
    ObligationItem.HELP,
)


class DocumentStatus(LabelledEnum):
    SUBMITTED = ("submitted", N_("待审核"))
    ACCEPTED = ("accepted", N_("已认可"))
    RETURNED = ("returned", N_("已退回"))


class ObligationDocument(TimestampMixin, db.Model):
    """A document a teacher uploaded for one item of one school year at one school (a PDF, a
    JPEG or PNG photo of a paper, or a Word .docx), and its review: a school leader accepts it
    (it meets the item) or returns it with a reason (the teacher uploads another). Never
    deleted: a returned document stays with its reason."""

    __tablename__ = "obligation_documents"
    __table_args__ = (
        Index("ix_obligation_documents_year", "school_year_id", "teacher_id"),
        CheckConstraint("size > 0", name="size_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item: Mapped[ObligationItem] = enum_column(ObligationItem, name="obligation_item")
    name: Mapped[str] = mapped_column(String(160))  # the file's own name (storage.clean_filename)
    path: Mapped[str] = mapped_column(String(80))  # stored name under uploads/obligations
    kind: Mapped[str] = mapped_column(String(8))  # pdf, jpg, png, docx
    size: Mapped[int]  # bytes as stored
    note: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    status: Mapped[DocumentStatus] = enum_column(
        DocumentStatus, name="obligation_document_status", default=DocumentStatus.SUBMITTED
    )
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school = relationship("School")
    school_year = relationship("SchoolYear")
    teacher = relationship("User", foreign_keys=[teacher_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


# An accepted document changes the school's figures (obligation_figures in the reports).
generations.watch(ObligationDocument, generations.column("school_id"))
