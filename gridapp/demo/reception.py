"""Demo reception days for the first school: a monthly day (the first Wednesday), and a day next
week that already has a few bookings from parents without an account."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.extensions import db
from gridapp.reception import services
from gridapp.schools.models import School

TOPICS = ["课后服务时间", "孩子近期情绪低落", "校门口交通安全", "食堂饭菜", "作业量偏多"]


def build(seed: int, today: date, school: School) -> int:
    rng = random.Random(seed + 606)
    principal = db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .limit(1)
    )
    if principal is None:
        return 0
    data = services.DayData(
        starts=time(14, 0), ends=time(16, 30), room="行政楼一楼家长接待室", slot_minutes=20,
        capacity=2, buffer_minutes=5, opens_days_before=21, closes_hours_before=12,
        host_ids=[principal.id], allow_guests=True,
    )  # fmt: skip
    days, _skipped = services.publish_pattern(principal, school.id, 2, 1, 3, data, today)
    soon = today + timedelta(days=(3 - today.weekday()) % 7 + 7)  # Thursday next week
    day = services.publish_day(principal, school.id, soon, data, today)
    made = 0
    for slot in day.slots[:4]:
        for _i in range(rng.randint(1, 2)):
            services.book(
                slot,
                services.Request(
                    topic=rng.choice(TOPICS), description="", token="",
                    guest_name=rng.choice(["张", "王", "李", "陈", "刘"]) + rng.choice(["女士", "先生"]),
                    guest_mobile=f"13{rng.randint(100000000, 999999999)}",
                    guest_class=f"{rng.choice(['一', '二', '三', '四', '五', '六'])}年级（{rng.randint(1, 4)}）班",
                ),
                None, day.opens_at + timedelta(minutes=1),
            )  # fmt: skip
            made += 1
    db.session.flush()
    return len(days) + 1
