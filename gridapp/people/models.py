"""Students, guardians, the links between them, and families (siblings sharing a guardian)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations
from gridapp.core import text as core_text
from gridapp.core.i18n import N_
from gridapp.core.models import (
    LabelledEnum,
    TimestampMixin,
    UTCDateTime,
    enum_column,
    keep_normal_form,
    name_key_column,
    utcnow,
)
from gridapp.extensions import db
from gridapp.schools.models import SchoolClass


class Gender(LabelledEnum):
    MALE = ("male", N_("男"))
    FEMALE = ("female", N_("女"))


class StudentStatus(LabelledEnum):
    ACTIVE = ("active", N_("在读"))
    GRADUATED = ("graduated", N_("已毕业"))
    TRANSFERRED = ("transferred", N_("已转学"))
    LEFT = ("left", N_("已离校"))


INACTIVE_STATUSES = (StudentStatus.TRANSFERRED, StudentStatus.LEFT, StudentStatus.GRADUATED)


class Relation(LabelledEnum):
    FATHER = ("father", N_("父亲"))
    MOTHER = ("mother", N_("母亲"))
    GRANDFATHER = ("grandfather", N_("祖父 / 外祖父"))
    GRANDMOTHER = ("grandmother", N_("祖母 / 外祖母"))
    OTHER = ("other", N_("其他监护人"))


class FocusCategory(LabelledEnum):
    """重点对象: the union of the seeds' lists (DOMAIN.md). Some are sensitive (Privacy)."""

    LEFT_BEHIND = ("left_behind", N_("留守儿童"))
    SINGLE_PARENT = ("single_parent", N_("单亲家庭"))
    MIGRANT = ("migrant", N_("进城务工随迁子女"))
    DISABILITY = ("disability", N_("残疾学生 / 随班就读"))
    HARDSHIP = ("hardship", N_("建档立卡 / 低收入 / 经济困难"))
    LEARNING = ("learning", N_("学习困难"))
    PSYCHOLOGICAL = ("psychological", N_("心理 / 身心发展困难"))
    BEHAVIOUR = ("behaviour", N_("行为偏常"))
    DROPOUT = ("dropout", N_("失学辍学"))
    MAJOR_CHANGE = ("major_change", N_("近期重大变故"))
    # Seed 000 lists "思想和学业重大变化" among the families to visit: a marked change in the
    # student's thinking or study (issue 21 item 5).
    THINKING_OR_STUDY_CHANGE = ("thinking_or_study_change", N_("思想和学业重大变化"))

    @property
    def sensitive(self) -> bool:
        return self in SENSITIVE_FOCUS


SENSITIVE_FOCUS = frozenset(
    {
        FocusCategory.SINGLE_PARENT,
        FocusCategory.DISABILITY,
        FocusCategory.HARDSHIP,
        FocusCategory.PSYCHOLOGICAL,
    }
)


class Family(TimestampMixin, db.Model):
    """The household of one or more siblings: the unit a contact (家访) is made with.

    Siblings who share a guardian are one family, also across schools of the district.
    """

    __tablename__ = "families"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)

    students: Mapped[list[Student]] = relationship(back_populates="family", order_by="Student.id")
    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", order_by="Guardian.id"
    )


class Student(TimestampMixin, db.Model):
    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("school_id", "student_number"),
        # The class page lists a class in student-number order: no sort, and LIMIT stops early.
        Index("ix_students_class_roster", "class_id", "student_number", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    student_number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50), index=True)
    name_key: Mapped[str] = name_key_column()  # pinyin order (core.text.name_sort_key)
    gender: Mapped[Gender] = enum_column(Gender, name="gender")
    birth_on: Mapped[date | None]
    address: Mapped[str] = mapped_column(String(200), default="")
    community: Mapped[str] = mapped_column(String(100), default="", index=True)  # 居住小区
    enrolment_year: Mapped[int]
    status: Mapped[StudentStatus] = enum_column(
        StudentStatus, name="student_status", default=StudentStatus.ACTIVE
    )

    school = relationship("School")
    school_class = relationship("SchoolClass")
    family: Mapped[Family] = relationship(back_populates="students")
    guardian_links: Mapped[list[StudentGuardian]] = relationship(
        back_populates="student", order_by="StudentGuardian.is_primary.desc()"
    )

    @property
    def primary_guardian(self) -> Guardian | None:
        for link in self.guardian_links:
            if link.is_primary:
                return link.guardian
        return self.guardian_links[0].guardian if self.guardian_links else None


class Guardian(TimestampMixin, db.Model):
    __tablename__ = "guardians"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = name_key_column()  # pinyin order (core.text.name_sort_key)
    relation: Mapped[Relation] = enum_column(Relation, name="relation")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    other_phone: Mapped[str] = mapped_column(String(20), default="")
    workplace: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    family: Mapped[Family] = relationship(back_populates="guardians")
    user = relationship("User")
    student_links: Mapped[list[StudentGuardian]] = relationship(back_populates="guardian")


class StudentGuardian(db.Model):
    __tablename__ = "student_guardians"
    __table_args__ = (
        UniqueConstraint("student_id", "guardian_id"),
        # At most one primary contact per student, enforced by the database on both engines.
        Index(
            "ix_student_guardians_one_primary",
            "student_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardians.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)

    student: Mapped[Student] = relationship(back_populates="guardian_links")
    guardian: Mapped[Guardian] = relationship(back_populates="student_links")


class StudentFocus(TimestampMixin, db.Model):
    """A focus-student category a student holds from `since_on`; ended, never deleted."""

    __tablename__ = "student_focus"
    __table_args__ = (
        # One open entry per student and category, enforced by the database on both engines.
        Index(
            "ix_student_focus_one_open",
            "student_id",
            "category",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    category: Mapped[FocusCategory] = enum_column(FocusCategory, name="focus_category")
    since_on: Mapped[date]
    ended_on: Mapped[date | None]
    noted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Why the category was marked and why it was ended (from the student page; a grid log's mark
    # has its reason in the log entry). Private notes of the school: never in the audit payload.
    reason: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(String(200))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    student: Mapped[Student] = relationship()


class StudentSensitive(TimestampMixin, db.Model):
    """A student's sensitive data (DOMAIN.md, Privacy), kept apart from the rest: shown only to
    the head teacher, the principal and the school admin, masked until revealed, every view and
    change in the audit log."""

    __tablename__ = "student_sensitive"
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    health: Mapped[str] = mapped_column(Text, default="")  # illness, disability
    finances: Mapped[str] = mapped_column(Text, default="")  # income, poverty status
    parents_marriage: Mapped[str] = mapped_column(Text, default="")  # marriage, single parent
    psychology: Mapped[str] = mapped_column(Text, default="")  # psychological notes
    id_number: Mapped[str] = mapped_column(String(18), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    FIELDS = ("health", "finances", "parents_marriage", "psychology", "id_number")


class ClassPlacement(db.Model):
    """A student in a class from `from_on` (the first day in it) until `to_on` (the first day no
    longer in it; NULL while open): the class history that moves, departures and the rollover
    write and the quota figures read (people.placements; issue 15 item 6)."""

    __tablename__ = "class_placements"
    __table_args__ = (
        # One open placement per student, held by the database on both engines.
        Index(
            "ix_class_placements_one_open",
            "student_id",
            unique=True,
            sqlite_where=text("to_on IS NULL"),
            postgresql_where=text("to_on IS NULL"),
        ),
        Index("ix_class_placements_student_dates", "student_id", "from_on"),
        CheckConstraint("to_on IS NULL OR to_on >= from_on", name="dates_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    from_on: Mapped[date]
    to_on: Mapped[date | None]
    # The grade level the student was at here, when it differs from the class's grade now (a
    # class promoted by the school-year rollover); NULL: the class's grade.
    level: Mapped[int | None]

    student: Mapped[Student] = relationship()
    school_class = relationship("SchoolClass")


class StudentStatusChange(db.Model):
    """One change of a student's status (在读 → 已转学 / 已离校 / 已毕业, and back), kept for ever:
    the date it took effect, why, who recorded it. An undone change stays, marked `undone_at`
    (people.services.set_student_status / undo_status_change; issue 15 item 6)."""

    __tablename__ = "student_status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    from_status: Mapped[StudentStatus] = enum_column(StudentStatus, name="from_status")
    to_status: Mapped[StudentStatus] = enum_column(StudentStatus, name="to_status")
    on: Mapped[date]  # the first day in the new status
    reason: Mapped[str] = mapped_column(String(200), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The placement the change ended (to an inactive status) or began (back to 在读): what undo
    # restores exactly.
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("class_placements.id"))

    student: Mapped[Student] = relationship()
    changed_by = relationship("User", foreign_keys=[changed_by_id])


_name, _key = core_text.normalise_name, core_text.name_sort_key
keep_normal_form(Student.name, _name, "name_key", _key)
keep_normal_form(Guardian.name, _name, "name_key", _key)
keep_normal_form(Guardian.mobile, core_text.normalise_phone)
keep_normal_form(Guardian.other_phone, core_text.normalise_phone)


# What the school figures are computed from (core.generations: kept figures stay exact).
generations.watch(Student, generations.column("school_id"))
generations.watch(StudentFocus, generations.via(Student, "student_id"))
generations.watch(ClassPlacement, generations.via(SchoolClass, "class_id"))
