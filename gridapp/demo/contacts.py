"""Demo contacts: focus students and a semester's worth of 家访 records, half done, as a real
school looks in late November. Bulk inserts, deterministic for the demo's seed."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import insert, select

from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStatus,
    ContactStudent,
    ContactTeacher,
)
from gridapp.contacts.rules import ENTRY_LEVELS
from gridapp.extensions import db
from gridapp.people.models import FocusCategory, Student, StudentFocus
from gridapp.schools.models import Grade, School, SchoolClass, Semester, TeachingAssignment

SAID = [
    "孩子在校遵守纪律，上课发言积极，与同学相处融洽。",
    "孩子作业完成及时，但书写需要更加认真。",
    "孩子数学进步明显，语文阅读量还需增加。",
    "孩子性格开朗，担任小组长，乐于帮助同学。",
    "孩子上课偶尔走神，老师会多加提醒。",
]
GUIDANCE = [
    "建议家长每天陪伴孩子阅读二十分钟，减少手机使用时间。",
    "建议家长保证孩子作息规律，晚上九点半前睡觉。",
    "与家长交流了如何表扬和鼓励孩子，避免简单批评。",
    "提醒家长暑期和周末做好防溺水教育，不去无人看管的水域。",
    "建议家长多和孩子沟通在校情况，关注情绪变化。",
]
SITUATION = [
    "三口之家，父母均在本地工作，家庭和睦。",
    "父亲在外地务工，平时由母亲和祖母照顾。",
    "祖孙三代同住，祖父母负责接送。",
    "父母经营小店，工作较忙，晚上辅导时间较少。",
]
HABITS = [
    "在家能主动完成作业，喜欢看课外书。",
    "周末玩手机时间较长，需要家长约束。",
    "会做简单家务，生活自理能力较好。",
]
ENVIRONMENT = [
    "家住小区内，上学步行十分钟，路上有红绿灯路口，家长接送。",
    "住处附近有河道，已提醒家长加强看护，做好防溺水教育。",
    "骑电动车接送，已提醒佩戴头盔。",
]
OPINIONS = [
    "希望学校多组织课外实践活动。",
    "希望老师多反馈孩子在校表现。",
    "对学校工作满意，没有其他意见。",
    "希望食堂饭菜更丰富一些。",
]
FOLLOW_UP = ["下月电话回访。", "期中后再次家访。", "与科任老师沟通孩子的学习情况。", ""]


def _day(rng: random.Random, start: date, end: date) -> date:
    if end < start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build(seed: int, today: date, schools: list[School], demo_teacher_id: int | None) -> int:
    """Create focus students and contacts for every school; returns the number of contacts."""
    rng = random.Random(seed + 404)
    total = 0
    for school in schools:
        total += _school(rng, school, today, demo_teacher_id)
    return total


def _school(rng: random.Random, school: School, today: date, demo_teacher_id) -> int:
    semesters = db.session.scalars(
        select(Semester).where(Semester.school_id == school.id).order_by(Semester.starts_on)
    ).all()
    current = [s for s in semesters if s.starts_on <= today]
    if not current:
        return 0
    sem = current[-1]
    earlier = [s for s in semesters if s.ends_on < sem.starts_on]
    until = min(today, sem.ends_on)
    students = db.session.execute(
        select(Student.id, Student.family_id, Student.class_id, Student.address).where(
            Student.school_id == school.id
        )
    ).all()
    classes = {
        r.id: r
        for r in db.session.execute(
            select(SchoolClass.id, SchoolClass.head_teacher_id, Grade.level)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(SchoolClass.school_id == school.id)
        )
    }
    teachers_of: dict[int, list[int]] = defaultdict(list)
    for class_id, teacher_id in db.session.execute(
        select(TeachingAssignment.class_id, TeachingAssignment.teacher_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(SchoolClass.school_id == school.id)
    ):
        if teacher_id != classes[class_id].head_teacher_id:
            teachers_of[class_id].append(teacher_id)

    # Focus students: about one in twelve.
    focus_rows, focus_ids = [], set()
    categories = list(FocusCategory)
    for s in students:
        if rng.random() < 0.085:
            focus_ids.add(s.id)
            focus_rows.append(
                {
                    "student_id": s.id,
                    "category": rng.choice(categories[:8]),
                    "since_on": _day(rng, sem.starts_on - timedelta(days=400), sem.starts_on),
                }
            )
    if focus_rows:
        db.session.execute(insert(StudentFocus), focus_rows)

    contacts, teacher_links, student_links = [], [], []

    def add(family_id, class_id, student_id, form, on, teachers, address, status=None):
        home = form is ContactForm.HOME_VISIT
        contacts.append(
            {
                "school_id": school.id,
                "family_id": family_id,
                "recorded_by_id": teachers[0],
                "contact_on": on,
                "form": form,
                "place": address if home else "",
                "members_met": rng.choice(["母亲", "父亲", "母亲、祖母", "父亲、母亲"]),
                "family_situation": rng.choice(SITUATION) if home else "",
                "habits_at_home": rng.choice(HABITS),
                "growth_environment": rng.choice(ENVIRONMENT) if home else "",
                "said_about_school": rng.choice(SAID),
                "guidance_given": rng.choice(GUIDANCE),
                "parents_opinions": rng.choice(OPINIONS),
                "follow_up": rng.choice(FOLLOW_UP),
                "pledge_confirmed": home,
                # Most door visits saw the drowning-prevention letter delivered (no draw: the
                # random sequence of the rest stays as it was).
                "drowning_letter_delivered": home and family_id % 4 != 0,
                "status": status
                or (ContactStatus.REVIEWED if rng.random() < 0.6 else ContactStatus.SUBMITTED),
                "client_token": f"demo-{school.id}-{len(contacts)}",
                "version": 1,
            }
        )
        teacher_links.append(list(dict.fromkeys(teachers)))
        student_links.append(student_id)

    seen: set[tuple[int, int]] = set()
    for s in students:
        if (s.class_id, s.family_id) in seen:
            continue
        seen.add((s.class_id, s.family_id))
        c = classes[s.class_id]
        head = c.head_teacher_id
        subject_teachers = teachers_of[s.class_id]
        is_focus = s.id in focus_ids
        entry = c.level in ENTRY_LEVELS and sem.number == 1
        if rng.random() < 0.6:
            form = rng.choice([ContactForm.PHONE, ContactForm.PHONE, ContactForm.ONLINE])
            add(s.family_id, s.class_id, s.id, form, _day(rng, sem.starts_on, until), [head], "")
        p_home = 0.75 if entry else (0.6 if is_focus else 0.22)
        if rng.random() < p_home:
            with_ = (
                [rng.choice(subject_teachers)] if subject_teachers and rng.random() < 0.4 else []
            )
            add(
                s.family_id, s.class_id, s.id, ContactForm.HOME_VISIT,
                _day(rng, sem.starts_on - timedelta(days=20 if entry else 0), until),
                [head, *with_], s.address,
            )  # fmt: skip
        if earlier and rng.random() < 0.35:
            old = rng.choice(earlier[-2:])
            add(
                s.family_id, s.class_id, s.id, ContactForm.HOME_VISIT,
                _day(rng, old.starts_on, old.ends_on), [head], s.address, ContactStatus.REVIEWED,
            )  # fmt: skip
        for t in subject_teachers:
            r = rng.random()
            times = 2 if r < 0.12 else (1 if r < 0.3 else 0)
            for _ in range(times):
                form = rng.choice(
                    [ContactForm.PHONE, ContactForm.ONLINE, ContactForm.SCHOOL_MEETING]
                )
                add(s.family_id, s.class_id, s.id, form, _day(rng, sem.starts_on, until), [t], "")
    # A record of the demo teacher's sent back for more detail, to show the review loop.
    if demo_teacher_id is not None:
        for i, links in enumerate(teacher_links):
            if links[0] == demo_teacher_id and contacts[i]["form"] is ContactForm.HOME_VISIT:
                contacts[i]["status"] = ContactStatus.RETURNED
                contacts[i]["review_comment"] = "请补充孩子上下学路上的安全情况和家长的具体意见。"
                break
    if not contacts:
        return 0
    ids = db.session.scalars(
        insert(Contact).returning(Contact.id, sort_by_parameter_order=True), contacts
    ).all()
    db.session.execute(
        insert(ContactTeacher),
        [
            {"contact_id": cid, "teacher_id": t}
            for cid, ts in zip(ids, teacher_links, strict=True)
            for t in ts
        ],
    )
    db.session.execute(
        insert(ContactFamily),
        [
            {"contact_id": cid, "family_id": c["family_id"]}
            for cid, c in zip(ids, contacts, strict=True)
        ],
    )
    db.session.execute(
        insert(ContactStudent),
        [
            {"contact_id": cid, "student_id": sid}
            for cid, sid in zip(ids, student_links, strict=True)
        ],
    )
    return len(ids)
