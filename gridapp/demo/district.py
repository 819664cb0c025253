"""The demo district: realistic Chinese schools, classes, teachers, students and families.

Deterministic for a given seed. Used by `flask demo-data`, the benchmark and the browser tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from gridapp.accounts.models import Role, User, UserRole
from gridapp.extensions import db
from gridapp.people.models import Family, Gender, Guardian, Relation, Student, StudentGuardian
from gridapp.schools.models import (
    GRADE_LEVELS,
    GRADE_NAMES,
    District,
    Grade,
    Region,
    RegionLevel,
    School,
    SchoolClass,
    SchoolKind,
    SchoolYear,
    Semester,
    TeachingAssignment,
    class_name,
)

DEMO_PASSWORD = "gridapp-demo"
DEMO_LOGINS = [
    ("district", "教育局督查 (district supervisor)"),
    ("city", "市教育局督查 (city bureau: its districts)"),
    ("province", "省教育厅督查 (province bureau: its cities)"),
    ("bureau", "教育局管理员 (district admin)"),
    ("admin", "学校管理员 (school admin)"),
    ("principal", "校长 (principal)"),
    ("teacher", "班主任 (head teacher of 一年级（1）班)"),
    ("party", "党员教师 (Party-member teacher)"),
    ("parent", "家长 (guardian of two siblings)"),
]

COMMUNITY_HEADS = ["阳光", "锦绣", "东方", "紫金", "翠苑", "金色", "和平", "湖滨", "南湖", "嘉禾",
                   "景湖", "世纪", "香樟", "枫林", "梅湾", "月河", "秀水", "龙湖", "桂苑", "春晓"]  # fmt: skip
COMMUNITY_TAILS = ["花园", "新村", "家园", "苑", "公寓", "名邸", "小区", "雅苑"]
VILLAGES = ["新丰村", "凤桥村", "余新村", "七星村", "大桥村", "竹林村"]
SCHOOL_SPECS = [
    (SchoolKind.PRIMARY, "南湖区实验小学", 3),
    (SchoolKind.JUNIOR, "南湖区第一初级中学", 6),
    (SchoolKind.SENIOR, "南湖区高级中学", 6),
]
SUBJECTS_BY_STAGE = {
    SchoolKind.PRIMARY: ["语文", "数学", "英语", "科学", "道德与法治", "体育", "音乐", "美术"],
    SchoolKind.JUNIOR: ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理",
                        "道德与法治", "体育"],
    SchoolKind.SENIOR: ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "政治",
                        "体育"],
}  # fmt: skip
CORE_SUBJECTS = 3  # 语文, 数学, 英语 are taught in every class by a dedicated teacher


# The region tree above the demo district (issue 18): a province and its city.
DEMO_PROVINCE = ("禾江省", "HJ-DEMO")
DEMO_CITY = ("嘉禾市", "JH-DEMO")


def demo_regions() -> tuple[Region, Region]:
    """The demo's province and city, added to the session and flushed."""
    province = Region(name=DEMO_PROVINCE[0], code=DEMO_PROVINCE[1], level=RegionLevel.PROVINCE)
    city = Region(name=DEMO_CITY[0], code=DEMO_CITY[1], level=RegionLevel.CITY, parent=province)
    db.session.add_all([province, city])
    db.session.flush()
    return province, city


class DemoRefused(RuntimeError):
    pass


@dataclass
class DemoResult:
    district: District
    schools: list[School] = field(default_factory=list)
    students: int = 0
    teachers: int = 0
    contacts: int = 0
    grids: int = 0
    pairings: int = 0


def has_demo() -> bool:
    return db.session.scalar(select(District.id).where(District.is_demo)) is not None


def check_may_load() -> None:
    real = db.session.scalar(select(District.id).where(District.is_demo.is_(False)))
    if real is not None:
        raise DemoRefused(
            "this database holds a real (non-demo) district: refusing to add demo data"
        )
    if has_demo():
        raise DemoRefused("the demo district is already loaded")


def school_year_start(today: date) -> int:
    return today.year if today.month >= 8 else today.year - 1


class Builder:
    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.today = today
        self.year = school_year_start(today)
        self.password_hash = generate_password_hash(DEMO_PASSWORD)
        self.communities = [
            f"{h}{t}" for h in COMMUNITY_HEADS for t in self.rng.sample(COMMUNITY_TAILS, 2)
        ]
        self.rng.shuffle(self.communities)
        self.sibling_pool: list[tuple[Family, str, str, list[Guardian], int]] = []
        self.usernames: set[str] = set()

    # ---- people ----
    def user(self, district: District, name: str, username: str | None = None, **kw) -> User:
        if username is None:
            base = f"t{len(self.usernames) + 1:04d}"
            username = base
        self.usernames.add(username)
        u = User(
            username=username,
            name=name,
            password_hash=self.password_hash,
            district_id=district.id,
            phone=self.mobile(),
            **kw,
        )
        db.session.add(u)
        return u

    def mobile(self) -> str:
        prefix = self.rng.choice(
            [
                "138",
                "139",
                "135",
                "136",
                "150",
                "151",
                "158",
                "159",
                "177",
                "180",
                "186",
                "187",
                "188",
                "189",
                "199",
            ]
        )
        return prefix + "".join(self.rng.choice("0123456789") for _ in range(8))

    def person_name(self, surname: str, gender: Gender) -> str:
        first = (
            self.fake.first_name_male() if gender is Gender.MALE else self.fake.first_name_female()
        )
        return surname + first

    def address(self, community: str) -> str:
        if community.endswith("村"):
            return f"南湖区{community}{self.rng.randint(1, 30)}组{self.rng.randint(1, 120)}号"
        return (
            f"南湖区{community}{self.rng.randint(1, 40)}幢{self.rng.randint(1, 4)}单元"
            f"{self.rng.randint(1, 18)}{self.rng.randint(1, 4):02d}室"
        )

    def new_family(self, district: District) -> tuple[Family, str, str, list[Guardian]]:
        family = Family(district_id=district.id)
        surname = self.fake.last_name()
        community = (
            self.rng.choice(VILLAGES)
            if self.rng.random() < 0.12
            else self.rng.choice(self.communities)
        )
        father = Guardian(
            family=family,
            name=self.person_name(surname, Gender.MALE),
            relation=Relation.FATHER,
            mobile=self.mobile(),
            workplace=self.fake.company(),
        )
        mother = Guardian(
            family=family,
            name=self.person_name(self.fake.last_name(), Gender.FEMALE),
            relation=Relation.MOTHER,
            mobile=self.mobile(),
            other_phone=self.mobile() if self.rng.random() < 0.2 else "",
            workplace=self.fake.company(),
        )
        guardians = [mother, father]
        if self.rng.random() < 0.08:  # parents work away: a grandparent is the main guardian
            guardians.insert(
                0,
                Guardian(
                    family=family,
                    name=self.person_name(surname, Gender.FEMALE),
                    relation=Relation.GRANDMOTHER,
                    mobile=self.mobile(),
                ),
            )
        elif self.rng.random() < 0.06:  # single-parent household
            guardians = [self.rng.choice(guardians)]
        db.session.add(family)
        db.session.add_all(guardians)
        return family, surname, community, guardians

    def student(
        self, district: District, school: School, school_class: SchoolClass, level: int, seq: int
    ) -> Student:
        gender = self.rng.choice([Gender.MALE, Gender.FEMALE])
        if self.sibling_pool and self.rng.random() < 0.09:
            idx = self.rng.randrange(len(self.sibling_pool))
            family, surname, community, guardians, other_level = self.sibling_pool[idx]
            if other_level != level:
                self.sibling_pool.pop(idx)
            else:
                family, surname, community, guardians = self.new_family(district)
        else:
            family, surname, community, guardians = self.new_family(district)
            if self.rng.random() < 0.15:
                self.sibling_pool.append((family, surname, community, guardians, level))
        age = 5 + level  # on 1 September of the school year
        born = date(self.year - age - 1, 9, 1) + timedelta(days=self.rng.randint(0, 364))
        s = Student(
            school=school,
            school_class=school_class,
            family=family,
            student_number=f"{school.code[-2:]}{school_class.enrolment_year}{school_class.number:02d}{seq:02d}",
            name=self.person_name(surname, gender),
            gender=gender,
            birth_on=born,
            address=self.address(community),
            community=community,
            enrolment_year=school_class.enrolment_year,
        )
        db.session.add(s)
        for i, g in enumerate(guardians):
            db.session.add(StudentGuardian(student=s, guardian=g, is_primary=(i == 0)))
        return s


def build(
    seed: int = 2026,
    schools: int = 3,
    students_per_school: int | None = None,
    today: date | None = None,
) -> DemoResult:
    """Create the demo district in the current session (the caller commits)."""
    from gridapp.core.time import today as today_fn

    today = today or today_fn()
    b = Builder(seed, today)
    province, city = demo_regions()
    district = District(name="嘉禾市南湖区教育局", code="NH-DEMO", is_demo=True, region=city)
    db.session.add(district)
    db.session.flush()
    result = DemoResult(district=district)

    district_user = b.user(district, "周建国", "district", title="督查科科长")
    district_user.roles.append(UserRole(role=Role.DISTRICT_SUPERVISOR))
    # The city bureau's supervisor: no draw from the generator (the rest stays as it was).
    b.usernames.add("city")
    city_user = User(
        username="city", name="吴志明", password_hash=b.password_hash, district_id=district.id,
        phone="13905730001", title="市教育局督导室",
    )  # fmt: skip
    city_user.roles.append(UserRole(role=Role.DISTRICT_SUPERVISOR, region_id=city.id))
    b.usernames.add("province")
    province_user = User(
        username="province", name="郑海峰", password_hash=b.password_hash,
        district_id=district.id, phone="13905710001", title="省教育厅督导处",
    )  # fmt: skip
    province_user.roles.append(UserRole(role=Role.DISTRICT_SUPERVISOR, region_id=province.id))
    db.session.add_all([city_user, province_user])
    bureau = b.user(district, "陈晓燕", "bureau", title="信息中心")
    bureau.roles.append(UserRole(role=Role.DISTRICT_ADMIN))

    for n in range(schools):
        kind, name, classes_per_grade = SCHOOL_SPECS[n % 3]
        if n >= 3:
            name = name.replace("南湖区", f"南湖区第{n + 1}")
        levels = list(GRADE_LEVELS[kind])
        if students_per_school:
            classes_per_grade = max(1, round(students_per_school / 40 / len(levels)))
        school = School(
            district=district,
            name=name,
            code=f"NH{n + 1:02d}",
            kind=kind,
            address=b.address(b.rng.choice(b.communities)),
            phone=f"0573-8{b.rng.randint(1000000, 9999999)}",
            hotline_hours="工作日 8:00—17:30",  # 校长热线 (seed 004 §15): the school's line
        )
        school.hotline_phone = school.phone
        db.session.add(school)
        db.session.flush()
        result.schools.append(school)
        _calendar(school, b.year)
        first = n == 0
        staff = _staff(b, district, school, first)
        classes = _classes(b, school, levels, classes_per_grade, staff, first)
        per_class = (students_per_school / len(classes)) if students_per_school else None
        for school_class, level in classes:
            size = round(per_class) if per_class else b.rng.randint(35, 45)
            for seq in range(1, size + 1):
                b.student(district, school, school_class, level, seq)
                result.students += 1
        result.teachers += len(staff["teachers"])
        db.session.flush()

    _demo_parent(b, district, result)
    db.session.flush()
    from gridapp.demo import contacts as demo_contacts

    teacher_id = db.session.scalar(select(User.id).where(User.username == "teacher"))
    result.contacts = demo_contacts.build(seed, today, result.schools, teacher_id)
    db.session.flush()
    from gridapp.demo import grids as demo_grids

    result.grids = demo_grids.build(seed, today, result.schools[0], teacher_id)
    from gridapp.demo import reception as demo_reception

    demo_reception.build(seed, today, result.schools[0])
    from gridapp.demo import surveys as demo_surveys

    demo_surveys.build(today, result.schools[0])
    from gridapp.demo import parent_school as demo_parent_school

    demo_parent_school.build(seed, today, result.schools[0])
    from gridapp.demo import schedules as demo_schedules

    demo_schedules.build(today, result.schools[0])
    from gridapp.demo import pairing as demo_pairing

    result.pairings = demo_pairing.build(seed, today, result.schools)
    from gridapp.demo import obligations as demo_obligations

    demo_obligations.build(today, result.schools[0])
    return result


def _calendar(school: School, year: int) -> None:
    for y in (year - 1, year):
        sy = SchoolYear(
            school_id=school.id,
            name=f"{y}—{y + 1}学年",
            starts_on=date(y, 9, 1),
            ends_on=date(y + 1, 7, 3),
        )
        sy.semesters = [
            Semester(
                school_id=school.id, number=1, starts_on=date(y, 9, 1), ends_on=date(y + 1, 1, 23)
            ),
            Semester(
                school_id=school.id,
                number=2,
                starts_on=date(y + 1, 2, 23),
                ends_on=date(y + 1, 7, 3),
            ),
        ]
        db.session.add(sy)


def _staff(b: Builder, district: District, school: School, first: bool) -> dict:
    def named(username, title, role, party=False):
        gender = b.rng.choice([Gender.MALE, Gender.FEMALE])
        u = b.user(
            district,
            b.person_name(b.fake.last_name(), gender),
            username if first else None,
            title=title,
            is_party_member=party,
        )
        u.roles.append(UserRole(role=role, school_id=school.id))
        return u

    principal = named("principal", "校长", Role.PRINCIPAL, party=True)
    principal.roles.append(UserRole(role=Role.TEACHER, school_id=school.id))
    secretary = named(None, "党支部书记", Role.PRINCIPAL, party=True)
    admin = named("admin", "教务处主任", Role.SCHOOL_ADMIN)
    return {"principal": principal, "secretary": secretary, "admin": admin, "teachers": []}


def _classes(
    b: Builder, school: School, levels: list[int], per_grade: int, staff: dict, first: bool
) -> list[tuple[SchoolClass, int]]:
    district = school.district
    subjects = SUBJECTS_BY_STAGE[school.kind]
    out = []
    taken: dict[int, int] = {}  # id(teacher) -> classes taught, while ids are not yet assigned
    core_teachers: dict[str, list[User]] = {s: [] for s in subjects}

    def new_teacher(username=None, party=None):
        party = b.rng.random() < 0.25 if party is None else party
        gender = b.rng.choice([Gender.MALE, Gender.FEMALE])
        t = b.user(
            district, b.person_name(b.fake.last_name(), gender), username, is_party_member=party
        )
        t.roles.append(UserRole(role=Role.TEACHER, school_id=school.id))
        staff["teachers"].append(t)
        return t

    for level in levels:
        grade = Grade(school_id=school.id, level=level, name=GRADE_NAMES[level])
        db.session.add(grade)
        first_level = 1 if level <= 6 else (7 if level <= 9 else 10)  # the stage's first grade
        for number in range(1, per_grade + 1):
            username = "teacher" if first and not out else None
            head = new_teacher(username, party=False if username else None)
            sc = SchoolClass(
                school_id=school.id,
                grade=grade,
                number=number,
                name=class_name(level, number),
                enrolment_year=b.year - (level - first_level),
                head_teacher=head,
            )
            db.session.add(sc)
            out.append((sc, level))
            for i, subject in enumerate(subjects):
                pool = core_teachers[subject]
                if i == 0:
                    teacher = head  # the head teacher teaches the first subject
                elif first and len(out) == 1 and i == 1:
                    teacher = new_teacher("party", party=True)
                    pool.append(teacher)
                else:
                    load = 2 if i < CORE_SUBJECTS else 5  # classes one teacher takes
                    reusable = [t for t in pool if taken.get(id(t), 0) < load]
                    teacher = reusable[0] if reusable else new_teacher()
                    if not reusable:
                        pool.append(teacher)
                taken[id(teacher)] = taken.get(id(teacher), 0) + 1
                db.session.add(
                    TeachingAssignment(teacher=teacher, school_class=sc, subject=subject)
                )
    db.session.flush()
    return out


def _demo_parent(b: Builder, district: District, result: DemoResult) -> None:
    """`parent`: the guardian of two siblings in different classes of the first school."""
    school = result.schools[0]
    classes = db.session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == school.id).order_by(SchoolClass.id)
    ).all()
    younger_class, older_class = classes[0], classes[min(len(classes) - 1, 3 * 3 + 1)]
    only_child = (
        select(Student.family_id).group_by(Student.family_id).having(func.count() == 1)
    ).scalar_subquery()

    def first_only_child(school_class: SchoolClass) -> Student:
        return db.session.scalar(
            select(Student)
            .where(Student.class_id == school_class.id, Student.family_id.in_(only_child))
            .order_by(Student.id)
        )

    younger, older = first_only_child(younger_class), first_only_child(older_class)
    mother = younger.primary_guardian
    # Make the older child a sibling: same family, same guardians, same surname and home.
    old_family = older.family
    for link in list(older.guardian_links):
        db.session.delete(link)
    db.session.flush()
    older.family = younger.family
    older.name = younger.name[0] + older.name[1:]
    older.address, older.community = younger.address, younger.community
    for g in younger.family.guardians:
        db.session.add(StudentGuardian(student=older, guardian=g, is_primary=(g is mother)))
    db.session.flush()
    left_behind = select(Student.id).where(Student.family_id == old_family.id).limit(1)
    if db.session.scalar(left_behind) is None:
        for g in db.session.scalars(select(Guardian).where(Guardian.family_id == old_family.id)):
            db.session.delete(g)
        db.session.flush()
        db.session.delete(old_family)
    parent = b.user(district, mother.name, "parent", title="")
    parent.phone = mother.mobile
    parent.roles.append(UserRole(role=Role.GUARDIAN))
    db.session.flush()
    mother.user_id = parent.id
