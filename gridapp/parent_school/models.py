"""The parent school (家长学校, seed 004 §8): a school's courses for parents, their materials, the
families signed in at each, and the school's yearly target (四次八课时)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations
from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from gridapp.extensions import db

# Seed 004 §8: 每学年家庭教育课程教学不少于“四次八课时”.
DEFAULT_TARGET_SESSIONS = 4
DEFAULT_TARGET_HOURS = 8


class CourseDelivery(LabelledEnum):
    IN_PERSON = ("in_person", N_("现场授课"))
    ONLINE = ("online", N_("线上授课"))


class CourseStatus(LabelledEnum):
    PUBLISHED = ("published", N_("已发布"))
    CANCELLED = ("cancelled", N_("已取消"))


class SignInMethod(LabelledEnum):
    STAFF = ("staff", N_("老师登记"))
    CODE = ("code", N_("家长签到码"))


def tenths(hours: Decimal) -> int:
    """Class hours (a Decimal such as 1.5) as the whole tenths stored."""
    return int((hours * 10).to_integral_value())


class ParentCourse(TimestampMixin, db.Model):
    """One session of a school's parent school: held on `held_on` from `starts_at` to `ends_at`
    (Asia/Shanghai wall-clock times), worth `hours_tenths / 10` class hours, for the whole
    school or the grades in `grades`, in person at `place` or online at `link`. Parents sign in
    with `code` (six characters, unique) in the window of `services.code_window`."""

    __tablename__ = "parent_courses"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("hours_tenths between 1 and 999", name="hours_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    speaker: Mapped[str] = mapped_column(String(50))
    held_on: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    # Class hours in tenths (2 class hours: 20): a decimal SQLite would hand back as a float.
    hours_tenths: Mapped[int] = mapped_column(Integer)
    whole_school: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery: Mapped[CourseDelivery] = enum_column(CourseDelivery, name="course_delivery")
    place: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    link: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))
    code: Mapped[str] = mapped_column(String(8), unique=True)
    status: Mapped[CourseStatus] = enum_column(
        CourseStatus, name="course_status", default=CourseStatus.PUBLISHED
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school = relationship("School")
    grades: Mapped[list[ParentCourseGrade]] = relationship(
        cascade="all, delete-orphan", back_populates="course"
    )
    materials: Mapped[list[CourseMaterial]] = relationship(
        back_populates="course", order_by="CourseMaterial.id"
    )

    @property
    def class_hours(self) -> Decimal:
        return Decimal(self.hours_tenths) / 10

    @property
    def hours_label(self) -> str:
        """ "2" for 2 class hours, "1.5" for one and a half."""
        return format_hours(self.hours_tenths)

    @property
    def cancelled(self) -> bool:
        return self.status is CourseStatus.CANCELLED


def format_hours(tenths_: int) -> str:
    """Tenths of a class hour as shown: 20 → "2", 15 → "1.5"."""
    whole, rest = divmod(int(tenths_), 10)
    return str(whole) if rest == 0 else f"{whole}.{rest}"


class ParentCourseGrade(db.Model):
    """A grade a course is for (none when it is for the whole school)."""

    __tablename__ = "parent_course_grades"
    course_id: Mapped[int] = mapped_column(ForeignKey("parent_courses.id"), primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"), primary_key=True, index=True)

    course: Mapped[ParentCourse] = relationship(back_populates="grades")


class CourseMaterial(db.Model):
    """A file handed out with a course (slides as PDF, a picture), stored under the instance
    folder (core.storage, subfolder `parent_school`) under a random name; `name` is the name
    its uploader gave it."""

    __tablename__ = "parent_course_materials"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("parent_courses.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))  # pdf, jpeg, png
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    course: Mapped[ParentCourse] = relationship(back_populates="materials")


class CourseSignIn(db.Model):
    """A family present at a course: once per (course, family), held by the database (two
    guardians of one family signing in at once, or a teacher ticking while the parent types the
    code, store one row)."""

    __tablename__ = "parent_course_sign_ins"
    __table_args__ = (UniqueConstraint("course_id", "family_id", name="uq_sign_in_once"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("parent_courses.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    # The course's school, kept on the row so the figures group without a join.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    method: Mapped[SignInMethod] = enum_column(SignInMethod, name="sign_in_method")
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ParentSchoolSetting(TimestampMixin, db.Model):
    """A school's yearly target per family (default 四次八课时, seed 004 §8)."""

    __tablename__ = "parent_school_settings"
    __table_args__ = (
        CheckConstraint("target_sessions between 0 and 100", name="sessions_in_range"),
        CheckConstraint("target_hours between 0 and 200", name="hours_in_range"),
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)
    target_sessions: Mapped[int] = mapped_column(default=DEFAULT_TARGET_SESSIONS)
    target_hours: Mapped[int] = mapped_column(default=DEFAULT_TARGET_HOURS)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# Dashboards read the sign-ins (and the courses they count by, and the target).
generations.watch(CourseSignIn, generations.column("school_id"))
generations.watch(ParentCourse, generations.column("school_id"))
generations.watch(ParentSchoolSetting, generations.column("school_id"))
