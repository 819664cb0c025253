"""One factory per model (factory-boy). They flush; the test or fixture commits."""

from __future__ import annotations

from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory
from faker import Faker
from werkzeug.security import generate_password_hash

from gridapp.accounts.models import Role, User, UserRole
from gridapp.config import TestConfig
from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactStudent,
    ContactTeacher,
)
from gridapp.extensions import db
from gridapp.grids.models import Grid, GridMember
from gridapp.people.models import (
    Family,
    FocusCategory,
    Gender,
    Guardian,
    Relation,
    Student,
    StudentFocus,
    StudentGuardian,
)
from gridapp.schools.models import (
    GRADE_NAMES,
    District,
    Grade,
    School,
    SchoolClass,
    SchoolKind,
    SchoolYear,
    Semester,
    TeachingAssignment,
    class_name,
)

TEST_PASSWORD = "gridapp-test-1"
# Hashed once for every test user, with the tests' cheap method (as set_password would).
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method=TestConfig.PASSWORD_HASH_METHOD)

# The names tests/world.py gives its people: a random name never takes one of them, so that
# "this name is not on the page" tests what it says (a random teacher was once 李芳).
WORLD_NAMES = frozenset({"王小明", "王小红", "张伟", "李芳", "陈静", "刘洋", "欧阳娜娜"})
_names = Faker("zh_CN")


def random_name() -> str:
    """A Chinese person's name from Faker, never one of WORLD_NAMES."""
    while (name := _names.name()) in WORLD_NAMES:
        pass
    return name


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class DistrictFactory(Base):
    class Meta:
        model = District

    name = factory.Sequence(lambda n: f"测试区教育局{n}")
    code = factory.Sequence(lambda n: f"D{n:03d}")


class SchoolFactory(Base):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    code = factory.Sequence(lambda n: f"S{n:03d}")
    kind = SchoolKind.PRIMARY


class SchoolYearFactory(Base):
    class Meta:
        model = SchoolYear

    school = factory.SubFactory(SchoolFactory)
    name = "2026—2027学年"
    starts_on = date(2026, 9, 1)
    ends_on = date(2027, 7, 3)


class SemesterFactory(Base):
    class Meta:
        model = Semester

    school_year = factory.SubFactory(SchoolYearFactory)
    school_id = factory.SelfAttribute("school_year.school_id")
    number = 1
    starts_on = date(2026, 9, 1)
    ends_on = date(2027, 1, 23)


class GradeFactory(Base):
    class Meta:
        model = Grade

    school = factory.SubFactory(SchoolFactory)
    level = 3
    name = factory.LazyAttribute(lambda o: GRADE_NAMES[o.level])


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.LazyFunction(random_name)
    password_hash = TEST_PASSWORD_HASH
    district_id = factory.LazyAttribute(lambda o: DistrictFactory().id)

    @factory.post_generation
    def grants(obj, create, extracted, **kw):
        """UserFactory(grants=[(Role.TEACHER, school), (Role.GUARDIAN, None)])."""
        for role, school in extracted or []:
            obj.roles.append(UserRole(role=role, school_id=school.id if school else None))
        if extracted:
            db.session.flush()


def teacher(school: School, **kw) -> User:
    return UserFactory(district_id=school.district_id, grants=[(Role.TEACHER, school)], **kw)


class SchoolClassFactory(Base):
    class Meta:
        model = SchoolClass

    grade = factory.SubFactory(GradeFactory)
    school_id = factory.SelfAttribute("grade.school_id")
    number = factory.Sequence(lambda n: n % 90 + 1)
    name = factory.LazyAttribute(lambda o: class_name(o.grade.level, o.number))
    enrolment_year = 2024


class TeachingAssignmentFactory(Base):
    class Meta:
        model = TeachingAssignment

    school_class = factory.SubFactory(SchoolClassFactory)
    teacher = factory.LazyAttribute(lambda o: teacher(o.school_class.school))
    subject = "数学"


class FamilyFactory(Base):
    class Meta:
        model = Family

    district_id = factory.LazyAttribute(lambda o: DistrictFactory().id)


class StudentFactory(Base):
    class Meta:
        model = Student

    school_class = factory.SubFactory(SchoolClassFactory)
    school_id = factory.SelfAttribute("school_class.school_id")
    family = factory.LazyAttribute(
        lambda o: FamilyFactory(district_id=o.school_class.school.district_id)
    )
    student_number = factory.Sequence(lambda n: f"2024{n:05d}")
    name = factory.LazyFunction(random_name)
    gender = Gender.FEMALE
    birth_on = date(2017, 5, 1)
    address = "南湖区阳光花园3幢2单元501室"
    community = "阳光花园"
    enrolment_year = 2024


class GuardianFactory(Base):
    class Meta:
        model = Guardian

    family = factory.SubFactory(FamilyFactory)
    name = factory.LazyFunction(random_name)
    relation = Relation.MOTHER
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class StudentGuardianFactory(Base):
    class Meta:
        model = StudentGuardian

    student = factory.SubFactory(StudentFactory)
    guardian = factory.LazyAttribute(lambda o: GuardianFactory(family=o.student.family))
    is_primary = True


class ContactFactory(Base):
    """A contact with a family; `teachers` (users) are those present (default: the recorder)."""

    class Meta:
        model = Contact

    school_id = factory.LazyAttribute(lambda o: o.recorded_by.school_ids_with(Role.TEACHER).pop())
    family_id = 1
    recorded_by = factory.SubFactory(UserFactory)
    contact_on = date(2026, 10, 10)
    form = ContactForm.PHONE
    pledge_confirmed = True
    status = ContactStatus.SUBMITTED
    client_token = factory.Sequence(lambda n: f"test-token-{n}")
    said_about_school = "孩子在校表现良好。"
    family_situation = "父母均在本地工作。"
    guidance_given = "建议每天陪伴阅读。"

    @factory.post_generation
    def teachers(obj, create, extracted, **kwargs):
        users = list(extracted or [obj.recorded_by])
        obj.teacher_links = [ContactTeacher(teacher_id=u.id) for u in users]
        db.session.flush()

    @factory.post_generation
    def students(obj, create, extracted, **kwargs):
        if extracted:
            obj.student_links = [ContactStudent(student_id=s.id) for s in extracted]
            db.session.flush()

    @factory.post_generation
    def families(obj, create, extracted, **kwargs):
        """The families present: the contact's own and any others given (ids)."""
        ids = [obj.family_id, *[f for f in (extracted or []) if f != obj.family_id]]
        obj.family_links = [ContactFamily(family_id=f) for f in ids]
        db.session.flush()


class StudentFocusFactory(Base):
    class Meta:
        model = StudentFocus

    student = factory.SubFactory(StudentFactory)
    category = FocusCategory.LEFT_BEHIND
    since_on = date(2026, 3, 1)


class GridFactory(Base):
    class Meta:
        model = Grid

    school_class = factory.SubFactory(SchoolClassFactory)
    class_id = factory.SelfAttribute("school_class.id")
    school_id = factory.SelfAttribute("school_class.school_id")
    number = factory.Sequence(lambda n: n % 30 + 1)
    name = factory.LazyAttribute(lambda o: f"第{o.number}网格")


class GridMemberFactory(Base):
    class Meta:
        model = GridMember

    grid = factory.SubFactory(GridFactory)
    family_id = 1
