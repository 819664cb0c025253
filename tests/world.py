"""A small standard world for permission and page tests: every role, in and out of scope."""

from __future__ import annotations

import io
from types import SimpleNamespace

from gridapp.accounts.models import Role
from gridapp.extensions import db
from gridapp.schools.models import SchoolKind

from . import factories as f


def tiny_jpeg(color=(200, 30, 30), size=(16, 12), exif: bytes | None = None) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, color).save(out, "JPEG", **kwargs)
    return out.getvalue()


def _photo(contact, user):
    from gridapp.contacts.models import ContactPhoto
    from gridapp.core import storage as photos

    cleaned = photos.clean(tiny_jpeg())
    photo = ContactPhoto(
        contact_id=contact.id,
        stored_name=photos.store(cleaned, "contacts"),
        content_type=cleaned.content_type,
        size=len(cleaned.data),
        width=cleaned.width,
        height=cleaned.height,
        uploaded_by_id=user.id,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def reception_day(host, school, days_ahead: int = 7, capacity: int = 2, guests: bool = True):
    """A reception day `days_ahead` days after today (the tests' frozen clock, tests/conftest.py),
    open for booking now, 14:00–16:00 in 20-minute slots."""
    from datetime import time, timedelta

    from gridapp.core.time import today
    from gridapp.reception import services as reception

    data = reception.DayData(
        starts=time(14, 0), ends=time(16, 0), room="家长接待室", slot_minutes=20,
        capacity=capacity, buffer_minutes=0, opens_days_before=30, closes_hours_before=2,
        host_ids=[host.id], allow_guests=guests,
    )  # fmt: skip
    day = reception.publish_day(
        host, school.id, today() + timedelta(days=days_ahead), data, today()
    )
    db.session.flush()
    return day


def home_visit(world, on, by: str = "head_teacher"):
    """A door visit to the family of the world's student (王小明) by `by` (a world user's key),
    on `on`; added to the session, not committed."""
    from gridapp.accounts.models import User
    from gridapp.contacts.models import ContactForm
    from gridapp.people.models import Student

    student = db.session.get(Student, world.student)
    teacher = db.session.get(User, getattr(world, by))
    return f.ContactFactory(
        recorded_by=teacher, school_id=world.school_a, family_id=student.family_id,
        teachers=[teacher], contact_on=on, form=ContactForm.HOME_VISIT,
    )  # fmt: skip


def survey_data(school, title="本学期家长满意度调查", days=14, questions=None):
    """A survey of `school` for its first semester, open from today for `days` days."""
    from datetime import timedelta

    from gridapp.core.time import today
    from gridapp.surveys.services import SurveyData

    year = school.school_years[0]
    return SurveyData(
        title=title, intro="", school_year_id=year.id, semester_id=year.semesters[0].id,
        opens_on=today(), closes_on=today() + timedelta(days=days),
        questions=questions or ["家校沟通是否及时", "老师家访的情况", "总体满意程度"],
    )  # fmt: skip


def _surveys(w, a, b):
    """School A's open survey and a draft; school B's open survey (its admin's)."""
    from gridapp.core.time import now, today
    from gridapp.surveys import services as surveys

    survey = surveys.create_survey(w.principal, a, survey_data(a), today())
    surveys.publish(w.principal, survey, today(), now())
    draft = surveys.create_survey(w.principal, a, survey_data(a, "下学期问卷（草稿）"), today())
    survey_b = surveys.create_survey(w.other_school_admin, b, survey_data(b), today())
    surveys.publish(w.other_school_admin, survey_b, today(), now())
    return survey, draft, survey_b


def course_data(title="家庭教育中的有效沟通", on=None, starts=(10, 0), ends=(12, 0), **kw):
    """A parent-school course's data: by default today (the tests' frozen Monday) 10:00–12:00,
    2 class hours, the whole school, in the hall; its code is open at the frozen clock."""
    from datetime import time
    from decimal import Decimal

    from gridapp.core.time import today
    from gridapp.parent_school.services import CourseData

    values = dict(
        title=title, speaker="王丽华", held_on=on or today(), starts_at=time(*starts),
        ends_at=time(*ends), hours=Decimal("2"), whole_school=True, place="学校报告厅",
    )  # fmt: skip
    values.update(kw)
    return CourseData(**values)


def _parent_school(w, a, b):
    """School A's course today (its code open now) with one material; school B's course."""
    from gridapp.core.time import now
    from gridapp.parent_school import services as parent_school

    material = parent_school.clean_material(tiny_jpeg(), "讲义.jpg")
    course = parent_school.publish_course(w.principal, a, course_data(), [material], now())
    course_b = parent_school.publish_course(
        w.other_school_admin, b, course_data("初中家长课堂"), [], now()
    )
    return course, course.materials[0], course_b


def build_world() -> SimpleNamespace:
    # The region tree above (issue 18): both districts in one city of one province.
    from gridapp.schools.models import Region, RegionLevel

    province = Region(name="禾江省", code="W-P", level=RegionLevel.PROVINCE)
    city = Region(name="嘉禾市", code="W-C", level=RegionLevel.CITY, parent=province)
    db.session.add_all([province, city])
    db.session.flush()
    d = f.DistrictFactory(name="南湖区教育局", region_id=city.id)
    other_d = f.DistrictFactory(name="秀洲区教育局", region_id=city.id)
    a = f.SchoolFactory(district=d, name="南湖区实验小学", kind=SchoolKind.PRIMARY)
    b = f.SchoolFactory(district=d, name="南湖区第一初级中学", kind=SchoolKind.JUNIOR)
    c = f.SchoolFactory(district=other_d, name="秀洲区实验小学", kind=SchoolKind.PRIMARY)
    for school in (a, b, c):
        f.SemesterFactory(school_year=f.SchoolYearFactory(school=school))

    def user(username, grants, district=d, **kw):
        return f.UserFactory(username=username, district_id=district.id, grants=grants, **kw)

    w = SimpleNamespace()
    w.district_supervisor = user("district_supervisor", [(Role.DISTRICT_SUPERVISOR, None)])
    w.district_admin = user("district_admin", [(Role.DISTRICT_ADMIN, None)])
    w.other_district_supervisor = user(
        "other_district", [(Role.DISTRICT_SUPERVISOR, None)], district=other_d
    )
    w.school_admin = user("school_admin", [(Role.SCHOOL_ADMIN, a)])
    w.principal = user("principal", [(Role.PRINCIPAL, a), (Role.TEACHER, a)], title="校长")
    w.head_teacher = user("head_teacher", [(Role.TEACHER, a)])
    w.subject_teacher = user("subject_teacher", [(Role.TEACHER, a)], is_party_member=True)
    w.other_class_teacher = user("other_class_teacher", [(Role.TEACHER, a)])
    w.other_school_admin = user("other_school_admin", [(Role.SCHOOL_ADMIN, b)])
    w.other_school_teacher = user("other_school_teacher", [(Role.TEACHER, b)])
    w.parent = user("parent", [(Role.GUARDIAN, None)])
    w.other_parent = user("other_parent", [(Role.GUARDIAN, None)])

    grade3 = f.GradeFactory(school=a, level=3)
    w.class_a1 = f.SchoolClassFactory(grade=grade3, number=1, head_teacher=w.head_teacher)
    w.class_a2 = f.SchoolClassFactory(grade=grade3, number=2, head_teacher=w.other_class_teacher)
    w.class_b1 = f.SchoolClassFactory(
        grade=f.GradeFactory(school=b, level=7), number=1, head_teacher=w.other_school_teacher
    )
    w.class_c1 = f.SchoolClassFactory(grade=f.GradeFactory(school=c, level=3), number=1)
    f.TeachingAssignmentFactory(school_class=w.class_a1, teacher=w.head_teacher, subject="语文")
    w.assignment = f.TeachingAssignmentFactory(
        school_class=w.class_a1, teacher=w.subject_teacher, subject="数学"
    )
    f.TeachingAssignmentFactory(
        school_class=w.class_a2, teacher=w.other_class_teacher, subject="语文"
    )

    # The parent's two children: one in A1, an older sibling in the junior school B.
    w.student = f.StudentFactory(school_class=w.class_a1, name="王小明")
    w.sibling = f.StudentFactory(school_class=w.class_b1, family=w.student.family, name="王小红")
    w.guardian = f.GuardianFactory(
        family=w.student.family, name="李芳", user_id=w.parent.id, mobile="13812345678"
    )
    f.StudentGuardianFactory(student=w.student, guardian=w.guardian)
    f.StudentGuardianFactory(student=w.sibling, guardian=w.guardian)
    w.other_student = f.StudentFactory(school_class=w.class_a1, name="张伟")
    w.other_guardian = f.GuardianFactory(family=w.other_student.family, user_id=w.other_parent.id)
    f.StudentGuardianFactory(student=w.other_student, guardian=w.other_guardian)
    w.student_a2 = f.StudentFactory(school_class=w.class_a2, name="陈静")
    w.student_c1 = f.StudentFactory(school_class=w.class_c1, name="刘洋")
    w.school_a, w.school_b, w.school_c = a, b, c
    w.province, w.city, w.district, w.other_district = province, city, d, other_d
    # A phone call by the head teacher with the subject teacher, about the family of A1 and B1.
    w.contact = f.ContactFactory(
        recorded_by=w.head_teacher,
        school_id=a.id,
        family_id=w.student.family_id,
        teachers=[w.head_teacher, w.subject_teacher],
        students=[w.student],
    )
    w.photo = _photo(w.contact, w.head_teacher)
    # A1's families in one grid kept by the subject teacher.
    w.grid = f.GridFactory(school_class=w.class_a1, grid_teacher=w.subject_teacher)
    for s in (w.student, w.other_student):
        f.GridMemberFactory(grid=w.grid, family_id=s.family_id)
    db.session.flush()
    from gridapp.cases.models import CaseCategory
    from gridapp.cases.services import relay_from_grid

    w.case = relay_from_grid(
        w.subject_teacher, w.grid, w.student.family_id, CaseCategory.CANTEEN,
        "孩子说午饭不够吃。", True,
    )  # fmt: skip
    from datetime import date

    from gridapp.grids.services import ActivityData, create_activity

    w.activity = create_activity(
        w.subject_teacher, w.class_a1,
        ActivityData("如何陪伴孩子写作业", date(2026, 11, 20), "三楼会议室", "王老师", w.grid.id),
        date(2026, 11, 23),
    )  # fmt: skip
    w.reception_day = reception_day(w.principal, a)
    w.slot = w.reception_day.slots[0].id
    from gridapp.core.time import now
    from gridapp.reception import services as reception

    w.booking, _code = reception.book(
        w.reception_day.slots[1],
        reception.Request(topic="孩子的午餐", description="", token="", student_id=w.student.id),
        w.parent, now(),
    )  # fmt: skip
    from gridapp.dossiers import exports

    w.dossier_job = exports.start(
        w.head_teacher, a.id, w.class_a1.id, [w.student.id], ["profile"], False, False
    )
    from gridapp.people.letters import LetterJob

    w.letters_job = LetterJob(
        requester_id=w.head_teacher.id, school_id=a.id, class_id=w.class_a1.id, codes=[],
        status="done", expires_at=now(),
    )  # fmt: skip
    db.session.add(w.letters_job)
    w.semester_a = a.school_years[0].semesters[0] if a.school_years else None
    from gridapp.contacts.models import ContactForm
    from gridapp.schedules.models import ScheduleItem

    # The head teacher's door visit to 王小明's family in week 14 of school A's schedule.
    w.schedule_item = ScheduleItem(
        school_id=a.id, semester_id=w.semester_a.id, class_id=w.class_a1.id,
        teacher_id=w.head_teacher.id, family_id=w.student.family_id, student_id=w.student.id,
        form=ContactForm.HOME_VISIT, rule="two_years", week=14, created_by_id=w.head_teacher.id,
    )  # fmt: skip
    db.session.add(w.schedule_item)
    w.survey, w.survey_draft, w.survey_b = _surveys(w, a, b)
    w.course, w.material, w.course_b = _parent_school(w, a, b)
    db.session.commit()
    # Hand back plain ids: tests make requests outside this session.
    ids = SimpleNamespace()
    for key, value in vars(w).items():
        ids.__dict__[key] = getattr(value, "id", value)
        if hasattr(value, "username"):
            ids.__dict__[key + "_name"] = value.username
    return ids


def captcha_spent(session, token: str) -> bool:
    """Whether the mailbox captcha `token` was answered (cases.mailbox stores only the SHA-256
    of an answered challenge's token)."""
    import hashlib

    from gridapp.cases.models import CaptchaSpent

    session.expire_all()
    return session.get(CaptchaSpent, hashlib.sha256(token.encode()).hexdigest()) is not None
