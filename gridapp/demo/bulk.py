"""The demo district at scale (`flask demo-data --scale school|county|district`): the same kind of
district as demo/district.py, for benchmarks, written in bulk instead of through the ORM.

Ids are assigned here and rows written with SQLAlchemy Core on the session's connection: COPY on
PostgreSQL, executemany on SQLite (demo/bulk_writer.py), then the id sequences are set. The
columns the ORM would derive on write are derived the same way: names and phones in their normal
form with the pinyin `name_key` (core.text, as core.models.keep_normal_form writes them), column
defaults from the models, created_at/updated_at as dated instants. Deterministic: the same seed
and the same `today` give the same rows (random.Random and Faker seeded; instants derive from
`today`, never from the clock), but for the one password hash of every user, salted afresh on
each load. One transaction: the caller commits once.

The first school carries the small demo's logins (DEMO_LOGINS, DEMO_PASSWORD): `teacher` heads
its first class (一年级（1）班 of a primary school), `party` is a Party-member teacher of it with
three pairings, `principal`, `admin`, and `parent` is the guardian of two siblings in two
classes of it; `district` and `bureau` are the district's supervisor and admin.

Split by phase: bulk_people.py (schools, staff, classes, families, students, focus students),
bulk_contacts.py (four semesters of contacts), bulk_extras.py (grids, pairings, cases,
reception days).
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time

from werkzeug.security import generate_password_hash

from gridapp.accounts.models import Role, password_hash_method
from gridapp.core import text
from gridapp.core.time import SHANGHAI
from gridapp.demo import bulk_contacts, bulk_extras
from gridapp.demo.bulk_people import People, build_school
from gridapp.demo.bulk_writer import Writer
from gridapp.demo.district import DEMO_CITY, DEMO_PASSWORD, DEMO_PROVINCE, school_year_start
from gridapp.schools.models import RegionLevel

# name: (schools, students per school)
PRESETS = {
    "school": (1, 2_000),
    "county": (25, 2_000),
    "district": (100, 2_000),
}
CASES_PER_STUDENT = 20_000 / 200_000


@dataclass
class BulkResult:
    schools: int = 0
    students: int = 0
    teachers: int = 0
    contacts: int = 0
    grids: int = 0
    pairings: int = 0
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # rows written per table
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase


def build(
    seed: int = 2026,
    schools: int = 1,
    students_per_school: int = 2_000,
    today: date | None = None,
    progress=None,
) -> BulkResult:
    """Write the demo district of `schools` schools of about `students_per_school` students each
    in the current transaction (the caller checks demo.check_may_load first and commits).
    `progress(message)` is told each phase as it ends. Raises ValueError for fewer than one
    school or fewer than 20 students per school."""
    from gridapp.core.time import today as today_fn

    if schools < 1 or students_per_school < 20:
        raise ValueError("at least one school of 20 students")
    today = today or today_fn()
    say = progress or (lambda _m: None)
    result = BulkResult()
    started = last = clock.monotonic()

    def phase(name: str) -> None:
        nonlocal last
        now_ = clock.monotonic()
        result.phases[name] = now_ - last
        last = now_
        say(f"{name}: {result.phases[name]:.1f}s")

    year = school_year_start(today)
    stamp = datetime.combine(date(year, 8, 25), time(9, 0), tzinfo=SHANGHAI)
    w = Writer(stamp)
    password_hash = generate_password_hash(DEMO_PASSWORD, method=password_hash_method())
    people = People(seed, year, w)
    province = w.row("regions", name=DEMO_PROVINCE[0], code=DEMO_PROVINCE[1],
                     level=RegionLevel.PROVINCE)[0]  # fmt: skip
    city = w.row("regions", name=DEMO_CITY[0], code=DEMO_CITY[1], level=RegionLevel.CITY,
                 parent_id=province)[0]  # fmt: skip
    district = w.row("districts", name="嘉禾市南湖区教育局", code="NH-DEMO", is_demo=True,
                     region_id=city)[0]  # fmt: skip
    supervisor = people.user(district, "district", password_hash, title="督查科科长")
    people.role(supervisor, Role.DISTRICT_SUPERVISOR, None)
    # The city's and the province's bureau supervisors, written apart from `people` (its names
    # and counts stay as they were).
    city_user = w.row("users", username="city", password_hash=password_hash, name="吴志明",
                      name_key=text.name_sort_key("吴志明"), phone="13905730001",
                      title="市教育局督导室", district_id=district)[0]  # fmt: skip
    w.row("user_roles", user_id=city_user, role=Role.DISTRICT_SUPERVISOR, region_id=city)
    province_user = w.row("users", username="province", password_hash=password_hash,
                          name="郑海峰", name_key=text.name_sort_key("郑海峰"),
                          phone="13905710001", title="省教育厅督导处", district_id=district)[0]  # fmt: skip
    w.row("user_roles", user_id=province_user, role=Role.DISTRICT_SUPERVISOR, region_id=province)
    bureau = people.user(district, "bureau", password_hash, title="信息中心")
    people.role(bureau, Role.DISTRICT_ADMIN, None)
    phase("pools")

    built = []
    for n in range(schools):
        built.append(
            build_school(people, district, n, students_per_school, password_hash, n == 0, today)
        )
    first = built[0]
    mother = first.parent_family[5][0]  # the primary guardian of the two siblings
    parent = people.user(district, "parent", password_hash, name=_name_of(w, mother),
                         phone=_mobile_of(w, mother))  # fmt: skip
    people.role(parent, Role.GUARDIAN, None)
    w.flush()
    w.connection.execute(
        w.tables["guardians"].update().where(w.tables["guardians"].c.id == mother),
        {"user_id": parent, "updated_at": stamp},
    )
    result.schools = len(built)
    result.students = sum(len(k.students) for s in built for k in s.classes)
    result.teachers = sum(len(s.teachers) + 2 for s in built)
    phase("people")

    rng = random.Random(seed + 404)
    contacts = bulk_contacts.Contacts(rng, w, today)
    current = [start for _id, _n, start, _end in first.semesters if start <= today]
    if current:
        contacts.return_once = (first.classes[0].head_id, current[-1])
    for school in built:
        bulk_contacts.build_school(contacts, school, rng.uniform(0.6, 0.95))
    w.flush()
    result.contacts = contacts.count
    phase("contacts")

    rng = random.Random(seed + 505)
    for school in built:
        skip = school.classes[0].id if school is first else None
        result.grids += bulk_extras.grids(rng, w, school, today, skip)
    w.flush()
    phase("grids")

    rng = random.Random(seed + 1616)
    party_id = _user_id(w, "party")
    for school in built:
        share = rng.uniform(0.7, 1.0)
        result.pairings += bulk_extras.pairings(
            rng, w, school, today, share, party_id if school is first else None
        )
    w.flush()
    phase("pairings")

    rng = random.Random(seed + 1313)
    cases = bulk_extras.Cases(rng, w, today)
    for school in built:
        n_students = sum(len(k.students) for k in school.classes)
        cases.school(school, max(5, round(n_students * CASES_PER_STUDENT)))
    rng = random.Random(seed + 606)
    for school in built:
        bulk_extras.reception(rng, w, school, today)
    w.flush()
    result.cases = cases.count
    phase("cases and reception")
    w.finish()
    phase("foreign keys, statistics, sequences")
    result.rows = dict(sorted(w.counts.items()))
    result.phases["total"] = clock.monotonic() - started
    return result


def _lookup(w: Writer, table: str, column: str, row_id: int):
    t = w.tables[table]
    return w.connection.execute(
        t.select().with_only_columns(t.c[column]).where(t.c.id == row_id)
    ).scalar()


def _name_of(w: Writer, guardian_id: int) -> tuple[str, str]:
    w.flush()
    t = w.tables["guardians"]
    row = w.connection.execute(
        t.select().with_only_columns(t.c.name, t.c.name_key).where(t.c.id == guardian_id)
    ).one()
    return row[0], row[1]


def _mobile_of(w: Writer, guardian_id: int) -> str:
    return _lookup(w, "guardians", "mobile", guardian_id)


def _user_id(w: Writer, username: str) -> int | None:
    t = w.tables["users"]
    return w.connection.execute(
        t.select().with_only_columns(t.c.id).where(t.c.username == username)
    ).scalar()
