"""Recording, editing, withdrawing, reviewing and evaluating contacts; the schools' quota numbers.

Services flush, never commit: the request commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import follow_ups
from gridapp.contacts.models import (
    GROUP_FORMS,
    INTEGRITY_PLEDGE,
    RECORD_FIELDS,
    Contact,
    ContactEvaluation,
    ContactFamily,
    ContactForm,
    ContactPhoto,
    ContactRevision,
    ContactStatus,
    ContactStudent,
    ContactTeacher,
    CountingSetting,
    FiguresCount,
    QuotaRule,
    QuotaSetting,
)
from gridapp.contacts.permissions import visiting_school_ids
from gridapp.contacts.rules import BEFORE_TERM_DAYS, Period, semester_for
from gridapp.core import audit, storage, text
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import local, now
from gridapp.core.time import today as local_today
from gridapp.core.unique import one_row
from gridapp.extensions import db
from gridapp.people.models import Guardian, Student, StudentStatus
from gridapp.people.permissions import linked_student_ids
from gridapp.schools.models import (
    BreakCountsFor,
    School,
    SchoolClass,
    SchoolYear,
    Semester,
    TeachingAssignment,
)
from gridapp.schools.permissions import headed_class_ids, taught_class_ids

TEXT_LIMIT = 2000
JOINT_VISITORS_LIMIT = 200  # contacts.joint_visitors
MAX_PHOTOS = 5
MAX_FAMILIES = 60  # a parents' meeting of a whole class
PHOTO_DIR = "contacts"  # the storage folder of contact photos
BEFORE_TERM = timedelta(days=BEFORE_TERM_DAYS)


@dataclass
class ContactData:
    student_ids: list[int]
    contact_on: date
    form: ContactForm
    teacher_ids: list[int] = field(default_factory=list)  # besides the one recording
    place: str = ""
    members_met: str = ""
    joint_visitors: str = ""  # people from outside the school at a joint visit (联合家访)
    family_situation: str = ""
    habits_at_home: str = ""
    growth_environment: str = ""
    said_about_school: str = ""
    guidance_given: str = ""
    parents_opinions: str = ""
    follow_up: str = ""
    pledge_confirmed: bool = False
    # The drowning-prevention letter reached the family (door visits only, seed 000 三.4).
    drowning_letter_delivered: bool = False
    # A follow-up visit (回访) this record plans: its form and due date (both, or neither).
    follow_up_form: ContactForm | None = None
    follow_up_due_on: date | None = None
    # The open follow-up of the family this record meets (follow_ups.open_for_families).
    meets_follow_up_id: int | None = None


# What a door visit must say before it is sent (seed 000 六, seed 002 §6: no visit on paper
# only): the family's situation, what was discussed with the parents, the guidance given.
HOME_VISIT_SUBSTANCE = ("family_situation", "said_about_school", "guidance_given")


def pledge_rules() -> list[str]:
    """The integrity rules a door visit's author confirms (`models.INTEGRITY_PLEDGE`: seed 001
    五不准 verbatim, seed 000 五(三) 八项规定), translated, in order: the record form's checkbox
    and the record's page show this list and no other."""
    return [_(rule) for rule in INTEGRITY_PLEDGE]


def pledge_label() -> str:
    """The record form's pledge checkbox: the rules of `pledge_rules` in one sentence."""
    return _("我确认遵守家访纪律“五不准”和“八项规定”：%(rules)s", rules="；".join(pledge_rules()))


def family_members(family_id: int) -> list[Student]:
    """The family's active students (siblings), across the district's schools."""
    return list(
        db.session.scalars(
            select(Student)
            .where(Student.family_id == family_id, Student.status == StudentStatus.ACTIVE)
            .order_by(Student.birth_on, Student.id)
        )
    )


def family_teachers(family_id) -> list[User]:
    """Everyone who teaches or heads a class of one of the family's active students (a family
    id, or a list of them: the families present at a group visit)."""
    ids = list(family_id) if isinstance(family_id, list | tuple | set) else [family_id]
    classes = select(Student.class_id).where(
        Student.family_id.in_(ids), Student.status == StudentStatus.ACTIVE
    )
    ids = select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id.in_(classes))
    heads = select(SchoolClass.head_teacher_id).where(SchoolClass.id.in_(classes))
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.id.in_(ids.union(heads)))
            .order_by(User.name_key, User.id)
        )
    )


def school_leaders(school_id: int) -> list[User]:
    """The school's active leaders who visit families (principal, Party secretary:
    `contacts.permissions.visiting_school_ids`), by name: whom any record of the school may
    name present (seed 001 学校领导带头, 002 §1)."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.active, UserRole.role == Role.PRINCIPAL, UserRole.school_id == school_id)
            .distinct()
            .order_by(User.name_key, User.id)
        )
    )


def present_choices(family_ids, school_id: int) -> list[User]:
    """Whom a record with these families at this school may name present: the families'
    teachers (`family_teachers`) and the school's leaders (`school_leaders`), by name, once."""
    people = {u.id: u for u in family_teachers(list(family_ids))}
    for leader in school_leaders(school_id):
        people.setdefault(leader.id, leader)
    return sorted(people.values(), key=lambda u: (u.name_key, u.id))


def _validate(actor: User, data: ContactData, today: date, family_id: int | None = None):
    """The family the record is made from, the school, the teachers, the students and every
    family present of a contact, or RuleViolation naming the field. A door visit, a phone call
    or an online exchange is with one family; a group visit, a parents' meeting or a meeting at
    school (GROUP_FORMS) may list several, each with a child the teacher teaches (seed 004 §2:
    团体家访、亲子家长会). A school's leader records with any family of the school and is named
    present at any of its contacts (seed 000 五, 001 学校领导带头); a joint visit names the
    people from outside the school who came (`joint_visitors`, seed 002 §5)."""
    taught = taught_class_ids(actor)
    linked = linked_student_ids(actor)  # a paired teacher's students (follow-up visits, 回访)
    led = visiting_school_ids(actor)
    students = (
        list(db.session.scalars(select(Student).where(Student.id.in_(data.student_ids))))
        if data.student_ids
        else []
    )
    order = {sid: i for i, sid in enumerate(data.student_ids)}
    students.sort(key=lambda s: order.get(s.id, 0))
    mine = [
        s
        for s in students
        if (s.class_id in taught or s.id in linked or s.school_id in led)
        and s.status == StudentStatus.ACTIVE
    ]
    if not mine:
        raise RuleViolation(_("请选择您任教班级的学生"), field="students")
    family = family_id if family_id is not None else mine[0].family_id
    families = list(dict.fromkeys(s.family_id for s in students))
    if family not in families:
        raise RuleViolation(_("请选择您任教班级的学生"), field="students")
    if len(families) > 1:
        if data.form not in GROUP_FORMS:
            raise RuleViolation(
                _("上门家访、电话和线上联系一条记录只能对应一个家庭，请分别记录"),
                field="students",
            )
        if {s.family_id for s in mine} != set(families):
            raise RuleViolation(_("参加的家庭须有您任教班级的学生"), field="group_students")
        if len(families) > MAX_FAMILIES:
            raise RuleViolation(
                _("一条记录最多 %(n)d 个家庭", n=MAX_FAMILIES), field="group_students"
            )
    families.remove(family)
    families.insert(0, family)
    school_id = mine[0].school_id
    if data.contact_on > today:
        raise RuleViolation(_("联系日期不能晚于今天"), field="contact_on")
    # This school year (winter holiday included) or the summer before it (起始年级 visits before
    # term): late records are fine, rewriting past years' figures is not.
    year = db.session.execute(
        select(SchoolYear.starts_on, SchoolYear.ends_on)
        .where(
            SchoolYear.school_id == school_id,
            SchoolYear.starts_on <= today + BEFORE_TERM,
            SchoolYear.ends_on >= today,
        )
        .order_by(SchoolYear.starts_on.desc())
        .limit(1)
    ).first()
    if year is None:
        raise RuleViolation(_("学校还没有设置本学年的校历，暂时不能记录"), field="contact_on")
    if data.contact_on < year.starts_on - BEFORE_TERM:
        raise RuleViolation(
            _(
                "只能记录本学年（含开学前的暑假）的联系，最早 %(d)s",
                d=(year.starts_on - BEFORE_TERM).isoformat(),
            ),
            field="contact_on",
        )
    if data.form is ContactForm.HOME_VISIT:
        empty = [name for name in HOME_VISIT_SUBSTANCE if not (getattr(data, name) or "").strip()]
        if empty:
            raise RuleViolation(
                _("上门家访须写明家庭情况、与家长交流的内容和家庭教育指导，不能空着提交"),
                field=empty[0],
                more_fields=tuple(empty[1:]),
            )
    if data.form is ContactForm.HOME_VISIT and not data.pledge_confirmed:
        raise RuleViolation(_("上门家访须确认遵守“五不准”廉洁要求"), field="pledge_confirmed")
    if data.form is not ContactForm.HOME_VISIT and data.drowning_letter_delivered:
        # Seed 000 三.4 asks the door visit to see the letter delivered; said of a call it would
        # count for the class's figure unseen, and dropped quietly it would be lost.
        raise RuleViolation(
            _("防溺水致家长一封信的送达情况在上门家访时记录；其他联系方式请不要勾选"),
            field="drowning_letter_delivered",
        )
    follow_ups.check_plan(data.follow_up_form, data.follow_up_due_on, data.contact_on)
    allowed = {t.id for t in present_choices(families, school_id)}
    others = set(data.teacher_ids) - {actor.id}
    if others - allowed:
        raise RuleViolation(_("同行教师须是该家庭孩子的任课教师或本校领导"), field="teacher_ids")
    data.joint_visitors = " ".join((data.joint_visitors or "").split())
    if len(data.joint_visitors) > JOINT_VISITORS_LIMIT:
        raise RuleViolation(
            _("内容不能超过 %(n)d 字", n=JOINT_VISITORS_LIMIT), field="joint_visitors"
        )
    for name in RECORD_FIELDS + ("place", "members_met"):
        if len(getattr(data, name) or "") > TEXT_LIMIT:
            raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field=name)
    return family, school_id, [actor.id] + sorted(others), [s.id for s in students], families


def entered_days_late(entered_on: date, contact_on: date) -> int:
    """Days between a contact and the day its record was entered (both dates in Asia/Shanghai);
    0 for a record entered on the day (or dated ahead). Seed 004 §1: 及时记录并归档."""
    return max(0, (entered_on - contact_on).days)


def _apply(contact: Contact, data: ContactData) -> None:
    entered = local(contact.created_at).date() if contact.created_at else local_today()
    contact.entered_days_late = entered_days_late(entered, data.contact_on)
    contact.contact_on = data.contact_on
    contact.form = data.form
    contact.place = data.place or ""
    contact.members_met = data.members_met or ""
    contact.joint_visitors = data.joint_visitors or ""
    for name in RECORD_FIELDS:
        setattr(contact, name, getattr(data, name) or "")
    contact.pledge_confirmed = bool(data.pledge_confirmed)
    contact.drowning_letter_delivered = bool(
        data.drowning_letter_delivered and data.form is ContactForm.HOME_VISIT
    )


def record_contact(
    actor: User,
    data: ContactData,
    today: date,
    client_token: str,
    photo_files: list[tuple[str, bytes]] = (),
) -> tuple[Contact, bool]:
    """Store a contact once per form token. Returns (contact, created)."""
    if not text.is_form_token(client_token):
        raise RuleViolation(_("表单已失效，请刷新页面后重新填写"))
    existing = db.session.scalar(select(Contact).where(Contact.client_token == client_token))
    if existing is not None:
        if existing.recorded_by_id != actor.id:
            raise RuleViolation(_("表单已失效，请刷新页面后重新填写"))
        return existing, False
    family_id, school_id, teacher_ids, student_ids, families = _validate(actor, data, today)
    cleaned = _clean_photos(photo_files, already=0)
    contact = Contact(
        school_id=school_id,
        family_id=family_id,
        recorded_by_id=actor.id,
        client_token=client_token,
        status=ContactStatus.SUBMITTED,
    )
    _apply(contact, data)
    contact.teacher_links = [ContactTeacher(teacher_id=t) for t in teacher_ids]
    contact.student_links = [ContactStudent(student_id=s) for s in student_ids]
    contact.family_links = [ContactFamily(family_id=f) for f in families]
    db.session.add(contact)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other request stored it.
        db.session.expunge(contact) if contact in db.session else None
        existing = db.session.scalar(select(Contact).where(Contact.client_token == client_token))
        if existing is None:
            raise
        if existing.recorded_by_id != actor.id:
            raise RuleViolation(_("表单已失效，请刷新页面后重新填写")) from None
        return existing, False
    _store_photos(actor, contact, cleaned)
    follow_ups.plan(actor, contact, data.follow_up_form, data.follow_up_due_on)
    follow_ups.meet(contact, data.meets_follow_up_id)
    audit.record(actor, "contact.create", contact, school_id=school_id, form=data.form.value)
    return contact, True


def _clean_photos(files, already: int):
    files = [(name, raw) for name, raw in files if raw]
    if already + len(files) > MAX_PHOTOS:
        raise RuleViolation(_("每条记录最多 %(n)d 张照片", n=MAX_PHOTOS), field="photos")
    return [storage.clean(raw, name) for name, raw in files]


def _store_photos(actor: User, contact: Contact, cleaned) -> None:
    for photo in cleaned:
        db.session.add(
            ContactPhoto(
                contact=contact,
                stored_name=storage.store(photo, PHOTO_DIR),
                name=photo.name,
                content_type=photo.content_type,
                size=len(photo.data),
                width=photo.width,
                height=photo.height,
                uploaded_by_id=actor.id,
            )
        )
    db.session.flush()


def snapshot(contact: Contact) -> dict:
    data = {
        "contact_on": contact.contact_on.isoformat(),
        "form": contact.form.value,
        "place": contact.place,
        "members_met": contact.members_met,
        "joint_visitors": contact.joint_visitors,
        "pledge_confirmed": contact.pledge_confirmed,
        "drowning_letter_delivered": contact.drowning_letter_delivered,
        "status": contact.status.value,
        "review_comment": contact.review_comment,
        "teacher_ids": contact.teacher_ids,
        "student_ids": [link.student_id for link in contact.student_links],
    }
    for name in RECORD_FIELDS:
        data[name] = getattr(contact, name)
    return data


def _revise(actor: User, contact: Contact, action: str, note: str = "") -> None:
    db.session.add(
        ContactRevision(
            contact_id=contact.id,
            version=contact.version,
            action=action,
            changed_by_id=actor.id,
            snapshot=snapshot(contact),
            note=note,
        )
    )
    contact.version += 1


def update_contact(
    actor: User, contact: Contact, data: ContactData, today: date, photo_files=()
) -> Contact:
    """Edit by the teacher who recorded it; the previous version goes to the history. A returned
    record goes back for review."""
    if contact.status is ContactStatus.WITHDRAWN:
        raise IllegalTransition(_("已撤回的记录不能再修改"))
    _family, _school, teacher_ids, student_ids, families = _validate(
        actor, data, today, contact.family_id
    )
    cleaned = _clean_photos(photo_files, already=len(contact.photos))
    _revise(actor, contact, "edit")
    _apply(contact, data)
    _relink(contact.teacher_links, "teacher_id", teacher_ids, ContactTeacher)
    _relink(contact.student_links, "student_id", student_ids, ContactStudent)
    _relink(contact.family_links, "family_id", families, ContactFamily)
    if contact.status in (ContactStatus.RETURNED, ContactStatus.REVIEWED):
        contact.status = ContactStatus.SUBMITTED
    db.session.flush()
    _store_photos(actor, contact, cleaned)
    follow_ups.plan(actor, contact, data.follow_up_form, data.follow_up_due_on)
    follow_ups.meet(contact, data.meets_follow_up_id)
    audit.record(actor, "contact.edit", contact, school_id=contact.school_id)
    return contact


def _relink(links: list, key: str, wanted, model) -> None:
    """Links that left the list go, new ones come, those that stay keep their row (replacing
    the whole list would insert a pair before its old row is deleted: a unique violation)."""
    wanted = list(dict.fromkeys(wanted))
    for link in [link for link in links if getattr(link, key) not in wanted]:
        links.remove(link)
    present = {getattr(link, key) for link in links}
    links.extend(model(**{key: value}) for value in wanted if value not in present)
    db.session.flush()


def withdraw_contact(actor: User, contact: Contact, reason: str) -> None:
    if contact.status is ContactStatus.WITHDRAWN:
        raise IllegalTransition(_("这条记录已经撤回"))
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("请说明撤回的原因"), field="reason")
    _revise(actor, contact, "withdraw", reason[:TEXT_LIMIT])
    contact.status = ContactStatus.WITHDRAWN
    follow_ups.release(contact)
    audit.record(actor, "contact.withdraw", contact, school_id=contact.school_id)


def review_contact(actor: User, contact: Contact, approve: bool, comment: str) -> None:
    """审核: mark reviewed, or return to the teacher with a comment."""
    if contact.status is not ContactStatus.SUBMITTED:
        raise IllegalTransition(_("只有待审核的记录可以审核"))
    comment = (comment or "").strip()[:TEXT_LIMIT]
    if not approve and not comment:
        raise RuleViolation(_("退回时请写明需要修改的地方"), field="comment")
    _revise(actor, contact, "review" if approve else "return", comment)
    contact.status = ContactStatus.REVIEWED if approve else ContactStatus.RETURNED
    contact.review_comment = comment
    contact.reviewed_by_id = actor.id
    contact.reviewed_at = now()
    audit.record(
        actor,
        "contact.review" if approve else "contact.return",
        contact,
        school_id=contact.school_id,
    )


def guardian_of_family(user: User, family_id: int) -> bool:
    return (
        db.session.scalar(
            select(Guardian.id).where(Guardian.user_id == user.id, Guardian.family_id == family_id)
        )
        is not None
    )


def evaluate_contact(
    user: User,
    contact: Contact,
    rating: int,
    feelings: str,
    suggestions: str,
    conduct_rating: int | None = None,
    conduct_opinion: str = "",
) -> ContactEvaluation:
    """A guardian rates a contact with their family (once; later changes replace it).

    `rating` 1–5 stars for the visit; `conduct_rating` 1–5 for the teachers' conduct and
    ethics (师德师风, seed 000 三.5), or None when left out; texts cut at TEXT_LIMIT. Raises
    IllegalTransition on a withdrawn record, RuleViolation on a rating outside 1–5. A rating
    of LOW_RATING or lower, of either kind, is flagged to the school's leaders
    (`ContactEvaluation.low`)."""  # fmt: skip
    if contact.status is ContactStatus.WITHDRAWN:
        raise IllegalTransition(_("这条记录已被撤回，无法评价"))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise RuleViolation(_("请选择 1 到 5 星"), field="rating")
    if conduct_rating is not None and (
        not isinstance(conduct_rating, int) or not 1 <= conduct_rating <= 5
    ):
        raise RuleViolation(_("师德师风请选择 1 到 5 星，或不评"), field="conduct_rating")
    # One evaluation per guardian, also when sent twice at once (the unique index decides).
    evaluation, _created = one_row(
        ContactEvaluation,
        {"contact_id": contact.id, "guardian_user_id": user.id},
        lambda: ContactEvaluation(
            contact_id=contact.id, guardian_user_id=user.id, school_id=contact.school_id,
            rating=rating,
        ),
    )  # fmt: skip
    evaluation.rating = rating
    evaluation.feelings = (feelings or "").strip()[:TEXT_LIMIT]
    evaluation.suggestions = (suggestions or "").strip()[:TEXT_LIMIT]
    evaluation.conduct_rating = conduct_rating
    evaluation.conduct_opinion = (conduct_opinion or "").strip()[:TEXT_LIMIT]
    db.session.flush()
    audit.record(
        user, "contact.evaluate", contact, school_id=contact.school_id, rating=rating,
        conduct_rating=conduct_rating,
    )  # fmt: skip
    return evaluation


def set_quotas(
    actor: User, school_id: int, from_on: date, values: dict[QuotaRule, int],
    break_counts_for: BreakCountsFor | None = None,
) -> None:  # fmt: skip
    """The school's numbers from the semester starting `from_on` on; earlier ones stay. With
    `break_counts_for`, which semester the school's contacts in a holiday count for (next by
    default; it applies to every semester, as it says where a day belongs: contacts.rules
    .semester_windows)."""
    if break_counts_for is not None:
        school = db.session.get(School, school_id)
        school.break_counts_for = break_counts_for
    existing = {
        s.rule: s
        for s in db.session.scalars(
            select(QuotaSetting).where(
                QuotaSetting.school_id == school_id, QuotaSetting.from_on == from_on
            )
        )
    }
    for rule, value in values.items():
        if not 0 <= value <= 20:
            raise RuleViolation(_("请填写 0 到 20 之间的整数"), field=rule.value)
        row = existing.get(rule)
        if row is None:
            row, _created = one_row(
                QuotaSetting,
                {"school_id": school_id, "rule": rule, "from_on": from_on},
                lambda rule=rule, value=value: QuotaSetting(
                    school_id=school_id, rule=rule, value=value, from_on=from_on,
                    set_by_id=actor.id,
                ),
            )  # fmt: skip
        row.value, row.set_by_id = value, actor.id
    db.session.flush()
    audit.record(
        actor,
        "quota.update",
        None,
        school_id=school_id,
        from_on=from_on.isoformat(),
        **{r.value: v for r, v in values.items()},
        **({"break_counts_for": break_counts_for.value} if break_counts_for else {}),
    )


def set_counting(
    actor: User, school_id: int, figures_count: FiguresCount, late_entry_days: int
) -> None:
    """The school's choice of what its figures count (every record but returned ones, or
    reviewed ones only; seed 002 §6) and after how many days a record counts as entered late
    (1 to 60; seed 004 §1). Applies to every semester's figures. Raises RuleViolation on a
    number out of range."""
    if not isinstance(late_entry_days, int) or not 1 <= late_entry_days <= 60:
        raise RuleViolation(_("请填写 1 到 60 之间的整数"), field="late_entry_days")
    row, created = one_row(
        CountingSetting,
        {"school_id": school_id},
        lambda: CountingSetting(
            school_id=school_id, figures_count=figures_count, late_entry_days=late_entry_days,
            set_by_id=actor.id,
        ),
    )  # fmt: skip
    if created or (row.figures_count, row.late_entry_days) != (figures_count, late_entry_days):
        row.figures_count, row.late_entry_days = figures_count, late_entry_days
        row.set_by_id = actor.id
        audit.record(
            actor, "counting.update", None, school_id=school_id,
            figures_count=figures_count.value, late_entry_days=late_entry_days,
        )  # fmt: skip
    db.session.flush()


def can_review(user: User, contact: Contact) -> bool:
    """The principal of the school, or the head teacher of one of the family's classes there."""
    if contact.recorded_by_id == user.id or user.id in contact.teacher_ids:
        return False  # nobody reviews a visit they took part in
    if user.has_role(Role.PRINCIPAL, contact.school_id):
        return True
    headed = select(SchoolClass.id).where(
        SchoolClass.head_teacher_id == user.id, SchoolClass.school_id == contact.school_id
    )
    return (
        user.has_role(Role.TEACHER, contact.school_id)
        and db.session.scalar(
            select(Student.id)
            .where(Student.family_id.in_(contact.family_ids), Student.class_id.in_(headed))
            .limit(1)
        )
        is not None
    )


def flagged_count(school_id: int) -> int:
    """Parent evaluations at the school rating the visit or the teachers' conduct (师德师风) at
    or below LOW_RATING (`ContactEvaluation.low`; shown to the principal)."""
    return db.session.scalar(
        select(func.count(ContactEvaluation.id)).where(
            ContactEvaluation.school_id == school_id, ContactEvaluation.low()
        )
    )


def flagged_counts(school_ids) -> dict[int, int]:
    """`flagged_count` of each of the given schools in one grouped query: {school id: parent
    evaluations flagged low (`ContactEvaluation.low`)}; a school with none is left out."""
    ids = sorted(school_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(ContactEvaluation.school_id, func.count(ContactEvaluation.id))
            .where(ContactEvaluation.school_id.in_(ids), ContactEvaluation.low())
            .group_by(ContactEvaluation.school_id)
        ).all()
    )


def pickable_students_query(
    taught_class_ids, search: str = "", linked_ids=(), school_ids=()
) -> Select:
    """The students a teacher may record a contact with, for the student picker.

    Takes the ids of the classes the teacher teaches, a search text (inside the name or the
    student number; "" for all) and the ids of students linked to the teacher beyond those
    classes (a paired teacher's: `people.permissions.linked_student_ids`), and the schools whose
    every student the user may pick (a leader's: `contacts.permissions.visiting_school_ids`).
    Returns a Select of
    active ``Student`` rows with their class loaded, ordered by class then student number, ready
    for ``paginate``.
    """
    q = (
        select(Student)
        .where(
            or_(
                Student.class_id.in_(sorted(taught_class_ids)),
                Student.id.in_(sorted(linked_ids)),
                Student.school_id.in_(sorted(school_ids)),
            ),
            Student.status == StudentStatus.ACTIVE,
        )
        .options(joinedload(Student.school_class))
        .order_by(Student.class_id, Student.student_number)
    )
    found = text.search_condition(search, Student.name, Student.student_number)
    if found is not None:
        q = q.where(found)
    return q


def class_students(class_id: int, except_family_id: int) -> list[Student]:
    """The class's active students of other families than `except_family_id`, by student
    number: whom a group visit or a parents' meeting of the class may list."""
    return list(
        db.session.scalars(
            select(Student)
            .where(
                Student.class_id == class_id,
                Student.status == StudentStatus.ACTIVE,
                Student.family_id != except_family_id,
            )
            .order_by(Student.student_number, Student.id)
        )
    )


def anchor_student(
    family_id: int, taught_class_ids, linked_ids=(), school_ids=()
) -> Student | None:
    """The first (lowest id) student of a family in one of the given classes (or among the
    teacher's linked students, see `pickable_students_query`), or None.

    The record form of a contact starts from this student (one the editing teacher teaches).
    """
    return db.session.scalar(
        select(Student)
        .where(
            Student.family_id == family_id,
            or_(
                Student.class_id.in_(sorted(taught_class_ids)),
                Student.id.in_(sorted(linked_ids)),
                Student.school_id.in_(sorted(school_ids)),
            ),
        )
        .order_by(Student.id)
        .limit(1)
    )


def contact_students(contact: Contact) -> list[Student]:
    """The students a contact is about (``contact.student_links``), with their class loaded."""
    return list(
        db.session.scalars(
            select(Student)
            .where(Student.id.in_([s.student_id for s in contact.student_links]))
            .options(joinedload(Student.school_class))
        )
    )


def contact_students_in_families(contact: Contact, family_ids) -> list[Student]:
    """The students a contact is about who belong to the given families (a guardian's own)."""
    return list(
        db.session.scalars(
            select(Student).where(
                Student.id.in_([s.student_id for s in contact.student_links]),
                Student.family_id.in_(family_ids),
            )
        )
    )


def guardian_evaluation(contact_id: int, guardian_user_id: int) -> ContactEvaluation | None:
    """The evaluation a guardian (by user id) left on a contact, or None."""
    return db.session.scalar(
        select(ContactEvaluation).where(
            ContactEvaluation.contact_id == contact_id,
            ContactEvaluation.guardian_user_id == guardian_user_id,
        )
    )


def contact_evaluations(contact_id: int) -> list[ContactEvaluation]:
    """Every guardian evaluation of a contact, oldest first (the staff view of a record)."""
    return list(
        db.session.scalars(
            select(ContactEvaluation)
            .where(ContactEvaluation.contact_id == contact_id)
            .order_by(ContactEvaluation.id)
        )
    )


# ---- contact lists -----------------------------------------------------------------------------


def _list_options():
    return (
        joinedload(Contact.recorded_by),
        joinedload(Contact.family),
        selectinload(Contact.student_links),
    )


def _newest_first(q: Select) -> Select:
    return q.options(*_list_options()).order_by(Contact.contact_on.desc(), Contact.id.desc())


def student_names(contacts) -> dict[int, str]:
    """The students each contact is about, as "name（class）", in one query for the page.

    Takes contacts with ``student_links`` loaded; returns {contact id: names joined by "、"}.
    """
    ids = {link.student_id for c in contacts for link in c.student_links}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Student.id, Student.name, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Student.id.in_(ids))
    )
    names = {sid: f"{name}（{cname}）" for sid, name, cname in rows}
    return {
        c.id: "、".join(names.get(link.student_id, "") for link in c.student_links)
        for c in contacts
    }


def reviewable_query(user: User) -> Select:
    """Records waiting for this user's review, as a Select of ``Contact`` (unordered).

    Rule: submitted records not recorded by the user, at the school the user is principal of, or
    about a family with a child in a class the user heads (at a school where the user teaches).
    """
    conds = []
    led = user.school_ids_with(Role.PRINCIPAL)
    if led:
        conds.append(Contact.school_id.in_(sorted(led)))
    headed = headed_class_ids(user)
    if headed:
        families = select(Student.family_id).where(Student.class_id.in_(sorted(headed)))
        schools = user.school_ids_with(Role.TEACHER)
        present = select(ContactFamily.contact_id).where(ContactFamily.family_id.in_(families))
        conds.append(and_(Contact.id.in_(present), Contact.school_id.in_(sorted(schools))))
    q = select(Contact).where(
        Contact.status == ContactStatus.SUBMITTED, Contact.recorded_by_id != user.id
    )
    return q.where(or_(*conds)) if conds else q.where(False)


def review_count(user: User) -> int:
    """How many records wait for this user's review (see ``reviewable_query``)."""
    return db.session.scalar(select(func.count()).select_from(reviewable_query(user).subquery()))


def teacher_contacts_query(user: User, review: bool, status: str = "") -> Select:
    """A teacher's contact list, newest first, with the list's relations loaded.

    Takes the teacher, whether the review tab is shown (``reviewable_query``) or their own
    records (recorded by them or with them present), and a ``ContactStatus`` value filtering
    their own records ("" or an unknown value: every status; ignored on the review tab).
    Returns a Select of ``Contact`` ready for ``paginate``.
    """
    if review:
        q = reviewable_query(user)
    else:
        present = select(ContactTeacher.contact_id).where(ContactTeacher.teacher_id == user.id)
        q = select(Contact).where(or_(Contact.recorded_by_id == user.id, Contact.id.in_(present)))
        if status in {s.value for s in ContactStatus}:
            q = q.where(Contact.status == ContactStatus(status))
    return _newest_first(q)


def school_contacts_query(
    school_id: int, status: str = "", form: str = "", low: bool = False
) -> Select:
    """A school's contact list for its leaders, newest first, with the list's relations loaded.

    Takes the school id and filters: a ``ContactStatus`` value, a ``ContactForm`` value (""
    or unknown: all) and ``low`` (only records a guardian rated ``LOW_RATING`` or lower, the
    visit or the teachers' conduct: ``ContactEvaluation.low``).
    Returns a Select of ``Contact`` ready for ``paginate``.
    """
    q = select(Contact).where(Contact.school_id == school_id)
    if status in {s.value for s in ContactStatus}:
        q = q.where(Contact.status == ContactStatus(status))
    if form in {f.value for f in ContactForm}:
        q = q.where(Contact.form == ContactForm(form))
    if low:
        flagged = select(ContactEvaluation.contact_id).where(ContactEvaluation.low())
        q = q.where(Contact.id.in_(flagged))
    return _newest_first(q)


def lowest_evaluations(contact_ids) -> dict[int, tuple[int, int | None]]:
    """{contact id: (the lowest guardian rating of the visit, the lowest of the teachers'
    conduct 师德师风 or None when nobody rated it)} for the rated ones among ``contact_ids``:
    one grouped query."""
    if not contact_ids:
        return {}
    rows = db.session.execute(
        select(
            ContactEvaluation.contact_id,
            func.min(ContactEvaluation.rating),
            func.min(ContactEvaluation.conduct_rating),
        )
        .where(ContactEvaluation.contact_id.in_(contact_ids))
        .group_by(ContactEvaluation.contact_id)
    ).all()
    return {cid: (low, conduct) for cid, low, conduct in rows}


def parent_contacts_query(family_ids) -> Select:
    """A guardian's contact list: the families' records that are not withdrawn, newest first,
    with the teachers and the children each was about loaded. Returns a Select of ``Contact``
    ready for ``paginate``."""
    return (
        select(Contact)
        .where(
            Contact.id.in_(
                select(ContactFamily.contact_id).where(ContactFamily.family_id.in_(family_ids))
            ),
            Contact.status != ContactStatus.WITHDRAWN,
        )
        .options(
            selectinload(Contact.teacher_links).joinedload(ContactTeacher.teacher),
            selectinload(Contact.student_links).joinedload(ContactStudent.student),
        )
        .order_by(Contact.contact_on.desc(), Contact.id.desc())
    )


def unrated_contacts(guardian_user_id: int, family_ids, limit: int = 3) -> tuple[int, list]:
    """The contacts with a guardian's families that they have not rated yet (the home page's
    "waiting for your rating"): (how many, the newest `limit` of them with teachers and
    children loaded). Withdrawn records are not asked about."""
    rated = select(ContactEvaluation.contact_id).where(
        ContactEvaluation.guardian_user_id == guardian_user_id
    )
    unrated = Contact.id.not_in(rated)
    total = db.session.scalar(
        select(func.count(Contact.id)).where(
            Contact.id.in_(
                select(ContactFamily.contact_id).where(ContactFamily.family_id.in_(family_ids))
            ),
            Contact.status != ContactStatus.WITHDRAWN,
            unrated,
        )
    )
    newest = parent_contacts_query(family_ids).where(unrated).limit(limit)
    return total or 0, db.session.scalars(newest).all()


def guardian_ratings(guardian_user_id: int, contact_ids) -> dict[int, int]:
    """{contact id: rating} of the evaluations a guardian (by user id) left on these contacts."""
    return dict(
        db.session.execute(
            select(ContactEvaluation.contact_id, ContactEvaluation.rating).where(
                ContactEvaluation.guardian_user_id == guardian_user_id,
                ContactEvaluation.contact_id.in_(contact_ids),
            )
        ).all()
    )


def counts_for_semester(contact: Contact) -> Semester | None:
    """The semester the contact counts for (contacts.rules.semester_for: a holiday's contact
    counts for the next semester unless the school chose the previous), its school year
    loaded; None outside every semester."""
    semester_id = semester_for(contact.school_id, contact.contact_on)
    if semester_id is None:
        return None
    return db.session.scalar(
        select(Semester).where(Semester.id == semester_id).options(joinedload(Semester.school_year))
    )


def quota_start(school_id: int, period: Period | None, on: date) -> date | None:
    """From when new quota numbers apply, seen on day ``on``: the current semester's start; in a
    holiday, the next semester's start (or the last one's if none is set). None without a
    semester (``period`` is ``rules.period_for(school_id, on)``)."""
    if period is None:
        return None
    if on <= period.ends_on:
        return period.starts_on
    upcoming = db.session.scalar(
        select(Semester.starts_on)
        .where(Semester.school_id == school_id, Semester.starts_on > on)
        .order_by(Semester.starts_on)
        .limit(1)
    )
    return upcoming or period.starts_on
