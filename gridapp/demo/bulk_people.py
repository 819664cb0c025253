"""The large demo district's people (demo/bulk.py): the district, schools and calendars, staff
with their roles, grades and classes, teaching assignments, families with guardians, students and
focus students. Everything is kept in memory (`School`, `Klass`) for the history phases."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from gridapp.accounts.models import Role
from gridapp.core import text
from gridapp.demo.bulk_writer import Writer
from gridapp.demo.district import (
    COMMUNITY_HEADS,
    COMMUNITY_TAILS,
    SUBJECTS_BY_STAGE,
    VILLAGES,
)
from gridapp.people.models import FocusCategory, Gender, Relation
from gridapp.schools.models import GRADE_LEVELS, GRADE_NAMES, SchoolKind, class_name

# Mixed school kinds in district order: more primary schools than secondary ones.
KINDS = [SchoolKind.PRIMARY, SchoolKind.JUNIOR, SchoolKind.PRIMARY, SchoolKind.SENIOR,
         SchoolKind.PRIMARY, SchoolKind.JUNIOR]  # fmt: skip
KIND_WORD = {
    SchoolKind.PRIMARY: "小学",
    SchoolKind.JUNIOR: "初级中学",
    SchoolKind.SENIOR: "高级中学",
}
PLACES = ["实验", "城南", "城北", "东栅", "西塘", "新丰", "凤桥", "余新", "七星", "大桥", "竹林",
          "嘉北", "南湖", "湘家荡", "云东", "秀洲", "长水", "解放", "建设", "新嘉"]  # fmt: skip
CLASS_SIZE = 42  # students a class is planned for
TEACHERS_PER_STUDENT = 80 / 2000  # ~80 staff for 2,000 students
PARTY_SHARE = 0.25
MOBILE_PREFIXES = ["138", "139", "135", "136", "150", "151", "158", "159", "177", "180", "186",
                   "187", "188", "189", "199"]  # fmt: skip


@dataclass
class Klass:
    id: int
    level: int
    number: int
    name: str
    enrolment_year: int
    head_id: int
    subject_teachers: list[int] = field(default_factory=list)  # without the head teacher
    # (student id, family id, address) in student-number order
    students: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass
class School:
    id: int
    n: int
    kind: SchoolKind
    name: str
    principal_id: int = 0
    secretary_id: int = 0
    admin_id: int = 0
    classes: list[Klass] = field(default_factory=list)
    teachers: list[tuple[int, bool]] = field(default_factory=list)  # (id, party member)
    semesters: list[tuple[int, int, date, date]] = field(default_factory=list)  # id, number, …
    focus: dict[int, str] = field(default_factory=dict)  # student id -> category value
    focus_since: dict[int, date] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _pools(seed: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """Surnames (weighted as Faker draws them), given names and workplaces drawn by a Faker
    seeded with `seed`, kept for the next load with that seed (Faker takes ~1 s for these).
    Name sets sorted: the same seed, the same pools, whatever Faker's internal order."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    surnames = [fake.last_name() for _i in range(600)]
    male = sorted({fake.first_name_male() for _i in range(1500)})
    female = sorted({fake.first_name_female() for _i in range(1500)})
    companies = sorted({fake.company() for _i in range(800)})
    return surnames, male, female, companies


class People:
    """Names, phones and addresses from seeded pools (Faker is slow per call); the pinyin keys
    of names cached (core.text.name_sort_key is slow per call)."""

    def __init__(self, seed: int, year: int, writer: Writer):
        self.rng = random.Random(seed)
        self.w = writer
        self.year = year
        self.surnames, self.male, self.female, self.companies = _pools(seed)
        self.communities = [
            f"{h}{t}" for h in COMMUNITY_HEADS for t in self.rng.sample(COMMUNITY_TAILS, 2)
        ]
        self.rng.shuffle(self.communities)
        self._names: dict[str, tuple[str, str]] = {}
        self.user_count = 0
        self.sibling_pool: list[tuple[int, str, str, str, int, list[int]]] = []

    # ---- small values ----
    def name(self, surname: str, gender: str) -> tuple[str, str]:
        """(name as stored, its name_key), as keep_normal_form writes them."""
        first = self.rng.choice(self.male if gender == Gender.MALE.value else self.female)
        raw = surname + first
        got = self._names.get(raw)
        if got is None:
            normal = text.normalise_name(raw)
            got = self._names[raw] = (normal, text.name_sort_key(normal))
        return got

    def mobile(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"

    def community(self) -> str:
        if self.rng.random() < 0.12:
            return self.rng.choice(VILLAGES)
        return self.rng.choice(self.communities)

    def address(self, community: str) -> str:
        r = self.rng.randint
        if community.endswith("村"):
            return f"南湖区{community}{r(1, 30)}组{r(1, 120)}号"
        return f"南湖区{community}{r(1, 40)}幢{r(1, 4)}单元{r(1, 18)}{r(1, 4):02d}室"

    # ---- rows ----
    def user(self, district_id: int, username: str | None, password_hash: str, *,
             title: str = "", party: bool = False, name: tuple[str, str] | None = None,
             phone: str | None = None) -> int:  # fmt: skip
        self.user_count += 1
        if name is None:
            gender = self.rng.choice((Gender.MALE.value, Gender.FEMALE.value))
            name = self.name(self.rng.choice(self.surnames), gender)
        row = self.w.row(
            "users", username=username or f"t{self.user_count:05d}", password_hash=password_hash,
            name=name[0], name_key=name[1],
            phone=text.normalise_phone(phone if phone is not None else self.mobile()),
            title=title, is_party_member=party, district_id=district_id,
        )  # fmt: skip
        return row[0]

    def role(self, user_id: int, role: Role, school_id: int | None) -> None:
        self.w.row("user_roles", user_id=user_id, role=role, school_id=school_id)

    def family(self, district_id: int) -> tuple[int, str, str, str, list[int]]:
        """A new family: (id, surname, community, address, guardian ids, primary first)."""
        rng = self.rng
        fid = self.w.row("families", district_id=district_id)[0]
        surname = rng.choice(self.surnames)
        community = self.community()
        address = self.address(community)
        father = (surname, Gender.MALE.value, Relation.FATHER, self.mobile(), "",
                  rng.choice(self.companies))  # fmt: skip
        other = self.mobile() if rng.random() < 0.2 else ""
        mother = (rng.choice(self.surnames), Gender.FEMALE.value, Relation.MOTHER, self.mobile(),
                  other, rng.choice(self.companies))  # fmt: skip
        people = [mother, father]
        if rng.random() < 0.08:  # parents work away: a grandparent is the main guardian
            people.insert(0, (surname, Gender.FEMALE.value, Relation.GRANDMOTHER, self.mobile(),
                              "", ""))  # fmt: skip
        elif rng.random() < 0.06:  # single-parent household
            people = [rng.choice(people)]
        ids = []
        for sur, gender, relation, mobile, other_phone, work in people:
            name = self.name(sur, gender)
            ids.append(
                self.w.row(
                    "guardians", family_id=fid, name=name[0], name_key=name[1],
                    relation=relation, mobile=text.normalise_phone(mobile),
                    other_phone=text.normalise_phone(other_phone), workplace=work,
                )[0]
            )  # fmt: skip
        return fid, surname, community, address, ids


def build_school(p: People, district_id: int, n: int, students: int, password_hash: str,
                 first: bool, today: date) -> School:  # fmt: skip
    """One school with its calendar, staff, classes and students (rows added to the writer)."""
    w, rng, year = p.w, p.rng, p.year
    kind = KINDS[n % len(KINDS)]
    name = f"南湖区{PLACES[n % len(PLACES)]}{KIND_WORD[kind]}"
    if n >= len(PLACES):
        name = f"南湖区{PLACES[n % len(PLACES)]}第{n // len(PLACES) + 1}{KIND_WORD[kind]}"
    address = p.address(p.rng.choice(p.communities))
    phone = f"0573-8{rng.randint(1000000, 9999999)}"
    sid = w.row(
        "schools", district_id=district_id, name=name, code=f"NH{n + 1:03d}", kind=kind,
        address=address, phone=phone,
        hotline_phone=phone, hotline_hours="工作日 8:00—17:30",  # 校长热线 (seed 004 §15)
    )[0]  # fmt: skip
    school = School(sid, n, kind, name)
    for y in (year - 1, year):
        sy = w.row("school_years", school_id=sid, name=f"{y}—{y + 1}学年",
                   starts_on=date(y, 9, 1), ends_on=date(y + 1, 7, 3))[0]  # fmt: skip
        for number, starts, ends in ((1, date(y, 9, 1), date(y + 1, 1, 23)),
                                     (2, date(y + 1, 2, 23), date(y + 1, 7, 3))):  # fmt: skip
            sem = w.row("semesters", school_year_id=sy, school_id=sid, number=number,
                        starts_on=starts, ends_on=ends)[0]  # fmt: skip
            school.semesters.append((sem, number, starts, ends))

    numbers = iter(range(1, 10_000))

    def staff(username, title, party, *roles) -> int:
        uid = p.user(district_id, username if first else None, password_hash, title=title,
                     party=party)  # fmt: skip
        for role in roles:
            p.role(uid, role, sid)
        w.row(
            "staff_members",
            school_id=sid,
            user_id=uid,
            staff_number=text.normalise_code(f"{n + 1:03d}{next(numbers):04d}"),
        )
        school.teachers.append((uid, party))
        return uid

    school.principal_id = staff("principal", "校长", True, Role.PRINCIPAL, Role.TEACHER)
    school.secretary_id = staff(None, "党支部书记", True, Role.PRINCIPAL)
    school.admin_id = staff("admin", "教务处主任", False, Role.SCHOOL_ADMIN)
    school.teachers = school.teachers[:1]  # the principal also teaches; the other two do not

    levels = list(GRADE_LEVELS[kind])
    per_grade = max(1, round(students / CLASS_SIZE / len(levels)))
    count = per_grade * len(levels)
    sizes = [students // count + (i < students % count) for i in range(count)]
    for i in range(0, count - 1, 2):  # classes differ a little in size, the total stays
        k = rng.randint(0, 3)
        sizes[i], sizes[i + 1] = sizes[i] + k, sizes[i + 1] - k
    subjects = SUBJECTS_BY_STAGE[kind]
    head_username = "teacher" if first else None
    for level in levels:
        grade = w.row("grades", school_id=sid, level=level, name=GRADE_NAMES[level])[0]
        first_level = 1 if level <= 6 else (7 if level <= 9 else 10)
        for number in range(1, per_grade + 1):
            party = False if head_username else rng.random() < PARTY_SHARE
            head = staff(head_username, "", party, Role.TEACHER)
            head_username = None
            enrolment = year - (level - first_level)
            cid = w.row("school_classes", school_id=sid, grade_id=grade, number=number,
                        name=class_name(level, number), enrolment_year=enrolment,
                        head_teacher_id=head)[0]  # fmt: skip
            school.classes.append(Klass(cid, level, number, class_name(level, number),
                                        enrolment, head))  # fmt: skip
            w.row("teaching_assignments", teacher_id=head, class_id=cid, subject=subjects[0])

    # Subject teachers: the staff left after heads and leaders, shared out by subject weight.
    total = max(round(students * TEACHERS_PER_STUDENT), 3 + count + len(subjects) - 1)
    spare = total - 3 - count
    weights = [3 if i < 3 else 1 for i in range(1, len(subjects))]
    shares = [max(1, round(spare * wt / sum(weights))) for wt in weights]
    for subject, k in zip(subjects[1:], shares, strict=True):
        pool = []
        for j in range(k):
            username = "party" if first and subject == subjects[1] and j == 0 else None
            party = True if username else rng.random() < PARTY_SHARE
            pool.append(staff(username, "", party, Role.TEACHER))
        block = -(-count // k)  # contiguous blocks of classes: a teacher keeps nearby classes
        for i, klass in enumerate(school.classes):
            teacher = pool[i // block]
            klass.subject_teachers.append(teacher)
            w.row("teaching_assignments", teacher_id=teacher, class_id=klass.id, subject=subject)
    # The principal teaches one subject in the last class.
    last = school.classes[-1]
    w.row("teaching_assignments", teacher_id=school.principal_id, class_id=last.id,
          subject=subjects[-1])  # fmt: skip
    last.subject_teachers.append(school.principal_id)

    _students(p, school, district_id, sizes, first, today)
    return school


def _students(p: People, school: School, district_id: int, sizes: list[int], first: bool,
              today: date) -> None:  # fmt: skip
    w, rng, year = p.w, p.rng, p.year
    stamp_day = date(year, 9, 1)
    parent_family = None
    # The first school's `parent`: the first student of its first class and of a class of
    # another grade are siblings.
    sibling_class = min(len(school.classes) - 1, len(school.classes) // 2)
    for ci, (klass, size) in enumerate(zip(school.classes, sizes, strict=True)):
        for seq in range(1, size + 1):
            gender = rng.choice((Gender.MALE.value, Gender.FEMALE.value))
            family = None
            if first and seq == 1 and ci == sibling_class and parent_family is not None:
                family = parent_family
            elif (
                not (first and seq == 1 and ci in (0, sibling_class))
                and p.sibling_pool
                and rng.random() < 0.09
            ):
                idx = rng.randrange(len(p.sibling_pool))
                candidate = p.sibling_pool[idx]
                if candidate[4] != klass.level:  # twins are rare: a new family instead
                    p.sibling_pool.pop(idx)
                    family = candidate
            if family is None:
                fid, surname, community, address, guardians = p.family(district_id)
                family = (fid, surname, community, address, klass.level, guardians)
                if first and seq == 1 and ci == 0:
                    parent_family = family
                elif rng.random() < 0.15:
                    p.sibling_pool.append(family)
            fid, surname, community, address, _level, guardians = family
            name, key = p.name(surname, gender)
            age = 5 + klass.level
            born = date(year - age - 1, 9, 1) + timedelta(days=rng.randint(0, 364))
            student = w.row(
                "students", school_id=school.id, class_id=klass.id, family_id=fid,
                student_number=f"{school.n + 1:03d}{klass.enrolment_year}{klass.number:02d}{seq:02d}",
                name=name, name_key=key, gender=gender, birth_on=born, address=address,
                community=community, enrolment_year=klass.enrolment_year, status="active",
            )[0]  # fmt: skip
            for i, g in enumerate(guardians):
                w.row("student_guardians", student_id=student, guardian_id=g, is_primary=i == 0)
            klass.students.append((student, fid, address))
            if rng.random() < 0.05:
                category = rng.choice(list(FocusCategory)[:8]).value
                since = stamp_day - timedelta(days=rng.randint(0, 400))
                since = min(since, today)
                w.row("student_focus", student_id=student, category=category, since_on=since)
                school.focus[student] = category
                school.focus_since[student] = since
        w.maybe_flush()
    if first and parent_family is not None:
        school.parent_family = parent_family  # type: ignore[attr-defined]
