"""Contacts with families (家访 and every other form), their history, photos, evaluations, and
the per-school quota settings the rules are measured against."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.core import generations
from gridapp.core.i18n import N_
from gridapp.core.models import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from gridapp.extensions import db


class ContactForm(LabelledEnum):
    """The six forms of contact of seed 004 (全员家访)."""

    HOME_VISIT = ("home_visit", N_("上门家访"))
    PHONE = ("phone", N_("电话家访"))
    GROUP = ("group", N_("团体家访"))
    ONLINE = ("online", N_("线上交流"))
    SCHOOL_MEETING = ("school_meeting", N_("到校座谈"))
    PARENT_CHILD_MEETING = ("parent_child_meeting", N_("亲子家长会"))


REMOTE_FORMS = (ContactForm.PHONE, ContactForm.ONLINE)
# Forms of contact where one record may list several families (a group visit, a parents'
# meeting, a meeting at school): it counts for each family present.
GROUP_FORMS = (ContactForm.GROUP, ContactForm.PARENT_CHILD_MEETING, ContactForm.SCHOOL_MEETING)


class ContactStatus(LabelledEnum):
    SUBMITTED = ("submitted", N_("待审核"))
    REVIEWED = ("reviewed", N_("已审核"))
    RETURNED = ("returned", N_("已退回"))
    WITHDRAWN = ("withdrawn", N_("已撤回"))


# The fields of the visit record (家访情况记录表, DOMAIN.md) in the order the form shows them.
RECORD_FIELDS = (
    "family_situation",
    "habits_at_home",
    "growth_environment",
    "said_about_school",
    "guidance_given",
    "parents_opinions",
    "follow_up",
)
# What a parent sees of a contact: never the teacher's notes on the family.
PARENT_FIELDS = ("said_about_school", "guidance_given", "follow_up")
# The notes on the family kept private (seed 002 §7 保护家庭隐私: illness, income, marriage…):
# shown only to those `contacts.permissions.notes_visible` names; every other teacher of the
# family sees what the parent sees.
PRIVATE_FIELDS = tuple(name for name in RECORD_FIELDS if name not in PARENT_FIELDS)

# The integrity rules a teacher confirms before a door visit is recorded, in the seeds' own
# words: seed 001 坚持“五不准” (its five items, verbatim), and seed 000 五(三) 严格执行“八项规定”
# for meals and gifts (seed 003 五要严肃纪律 says the same). The one definition: the record
# form's checkbox, the record's page and the pledge's message all read it (`pledge_rules`).
INTEGRITY_PLEDGE = (
    N_("不准要求家长安排车辆接送"),
    N_("不准借家访名义向家长提任何私人要求"),
    N_("不准收受家长馈赠的钱、物"),
    N_("不准参与家长组织的娱乐消费活动"),
    N_("不准利用知悉或者掌握的招考等教育信息向家长索取利益或以家访名义进行有偿家教"),
    N_("不接收家长的宴请和礼品"),
)


class Contact(TimestampMixin, db.Model):
    """One contact with one family, or with several at a group visit or a parents' meeting
    (`family_links`); it counts for each family present, each sibling and each teacher
    present. `family_id` is the family the record was made from (always among the links)."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_family_on", "family_id", "contact_on"),
        CheckConstraint("version >= 1", name="version_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    contact_on: Mapped[date]
    form: Mapped[ContactForm] = enum_column(ContactForm, name="contact_form")
    place: Mapped[str] = mapped_column(String(200), default="")
    members_met: Mapped[str] = mapped_column(String(200), default="")
    # A joint visit (联合家访, seed 002 §5): the people from outside the school who came along
    # (社区, 妇联, 关工委…), in the recorder's words.
    joint_visitors: Mapped[str] = mapped_column(String(200), default="", server_default=text("''"))
    family_situation: Mapped[str] = mapped_column(Text, default="")
    habits_at_home: Mapped[str] = mapped_column(Text, default="")
    growth_environment: Mapped[str] = mapped_column(Text, default="")
    said_about_school: Mapped[str] = mapped_column(Text, default="")
    guidance_given: Mapped[str] = mapped_column(Text, default="")
    parents_opinions: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    pledge_confirmed: Mapped[bool] = mapped_column(default=False)  # INTEGRITY_PLEDGE
    # A door visit found the Ministry's drowning-prevention letter to parents (防溺水“六不准”致家长
    # 一封信) delivered to the family (seed 000 三.4); only door visits record it.
    drowning_letter_delivered: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[ContactStatus] = enum_column(
        ContactStatus, name="contact_status", default=ContactStatus.SUBMITTED
    )
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    # How many days after `contact_on` the record was first entered (its creation day in
    # Asia/Shanghai less the contact's date; 0 on the day; seed 004 §1 及时记录并归档).
    entered_days_late: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # The form's one-time token: sending the same form twice stores one contact.
    client_token: Mapped[str] = mapped_column(String(64), unique=True)

    school = relationship("School")
    family = relationship("Family")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    teacher_links: Mapped[list[ContactTeacher]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactTeacher.id"
    )
    student_links: Mapped[list[ContactStudent]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactStudent.id"
    )
    photos: Mapped[list[ContactPhoto]] = relationship(
        back_populates="contact", order_by="ContactPhoto.id"
    )
    revisions: Mapped[list[ContactRevision]] = relationship(
        back_populates="contact", order_by="ContactRevision.version.desc()"
    )
    evaluations: Mapped[list[ContactEvaluation]] = relationship(
        back_populates="contact", order_by="ContactEvaluation.id"
    )
    family_links: Mapped[list[ContactFamily]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactFamily.id"
    )

    @property
    def teacher_ids(self) -> list[int]:
        return [link.teacher_id for link in self.teacher_links]

    @property
    def family_ids(self) -> list[int]:
        """Every family present (the record's own first)."""
        ids = [link.family_id for link in self.family_links]
        return ids if self.family_id in ids else [self.family_id, *ids]

    @property
    def is_home_visit(self) -> bool:
        return self.form is ContactForm.HOME_VISIT


class ContactTeacher(db.Model):
    """A teacher present at the contact: it counts for them with each family they teach."""

    __tablename__ = "contact_teachers"
    __table_args__ = (
        UniqueConstraint("contact_id", "teacher_id"),
        Index("ix_contact_teachers_teacher", "teacher_id", "contact_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    contact: Mapped[Contact] = relationship(back_populates="teacher_links")
    teacher = relationship("User")


class ContactFamily(db.Model):
    """A family present at the contact: every quota rule and figure counts the contact for it."""

    __tablename__ = "contact_families"
    __table_args__ = (
        UniqueConstraint("contact_id", "family_id"),
        Index("ix_contact_families_family", "family_id", "contact_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))

    contact: Mapped[Contact] = relationship(back_populates="family_links")


class ContactStudent(db.Model):
    """The students the contact was about (the archive's timeline); counting goes by family."""

    __tablename__ = "contact_students"
    __table_args__ = (UniqueConstraint("contact_id", "student_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)

    contact: Mapped[Contact] = relationship(back_populates="student_links")
    student = relationship("Student")


class ContactRevision(db.Model):
    """The record as it was before an edit, a review or a withdrawal: history is never lost."""

    __tablename__ = "contact_revisions"
    __table_args__ = (UniqueConstraint("contact_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # edit, review, return, withdraw
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    snapshot: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")

    contact: Mapped[Contact] = relationship(back_populates="revisions")
    changed_by = relationship("User")


class ContactPhoto(db.Model):
    """A photo stored outside static/ (re-encoded without metadata), served through permissions."""

    __tablename__ = "contact_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    # The photo's name as the teacher's phone gave it (core.storage.clean_filename), or "".
    name: Mapped[str] = mapped_column(String(120), default="", server_default=text("''"))
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="photos")


class ContactEvaluation(TimestampMixin, db.Model):
    """A guardian's evaluation of a contact (家访评价、感受及建议, seed 000), with their rating of
    the teachers' conduct and ethics (师德师风, seed 000 三.5: 听取师德师风方面的意见)."""

    __tablename__ = "contact_evaluations"
    __table_args__ = (
        UniqueConstraint("contact_id", "guardian_user_id"),
        CheckConstraint("rating between 1 and 5", name="rating_1_to_5"),
        CheckConstraint("conduct_rating between 1 and 5", name="conduct_rating_1_to_5"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    guardian_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    rating: Mapped[int]
    feelings: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    # 师德师风: 1 to 5, or None when the guardian left it out (and for evaluations made before
    # it was asked); their opinion on it in words.
    conduct_rating: Mapped[int | None]
    conduct_opinion: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

    contact: Mapped[Contact] = relationship(back_populates="evaluations")
    guardian_user = relationship("User")

    @property
    def flagged(self) -> bool:
        return self.rating <= LOW_RATING or (
            self.conduct_rating is not None and self.conduct_rating <= LOW_RATING
        )

    @property
    def conduct_flagged(self) -> bool:
        return self.conduct_rating is not None and self.conduct_rating <= LOW_RATING

    @classmethod
    def low(cls):
        """The condition of an evaluation flagged to the school's leaders: the visit or the
        teachers' conduct rated LOW_RATING or lower."""
        return (cls.rating <= LOW_RATING) | (cls.conduct_rating <= LOW_RATING)


LOW_RATING = 2  # ratings at or below are flagged to the principal


class QuotaRule(LabelledEnum):
    """The rules of DOMAIN.md; their numbers are per school (QuotaSetting), defaults below."""

    TEACHER_FAMILY = ("teacher_family", N_("任课教师每学期联系所教学生家庭"))
    HEAD_TEACHER_REMOTE = ("head_teacher_remote", N_("班主任每学期电话或网络联系每个家庭"))
    FOCUS_HOME_VISIT = ("focus_home_visit", N_("重点对象每学期上门家访"))
    HOME_VISIT_TWO_YEARS = ("home_visit_two_years", N_("每名学生两学年内上门家访"))
    FIRST_YEAR_HOME_VISIT = ("first_year_home_visit", N_("起始年级第一学期前半段上门家访"))
    STAGE_HOME_VISITS_PRIMARY = ("stage_primary", N_("小学阶段上门家访次数"))
    STAGE_HOME_VISITS_JUNIOR = ("stage_junior", N_("初中阶段上门家访次数"))
    STAGE_HOME_VISITS_SENIOR = ("stage_senior", N_("高中阶段上门家访次数"))


DEFAULT_QUOTAS = {
    QuotaRule.TEACHER_FAMILY: 2,
    QuotaRule.HEAD_TEACHER_REMOTE: 1,
    QuotaRule.FOCUS_HOME_VISIT: 1,
    QuotaRule.HOME_VISIT_TWO_YEARS: 1,
    QuotaRule.FIRST_YEAR_HOME_VISIT: 1,
    QuotaRule.STAGE_HOME_VISITS_PRIMARY: 3,
    QuotaRule.STAGE_HOME_VISITS_JUNIOR: 2,
    QuotaRule.STAGE_HOME_VISITS_SENIOR: 2,
}


class QuotaSetting(TimestampMixin, db.Model):
    """A school's number for a rule, from a semester on; earlier semesters keep their numbers."""

    __tablename__ = "quota_settings"
    __table_args__ = (
        UniqueConstraint("school_id", "rule", "from_on"),
        CheckConstraint("value between 0 and 20", name="value_0_to_20"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    rule: Mapped[QuotaRule] = enum_column(QuotaRule, name="quota_rule")
    value: Mapped[int]
    from_on: Mapped[date]  # the start of the semester from which the number applies
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FiguresCount(LabelledEnum):
    """Which records a school's figures count (seed 002 §6: visits that count must be real)."""

    ALL_BUT_RETURNED = ("all_but_returned", N_("除被退回的记录外都计入"))
    REVIEWED_ONLY = ("reviewed_only", N_("只计入已审核的记录"))


DEFAULT_LATE_ENTRY_DAYS = 7  # a record entered more than this many days after the contact is late


class CountingSetting(TimestampMixin, db.Model):
    """A school's choice of what its figures count and when a record was entered late (one row
    per school; none: the defaults)."""

    __tablename__ = "counting_settings"
    __table_args__ = (
        CheckConstraint("late_entry_days between 1 and 60", name="late_entry_days_1_to_60"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), unique=True)
    figures_count: Mapped[FiguresCount] = enum_column(
        FiguresCount, name="figures_count", default=FiguresCount.ALL_BUT_RETURNED
    )
    late_entry_days: Mapped[int] = mapped_column(default=DEFAULT_LATE_ENTRY_DAYS)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FollowUp(TimestampMixin, db.Model):
    """A follow-up visit (回访) a record plans: its form and due date; met once a later record of
    the family is linked to it (seed 001 八必访 跟踪回访, seed 000 七(四))."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_open", "school_id", "met_by_id", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the author
    form: Mapped[ContactForm] = enum_column(ContactForm, name="contact_form")
    due_on: Mapped[date]
    met_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)

    contact: Mapped[Contact] = relationship(
        foreign_keys=[contact_id], back_populates="follow_up_plan"
    )
    met_by: Mapped[Contact | None] = relationship(foreign_keys=[met_by_id])


Contact.follow_up_plan = relationship(
    FollowUp, foreign_keys=[FollowUp.contact_id], uselist=False, back_populates="contact"
)


# What the school figures are computed from (core.generations: kept figures stay exact).
generations.watch(Contact, generations.column("school_id"))
for _link in (ContactTeacher, ContactFamily, ContactStudent):
    generations.watch(_link, generations.via(Contact, "contact_id"))
generations.watch(ContactEvaluation, generations.column("school_id"))
generations.watch(QuotaSetting, generations.column("school_id"))
generations.watch(CountingSetting, generations.column("school_id"))
generations.watch(FollowUp, generations.column("school_id"))
