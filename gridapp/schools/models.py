"""District, schools, school years and semesters, grades, classes and teaching assignments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations, text
from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, enum_column
from gridapp.extensions import db


class Stage(LabelledEnum):
    """学段 of a class; a school may span several (nine-year, twelve-year)."""

    PRIMARY = ("primary", N_("小学"))
    JUNIOR = ("junior", N_("初中"))
    SENIOR = ("senior", N_("高中"))


class SchoolKind(LabelledEnum):
    PRIMARY = ("primary", N_("小学"))
    JUNIOR = ("junior", N_("初中"))
    SENIOR = ("senior", N_("高中"))
    NINE_YEAR = ("nine_year", N_("九年一贯制"))
    TWELVE_YEAR = ("twelve_year", N_("十二年一贯制"))


GRADE_LEVELS = {  # the grade levels each kind of school teaches
    SchoolKind.PRIMARY: range(1, 7),
    SchoolKind.JUNIOR: range(7, 10),
    SchoolKind.SENIOR: range(10, 13),
    SchoolKind.NINE_YEAR: range(1, 10),
    SchoolKind.TWELVE_YEAR: range(1, 13),
}

GRADE_NAMES = text.GRADE_NAMES  # 一年级 … 高三 by level


def stage_of_level(level: int) -> Stage:
    if level <= 6:
        return Stage.PRIMARY
    return Stage.JUNIOR if level <= 9 else Stage.SENIOR


class RegionLevel(LabelledEnum):
    """The levels of the region tree above the districts (seed 000: 省、市、县（区）、校、班)."""

    PROVINCE = ("province", N_("省"))
    CITY = ("city", N_("市"))


class Region(TimestampMixin, db.Model):
    """A province or a city (its education bureau supervises the districts below it). The tree
    is province → city → district: a `District` is the county level, held by its own table, and
    names its city (or its province, for a district directly under it) by `region_id`."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(
            "(level = 'province' AND parent_id IS NULL) OR (level = 'city')",
            name="province_is_a_root",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    level: Mapped[RegionLevel] = enum_column(RegionLevel, name="region_level")
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 行政区划代码

    parent: Mapped[Region | None] = relationship(remote_side=[id])


class District(TimestampMixin, db.Model):
    """A county or district (县、区) and its education bureau: the county level of the region
    tree, below its `region` (None for a district not placed in a tree)."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    region: Mapped[Region | None] = relationship()

    schools: Mapped[list[School]] = relationship(back_populates="district", order_by="School.id")


class BreakCountsFor(LabelledEnum):
    """Which semester a contact made between two semesters (a holiday) counts for."""

    NEXT = ("next", N_("下一学期"))
    PREVIOUS = ("previous", N_("上一学期"))


class School(TimestampMixin, db.Model):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[SchoolKind] = enum_column(SchoolKind, name="school_kind")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # The principal's hotline (校长热线) the school publishes with its staffed hours (seed 004
    # §13, §15 公布学校联系电话，并公布值守时间): shown on the mailbox and reception pages
    # when set ("": not published). Digit groups joined by hyphens (text.normalise_phone_line).
    hotline_phone: Mapped[str] = mapped_column(
        String(40), default="", server_default=sql_text("''")
    )
    hotline_hours: Mapped[str] = mapped_column(
        String(100), default="", server_default=sql_text("''")
    )
    # Contacts in a holiday count for the next semester unless the school chooses the previous.
    break_counts_for: Mapped[BreakCountsFor] = enum_column(
        BreakCountsFor, name="break_counts_for", default=BreakCountsFor.NEXT,
        server_default=BreakCountsFor.NEXT.value,
    )  # fmt: skip

    district: Mapped[District] = relationship(back_populates="schools")
    school_years: Mapped[list[SchoolYear]] = relationship(
        back_populates="school", order_by="SchoolYear.starts_on.desc()"
    )
    grades: Mapped[list[Grade]] = relationship(back_populates="school", order_by="Grade.level")

    @property
    def levels(self) -> range:
        return GRADE_LEVELS[self.kind]


class SchoolYear(TimestampMixin, db.Model):
    __tablename__ = "school_years"
    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint("starts_on < ends_on", name="dates_in_order"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # 2026—2027学年
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    school: Mapped[School] = relationship(back_populates="school_years")
    semesters: Mapped[list[Semester]] = relationship(
        back_populates="school_year", order_by="Semester.number"
    )


class Semester(TimestampMixin, db.Model):
    """学期. The current semester is the one whose dates hold today (see services.current_semester)."""

    __tablename__ = "semesters"
    __table_args__ = (
        UniqueConstraint("school_year_id", "number"),
        CheckConstraint("starts_on < ends_on", name="dates_in_order"),
        CheckConstraint("number in (1, 2)", name="number_1_or_2"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    number: Mapped[int]  # 1 = 第一学期 (autumn), 2 = 第二学期 (spring)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    school_year: Mapped[SchoolYear] = relationship(back_populates="semesters")

    @property
    def name(self) -> str:
        from gridapp.core.i18n import gettext

        part = gettext("第一学期") if self.number == 1 else gettext("第二学期")
        return f"{self.school_year.name}{part}"


class Grade(TimestampMixin, db.Model):
    __tablename__ = "grades"
    __table_args__ = (
        UniqueConstraint("school_id", "level"),
        CheckConstraint("level between 1 and 12", name="level_1_to_12"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    level: Mapped[int]
    name: Mapped[str] = mapped_column(String(20))

    school: Mapped[School] = relationship(back_populates="grades")
    classes: Mapped[list[SchoolClass]] = relationship(
        back_populates="grade", order_by="SchoolClass.number"
    )

    @property
    def stage(self) -> Stage:
        return stage_of_level(self.level)


class SchoolClass(TimestampMixin, db.Model):
    __tablename__ = "school_classes"
    __table_args__ = (
        # One open class per grade and number; a graduated class (closed by the school-year
        # rollover, roster.rollover) keeps its grade and number, read-only.
        Index(
            "ix_school_classes_one_open",
            "grade_id",
            "number",
            unique=True,
            sqlite_where=sql_text("closed_on IS NULL"),
            postgresql_where=sql_text("closed_on IS NULL"),
        ),
        CheckConstraint("number between 1 and 99", name="number_1_to_99"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))  # 三年级（2）班
    enrolment_year: Mapped[int]
    head_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    closed_on: Mapped[date | None]  # graduated: the first day the class no longer runs

    school: Mapped[School] = relationship()
    grade: Mapped[Grade] = relationship(back_populates="classes")
    head_teacher = relationship("User", foreign_keys=[head_teacher_id])
    assignments: Mapped[list[TeachingAssignment]] = relationship(
        back_populates="school_class", order_by="TeachingAssignment.subject"
    )

    @property
    def stage(self) -> Stage:
        return self.grade.stage


def class_name(level: int, number: int) -> str:
    return f"{GRADE_NAMES[level]}（{number}）班"


class TeachingAssignment(TimestampMixin, db.Model):
    """A teacher teaches a subject in a class (科任教师)."""

    __tablename__ = "teaching_assignments"
    __table_args__ = (UniqueConstraint("teacher_id", "class_id", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))

    teacher = relationship("User")
    school_class: Mapped[SchoolClass] = relationship(back_populates="assignments")


class StaffMember(TimestampMixin, db.Model):
    """A staff user's number (工号) at a school: how the staff import matches its rows (issue 15
    item 5). One number per user and school, one user per number and school."""

    __tablename__ = "staff_members"
    __table_args__ = (
        UniqueConstraint("school_id", "staff_number"),
        UniqueConstraint("school_id", "user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    staff_number: Mapped[str] = mapped_column(String(32))  # core.text.normalise_code

    user = relationship("User")


SUBJECTS = ["语文", "数学", "英语", "科学", "道德与法治", "体育", "音乐", "美术", "信息技术",
            "物理", "化学", "生物", "历史", "地理", "政治"]  # fmt: skip


class OfficialDay(TimestampMixin, db.Model):
    """A day of the State Council's yearly schedule, entered by the district admin for a year the
    holiday library does not know yet: a holiday (not a working day) or a make-up working day (调休)."""

    __tablename__ = "official_days"
    __table_args__ = (UniqueConstraint("district_id", "on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    on: Mapped[date]
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40), default="")


class SchoolClosure(TimestampMixin, db.Model):
    """A day the school is closed although it is a working day (not counted for deadlines)."""

    __tablename__ = "school_closures"
    __table_args__ = (UniqueConstraint("school_id", "on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(60), default="")


# What the school figures are computed from (core.generations: kept figures stay exact).
generations.watch(School, generations.column("id"))
for _model in (SchoolYear, Semester, Grade, SchoolClass, SchoolClosure):
    generations.watch(_model, generations.column("school_id"))
generations.watch(TeachingAssignment, generations.via(SchoolClass, "class_id"))
generations.watch(OfficialDay, generations.every_school)
