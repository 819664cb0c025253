"""Demo 1+N pairing (issue 16): the `party` teacher paired with three focus students (a plan each,
one overdue for review, one revised; a few support log entries; one follow-up door visit recorded
as a contact), most students in need of every school paired through the proposal helper, and a
few of the first school left unpaired (and a head teacher's proposal waiting) so that the
principal's pairing page has work to do. Deterministic for the demo's seed."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts.models import (
    Contact,
    ContactFamily,
    ContactForm,
    ContactStudent,
    ContactTeacher,
)
from gridapp.core.time import SHANGHAI
from gridapp.extensions import db
from gridapp.pairing import services
from gridapp.pairing.models import (
    HelpKind,
    NeedDecision,
    Pairing,
    SupportLogEntry,
    SupportPlanVersion,
)
from gridapp.people.models import Student, StudentFocus
from gridapp.schools.models import School, SchoolClass, TeachingAssignment
from gridapp.schools.services import current_semester

SITUATIONS = [
    "父母在外地务工，平时由祖母照顾，祖母年纪大，辅导作业有困难。",
    "单亲家庭，母亲工作时间长，孩子放学后常一个人在家。",
    "家庭经济困难，孩子性格内向，在班上朋友不多。",
    "数学基础薄弱，上课跟不上时容易放弃，作业常拖欠。",
]
GOALS = {
    HelpKind.THOUGHT: "树立学习信心，养成按时完成作业的习惯。",
    HelpKind.STUDY: "数学单元测验达到及格，每周至少订正一次错题。",
    HelpKind.PSYCHOLOGY: "愿意主动和老师、同学交流，情绪低落时能说出来。",
    HelpKind.LIFE: "按时吃早饭，冬季衣物齐全，上下学有人接送。",
}
LOG = [
    (HelpKind.STUDY, "放学后辅导分数加减法，讲解错题三道。", "能独立完成同类题目。",
     "下周检查单元练习。"),
    (HelpKind.PSYCHOLOGY, "课间谈心，聊最近在家的情况和班上的朋友。", "孩子愿意多说话了。",
     "邀请参加班级读书角。"),
    (HelpKind.LIFE, "了解到孩子冬季校服偏小，联系学校换发新校服。", "已换发。", ""),
    (HelpKind.THOUGHT, "一起制订每天的作业计划表，贴在书桌前。", "本周作业全部按时交。",
     "继续坚持，两周后回顾。"),
]  # fmt: skip
CAP_TO_LEAVE = 5  # students in need of the first school left unpaired for the principal


def _at(on: date) -> datetime:
    return datetime.combine(on, time(16, 30), tzinfo=SHANGHAI)


def _leader(school_id: int) -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PRINCIPAL, UserRole.school_id == school_id)
        .order_by(User.id)
        .limit(1)
    )


def build(seed: int, today: date, schools: list[School]) -> int:
    """Pairings for every school; returns how many were made."""
    rng = random.Random(seed + 1616)
    made = 0
    for n, school in enumerate(schools):
        leader = _leader(school.id)
        if leader is None:
            continue
        party = None
        if n == 0:
            party = db.session.scalar(select(User).where(User.username == "party"))
            if party is not None:
                made += _party(today, school, leader, party)
        # The first school keeps a few for the principal; the others reach 90 % and 70 %.
        share = (1.0, 0.9, 0.7)[n % 3]
        made += _propose_and_apply(rng, today, school, leader, party, share, n == 0)
    _history(rng, today, [s.id for s in schools])
    return made


def _party(today: date, school: School, leader: User, party: User) -> int:
    """The `party` teacher's three pairings: focus students of the classes they teach first."""
    taught = set(
        db.session.scalars(
            select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == party.id)
        )
    )
    focus = db.session.execute(
        select(Student.id, Student.class_id, Student.family_id)
        .join(StudentFocus, StudentFocus.student_id == Student.id)
        .where(Student.school_id == school.id, StudentFocus.ended_on.is_(None))
        .order_by(Student.id)
    ).all()
    ordered = [s for s in focus if s.class_id in taught] + [
        s for s in focus if s.class_id not in taught
    ]
    chosen = list(dict.fromkeys(ordered))[:3]
    if not chosen:
        return 0
    starts = [today - timedelta(days=d) for d in (56, 49, 20)][: len(chosen)]
    pairings = []
    for s, on in zip(chosen, starts, strict=True):
        pairings += services.pair(leader, school.id, party.id, [s.id], on, today,
                                  reason="重点对象，需要一对一帮扶")  # fmt: skip
    semester = current_semester(school.id, today)
    sem_id = semester.id if semester else None
    plans, logs = [], []
    for i, p in enumerate(pairings):
        goals = {k.value: v for k, v in GOALS.items() if i != 2 or k is not HelpKind.LIFE}
        actions = [
            {"kind": HelpKind.STUDY.value, "what": "每周三放学后辅导数学一次",
             "due_on": (p.starts_on + timedelta(days=30)).isoformat()},
            {"kind": HelpKind.PSYCHOLOGY.value, "what": "每两周谈心一次",
             "due_on": (p.starts_on + timedelta(days=45)).isoformat()},
        ]  # fmt: skip
        first = dict(pairing_id=p.id, semester_id=sem_id, situation=SITUATIONS[i],
                     goals=goals, actions=actions, written_by_id=party.id)  # fmt: skip
        if i == 0:  # written at the start, its review date passed: overdue for review
            plans.append({**first, "version": 1, "review_on": today - timedelta(days=6),
                          "written_at": _at(p.starts_on + timedelta(days=5)), "note": ""})  # fmt: skip
        elif i == 1:  # revised after a month: two versions to compare
            plans.append({**first, "version": 1, "review_on": p.starts_on + timedelta(days=30),
                          "written_at": _at(p.starts_on + timedelta(days=4)), "note": ""})  # fmt: skip
            revised = {**goals, HelpKind.STUDY.value: "数学单元测验达到 70 分，错题当天订正。"}
            plans.append({**first, "version": 2, "goals": revised,
                          "review_on": today + timedelta(days=45),
                          "written_at": _at(p.starts_on + timedelta(days=30)),
                          "note": "学习目标提高；加上错题订正"})  # fmt: skip
        else:
            plans.append({**first, "version": 1, "review_on": today + timedelta(days=70),
                          "written_at": _at(p.starts_on + timedelta(days=3)), "note": ""})  # fmt: skip
        days = {0: (10, 31), 1: (12, 26, 44), 2: (8,)}[i]
        for j, d in enumerate(days):
            kind, done, outcome, next_step = LOG[(i + j) % len(LOG)]
            logs.append(dict(pairing_id=p.id, happened_on=p.starts_on + timedelta(days=d),
                             kind=kind, done=done, outcome=outcome, next_step=next_step,
                             written_by_id=party.id,
                             client_token=f"demo-party-{p.id}-{j}"))  # fmt: skip
    db.session.execute(insert(SupportPlanVersion), plans)
    db.session.execute(insert(SupportLogEntry), logs)
    # One follow-up door visit (回访) of the second pairing: a contact, recorded once.
    visited = next(s for s in chosen if s.id == pairings[min(1, len(pairings) - 1)].student_id)
    student = db.session.get(Student, visited.id)
    contact = Contact(
        school_id=school.id, family_id=visited.family_id, recorded_by_id=party.id,
        contact_on=today - timedelta(days=9), form=ContactForm.HOME_VISIT,
        place=student.address, members_met="祖母", pledge_confirmed=True,
        family_situation="祖母身体尚好，父母春节回家。孩子的书桌已整理好。",
        said_about_school="孩子说数学课能听懂一些了。",
        guidance_given="建议祖母每天晚饭后看一眼作业计划表，周末让孩子和父母视频通话。",
        follow_up="两周后电话回访。", client_token=f"demo-party-visit-{school.id}",
    )  # fmt: skip
    contact.teacher_links = [ContactTeacher(teacher_id=party.id)]
    contact.family_links = [ContactFamily(family_id=visited.family_id)]
    contact.student_links = [ContactStudent(student_id=visited.id)]
    db.session.add(contact)
    db.session.flush()
    return len(pairings)


def _propose_and_apply(rng: random.Random, today: date, school: School, leader: User,
                       party: User | None, share: float, keep_some: bool) -> int:  # fmt: skip
    """Pair `share` of the school's students in need as the proposal helper proposes, within
    each teacher's N and never more for `party`. The first school (`keep_some`) is paired as a
    leader would after adjusting: those the helper cannot place within N go to the least loaded
    Party-member teachers of other grades, and a few stay unpaired, each with a teacher the
    helper will propose within N (`party` among them), so the principal's page has work."""
    cap = services.settings(school.id).max_students
    load = defaultdict(int, services.loads(school.id))
    fits, stuck, kept = [], [], []
    for p in services.propose(school.id):
        if p.teacher is None or load[p.teacher.id] >= cap:
            stuck.append(p)
        elif party is not None and p.teacher.id == party.id:
            kept.append(p)  # `party` keeps their three; the principal may add these
            load[p.teacher.id] += 1
        else:
            fits.append(p)
            load[p.teacher.id] += 1
    if keep_some:
        spare = max(0, CAP_TO_LEAVE - len(kept))
        kept += rng.sample(fits, min(spare, len(fits)))
        chosen = [p for p in fits if p not in kept]
        reserved = {p.teacher.id for p in kept}
        others = [t for t in services.party_teachers(school.id)
                  if t.id not in reserved and (party is None or t.id != party.id)]  # fmt: skip
        for p in stuck:  # the leader's adjustment: someone of another grade with room
            room = [t for t in others if load[t.id] < cap]
            if not room:
                break
            teacher = min(room, key=lambda t: (load[t.id], t.name_key, t.id))
            load[teacher.id] += 1
            chosen.append(services.ProposedPair(p.student, teacher, ""))
    else:
        chosen = fits[: round(len(fits) * share)]
    by_teacher: dict[int, list[int]] = defaultdict(list)
    for p in chosen:
        by_teacher[p.teacher.id].append(p.student.id)
    made = 0
    for teacher_id, student_ids in sorted(by_teacher.items()):
        on = today - timedelta(days=rng.randint(15, 70))
        made += len(services.pair(leader, school.id, teacher_id, student_ids, on, today,
                                  reason="重点对象"))  # fmt: skip
    if keep_some:
        _proposed_mark(school, today)
    return made


def _proposed_mark(school: School, today: date) -> None:
    """The demo head teacher proposes adding a student of their class to those in need."""
    teacher = db.session.scalar(select(User).where(User.username == "teacher"))
    if teacher is None:
        return
    class_id = db.session.scalar(
        select(SchoolClass.id).where(SchoolClass.head_teacher_id == teacher.id).limit(1)
    )
    candidates = db.session.scalars(
        select(Student)
        .where(Student.class_id == class_id, ~services.in_need_condition())
        .order_by(Student.id)
        .limit(1)
    ).all()
    for student in candidates:
        services.mark_need(teacher, student, NeedDecision.INCLUDE,
                           "父亲近期住院，母亲独自照顾两个孩子，孩子情绪低落。")  # fmt: skip


def _history(rng: random.Random, today: date, school_ids: list[int]) -> None:
    """Plans and support log entries for the pairings the proposal made (not `party`'s, which
    have their own): most have a plan, some overdue for review, and up to three entries."""
    pairings = db.session.execute(
        select(Pairing.id, Pairing.starts_on, Pairing.teacher_id)
        .outerjoin(SupportPlanVersion, SupportPlanVersion.pairing_id == Pairing.id)
        .where(
            Pairing.school_id.in_(school_ids),
            Pairing.ends_on.is_(None),
            SupportPlanVersion.id.is_(None),
        )
        .order_by(Pairing.id)
    ).all()
    plans, logs = [], []
    for p in pairings:
        if rng.random() < 0.9:
            late = rng.random() < 0.1
            review = (
                today - timedelta(days=rng.randint(1, 10))
                if late
                else today + timedelta(days=rng.randint(20, 90))
            )
            plans.append(dict(pairing_id=p.id, version=1, situation=rng.choice(SITUATIONS),
                              goals={k.value: v for k, v in GOALS.items()}, actions=[],
                              review_on=review, written_by_id=p.teacher_id, note="",
                              written_at=_at(p.starts_on + timedelta(days=rng.randint(2, 12)))))  # fmt: skip
        for j in range(rng.choice((0, 1, 1, 2, 2, 3))):
            kind, done, outcome, next_step = rng.choice(LOG)
            on = min(today, p.starts_on + timedelta(days=rng.randint(3, 60)))
            logs.append(dict(pairing_id=p.id, happened_on=on, kind=kind, done=done,
                             outcome=outcome, next_step=next_step, written_by_id=p.teacher_id,
                             client_token=f"demo-log-{p.id}-{j}"))  # fmt: skip
    if plans:
        db.session.execute(insert(SupportPlanVersion), plans)
    if logs:
        db.session.execute(insert(SupportLogEntry), logs)
