"""Demo parent-school courses for the first school (seed 004 §8): two past sessions with
families signed in class by class, one today whose code is open now (the demo parent can sign
in with it), and one online session next week."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core.time import SHANGHAI, local, now
from gridapp.extensions import db
from gridapp.parent_school import services
from gridapp.parent_school.models import CourseDelivery
from gridapp.people.models import Guardian
from gridapp.schools.models import Grade, School


def build(seed: int, today: date, school: School) -> int:
    """Publish the courses and sign-ins; returns how many courses were made (0 without a
    principal or a school year)."""
    rng = random.Random(seed + 19)
    principal = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .limit(1)
    )
    year = services.school_year_of(school.id, today)
    if principal is None or year is None:
        return 0
    grades = list(db.session.scalars(select(Grade.id).where(Grade.school_id == school.id)))
    first_day = max(year.starts_on, today - timedelta(days=60))
    instant = now()
    # Today's session runs around the present hour, so its code is open while one tries it.
    hour = min(max(local(instant).hour - 1, 0), 21)
    plans = [
        ("家庭教育中的有效沟通", "王丽华（市家庭教育指导中心）", first_day + timedelta(days=7),
         time(19, 0), time(21, 0), "2", True, [], "学校报告厅", 0.6),
        ("如何陪伴孩子度过低年级", "陈老师（德育处）", max(first_day, today - timedelta(days=10)),
         time(15, 30), time(17, 0), "1.5", False, grades[:2], "一楼会议室", 0.4),
        ("防溺水与假期安全", "李警官（南湖派出所）", today,
         time(hour, 0), time(hour + 2, 0), "2", True, [], "学校报告厅", 0.0),
        ("青春期前的亲子关系", "周敏（心理健康教师）", today + timedelta(days=7),
         time(19, 30), time(21, 0), "1.5", True, [], "", 0.0),
    ]  # fmt: skip
    # The demo parent's family was at the first session: their page shows a record.
    parent_families = set(
        db.session.scalars(
            select(Guardian.family_id)
            .join(User, User.id == Guardian.user_id)
            .where(User.username == "parent")
        )
    )
    made = 0
    for title, speaker, on, starts, ends, hours, whole, grade_ids, place, share in plans:
        online = not place
        data = services.CourseData(
            title=title, speaker=speaker, held_on=on, starts_at=starts, ends_at=ends,
            hours=Decimal(hours), whole_school=whole or not grade_ids, grade_ids=grade_ids,
            delivery=CourseDelivery.ONLINE if online else CourseDelivery.IN_PERSON,
            place=place, link="https://meeting.example.cn/parent-school" if online else "",
        )  # fmt: skip
        course = services.publish_course(principal, school, data, [], instant)
        made += 1
        if share and on < today:
            signed = datetime.combine(on, ends, SHANGHAI)
            for school_class in services.audience_classes(course):
                rows = services.class_families([school_class.id])[school_class.id]
                present = [
                    r.family_id
                    for r in rows
                    if rng.random() < share or (share > 0.5 and r.family_id in parent_families)
                ]
                services.mark_attendance(principal, course, school_class, present, signed)
    db.session.flush()
    return made
