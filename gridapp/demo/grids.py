"""Demo parent grids for the first school: every class but the demo head teacher's own (which they
divide themselves from the proposal), with grid family log entries, guidance activities with
attendance and a few relayed opinions."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from gridapp.accounts.models import User
from gridapp.cases import services as cases
from gridapp.cases.models import CaseCategory
from gridapp.extensions import db
from gridapp.grids import services
from gridapp.grids.models import GridLog, GridLogKind, GuidanceActivity, GuidanceAttendance
from gridapp.schools.models import School, SchoolClass

LOGS = {
    GridLogKind.GUIDANCE: [
        "与家长交流孩子的作息安排，建议晚上九点半前睡觉。",
        "指导家长如何陪伴孩子阅读，推荐了三本课外书。",
        "和家长谈手机使用的约定，家长表示回去和孩子商量。",
    ],
    GridLogKind.HELP: [
        "联系学校为孩子减免了课后服务费用。",
        "送去冬衣和学习用品。",
        "帮助家长联系社区的心理辅导老师。",
    ],
    GridLogKind.NOTE: [
        "家长换了新的手机号码，已更新。",
        "孩子最近由奶奶接送。",
        "家长希望多了解孩子在校的表现。",
    ],
}
TOPICS = [
    ("亲子沟通的方法", "学校报告厅"),
    ("如何培养孩子的阅读习惯", "班级教室"),
    ("青春期孩子的心理特点", "心理辅导室"),
    ("家庭安全教育：防溺水与交通安全", "学校报告厅"),
]
OPINIONS = [
    (CaseCategory.CANTEEN, "孩子反映中午的饭菜偏咸，希望学校关注一下。"),
    (CaseCategory.SAFETY, "放学时校门口车辆太多，希望增加护导老师。"),
    (CaseCategory.TEACHING, "希望老师布置作业时说明完成的大致时间。"),
]


def build(seed: int, today: date, school: School, demo_teacher_id: int | None) -> int:
    """Grids for the school's classes; returns how many grids were made."""
    rng = random.Random(seed + 505)
    classes = db.session.scalars(
        select(SchoolClass).where(SchoolClass.school_id == school.id).order_by(SchoolClass.id)
    ).all()
    made = 0
    logs, attendance_rows = [], []
    for school_class in classes:
        if school_class.head_teacher_id is None or school_class.head_teacher_id == demo_teacher_id:
            continue
        head = db.session.get(User, school_class.head_teacher_id)
        families = services.class_families(school_class.id)
        if not families:
            continue
        grids = services.create_grids(
            head, school_class, services.default_grid_count(len(families))
        )
        made += len(grids)
        for grid in grids:
            for member in grid.members:
                if rng.random() < 0.35:
                    kind = rng.choice(list(LOGS))
                    logs.append(
                        {
                            "school_id": school.id,
                            "grid_id": grid.id,
                            "family_id": member.family_id,
                            "author_id": head.id,
                            "happened_on": today - timedelta(days=rng.randint(1, 70)),
                            "kind": kind,
                            "text": rng.choice(LOGS[kind]),
                        }
                    )
            if rng.random() < 0.3:
                category, words = rng.choice(OPINIONS)
                family_id = rng.choice(grid.members).family_id
                # Said on a day in the past weeks: the deadline runs from then, some are
                # overdue by now.
                case = cases.relay_from_grid(
                    head, grid, family_id, category, words, True,
                    received_on=today - timedelta(days=rng.randint(1, 20)),
                )  # fmt: skip
                db.session.flush()
                case.created_at = case.received_at + timedelta(hours=rng.randint(8, 16))
                if rng.random() < 0.5:
                    cases.reply(
                        _principal(school), case, "已转交相关部门，下周起整改，感谢家长的建议。"
                    )
                    case.replied_at = case.created_at + timedelta(hours=rng.randint(3, 60))
        topic, place = rng.choice(TOPICS)
        activity = GuidanceActivity(
            school_id=school.id,
            class_id=school_class.id,
            topic=topic,
            held_on=today - timedelta(days=rng.randint(5, 60)),
            place=place,
            speaker=head.name,
            created_by_id=head.id,
        )
        db.session.add(activity)
        db.session.flush()
        for fam in families:
            if rng.random() < 0.7:
                attendance_rows.append({"activity_id": activity.id, "family_id": fam.family_id})
    if logs:
        db.session.execute(insert(GridLog), logs)
    if attendance_rows:
        db.session.execute(insert(GuidanceAttendance), attendance_rows)
    db.session.flush()
    cases.check_deadlines(today)
    return made


def _principal(school: School) -> User:
    from gridapp.accounts.models import Role, UserRole

    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school.id)
        .limit(1)
    )
