"""The large demo district's other histories (demo/bulk.py): parent grids with grid teachers, a
family log and a guidance activity per class; 1+N pairings of Party-member teachers with students
in need, with support plans and log entries; mailbox opinions as letters and cases in every state
(open, replied on time, replied late, overdue and escalated); reception days with bookings."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from gridapp.cases.mailbox import CODE_LENGTH, CROCKFORD, code_hash
from gridapp.cases.models import CaseCategory
from gridapp.cases.services import DEFAULT_WORKDAYS, ESCALATE_TO_DISTRICT_AFTER
from gridapp.core import text
from gridapp.core.time import SHANGHAI
from gridapp.demo.bulk_people import School
from gridapp.demo.bulk_writer import Writer
from gridapp.demo.grids import LOGS, TOPICS
from gridapp.demo.pairing import GOALS, LOG, SITUATIONS
from gridapp.demo.reception import TOPICS as RECEPTION_TOPICS
from gridapp.grids.services import default_grid_count
from gridapp.pairing.models import DEFAULT_MAX_STUDENTS
from gridapp.schools.workdays import WorkCalendar

LETTERS = [
    (CaseCategory.CANTEEN, "食堂饭菜", "孩子反映中午的饭菜偏咸，希望学校关注一下。"),
    (CaseCategory.SAFETY, "校门口交通", "放学时校门口车辆太多，希望增加护导老师。"),
    (CaseCategory.TEACHING, "作业时间", "希望老师布置作业时说明完成的大致时间。"),
    (CaseCategory.FEES, "课后服务收费", "课后服务的收费标准是什么，能否在家长群里公布？"),
    (CaseCategory.CAMPUS, "操场开放", "周末能否开放操场给附近的孩子锻炼？"),
    (CaseCategory.OTHER, "校服尺码", "新发的校服尺码偏小，能否调换？"),
]
REPLY = "感谢您的来信。学校已转交相关部门，下周起整改，整改情况将在家长群公布。"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def grids(rng: random.Random, w: Writer, school: School, today: date, skip_class: int | None):
    """Grids of every class (but `skip_class`, which its head teacher divides in the demo)."""
    made = 0
    for klass in school.classes:
        if klass.id == skip_class:
            continue
        families = list(dict.fromkeys(fid for _s, fid, _a in klass.students))
        if not families:
            continue
        k = default_grid_count(len(families))
        keepers = [klass.head_id, *klass.subject_teachers]
        for number in range(1, k + 1):
            members = families[number - 1 :: k]
            keeper = keepers[(number - 1) % len(keepers)]
            gid = w.row("grids", class_id=klass.id, school_id=school.id, number=number,
                        name=f"第{number}网格", grid_teacher_id=keeper)[0]  # fmt: skip
            made += 1
            for fid in members:
                w.row("grid_members", grid_id=gid, class_id=klass.id, family_id=fid)
                if rng.random() < 0.1:
                    kind = rng.choice(list(LOGS))
                    w.row("grid_logs", school_id=school.id, grid_id=gid, family_id=fid,
                          author_id=keeper, happened_on=today - timedelta(days=rng.randint(1, 70)),
                          kind=kind, text=rng.choice(LOGS[kind]))  # fmt: skip
        topic, place = rng.choice(TOPICS)
        aid = w.row("guidance_activities", school_id=school.id, class_id=klass.id, topic=topic,
                    held_on=today - timedelta(days=rng.randint(5, 60)), place=place,
                    speaker="班主任", created_by_id=klass.head_id)[0]  # fmt: skip
        for fid in families:
            if rng.random() < 0.7:
                w.row("guidance_attendance", activity_id=aid, family_id=fid)
    w.maybe_flush()
    return made


def pairings(rng: random.Random, w: Writer, school: School, today: date, share: float,
             first_party: int | None) -> int:  # fmt: skip
    """Each focus student paired with a Party-member teacher of their class when one has room
    (N of 1+N), else the least loaded one; `share` of them paired. Most pairings have a plan."""
    party = [t for t, is_party in school.teachers if is_party]
    if not party:
        return 0
    class_of = {s: k for k in school.classes for s, _f, _a in k.students}
    load = dict.fromkeys(party, 0)
    current = [s for s in school.semesters if s[2] <= today][-1]
    made = 0
    students = sorted(school.focus)
    if first_party is not None:  # `party` takes the first three of the first school's
        first = students[:3]
        students = first + students[3:]
    for i, sid in enumerate(students):
        if first_party is None and rng.random() > share:
            continue
        if first_party is not None and i >= 3 and i >= len(students) - 5:
            continue  # a few left unpaired for the first school's principal
        klass = class_of[sid]
        if first_party is not None and i < 3:
            teacher = first_party
        else:
            own = [t for t in [klass.head_id, *klass.subject_teachers]
                   if t in load and load[t] < DEFAULT_MAX_STUDENTS and t != first_party]  # fmt: skip
            pool = own or [t for t in party if load[t] < DEFAULT_MAX_STUDENTS and t != first_party]
            if not pool:
                continue
            teacher = min(pool, key=lambda t: (load[t], t))
        load[teacher] = load.get(teacher, 0) + 1
        starts = today - timedelta(days=rng.randint(15, 70))
        pid = w.row("pairings", school_id=school.id, student_id=sid, teacher_id=teacher,
                    starts_on=starts, reason="重点对象", created_by_id=school.principal_id,
                    created_at=_at(starts, 9), updated_at=_at(starts, 9))[0]  # fmt: skip
        made += 1
        if rng.random() < 0.9:
            late = rng.random() < 0.1
            review = (today - timedelta(days=rng.randint(1, 10)) if late
                      else today + timedelta(days=rng.randint(20, 90)))  # fmt: skip
            w.row("support_plan_versions", pairing_id=pid, version=1, semester_id=current[0],
                  situation=rng.choice(SITUATIONS), goals={k.value: v for k, v in GOALS.items()},
                  actions=[], review_on=review, written_by_id=teacher, note="",
                  written_at=_at(min(today, starts + timedelta(days=rng.randint(2, 12))), 17))  # fmt: skip
        for j in range(rng.choice((0, 1, 1, 2, 2, 3))):
            kind, done, outcome, next_step = rng.choice(LOG)
            on = min(today, starts + timedelta(days=rng.randint(3, 60)))
            w.row("support_log_entries", pairing_id=pid, happened_on=on, kind=kind, done=done,
                  outcome=outcome, next_step=next_step, written_by_id=teacher,
                  client_token=f"bulk-log-{pid}-{j}", created_at=_at(on, 18),
                  updated_at=_at(on, 18))  # fmt: skip
    w.maybe_flush()
    return made


class Cases:
    """Mailbox letters and their cases; deadlines counted as cases.services.set_deadline does
    (DEFAULT_WORKDAYS working days after the day received, by schools/workdays.py)."""

    def __init__(self, rng: random.Random, w: Writer, today: date):
        self.rng, self.w, self.today = rng, w, today
        self.calendar = WorkCalendar()  # no district schedule, no closures in the demo
        self._due: dict[date, tuple[date, bool]] = {}
        self.count = 0

    def due(self, received: date) -> tuple[date, bool]:
        if received not in self._due:
            d = self.calendar.add_workdays(received, DEFAULT_WORKDAYS)
            self._due[received] = (d.due_on, d.estimated)
        return self._due[received]

    def school(self, school: School, n: int) -> None:
        rng, w, today = self.rng, self.w, self.today
        classes = school.classes
        yesterday = today - timedelta(days=1)
        for _i in range(n):
            category, subject, words = rng.choice(LETTERS)
            r = rng.random()
            if r < 0.12:
                kind, back = "fresh", rng.randint(0, 4)  # not yet due
            elif r < 0.22:
                kind, back = "overdue", rng.randint(10, 60)
            elif r < 0.37:
                kind, back = "late", rng.randint(10, 300)
            else:
                kind, back = "ontime", rng.randint(8, 300)
            received_on = today - timedelta(days=back)
            received = _at(received_on, rng.randint(7, 21), rng.randint(0, 59))
            due_on, estimated = self.due(received_on)
            case = dict(school_id=school.id, source="mailbox", category=category,
                        subject=subject, words=words, wants_answer=True, received_at=received,
                        due_on=due_on, due_from=received_on, due_workdays=DEFAULT_WORKDAYS,
                        due_estimated=estimated, created_at=received)  # fmt: skip
            cid = w.next_id("cases")
            case["id"] = cid
            events = [(received, None, "collect", "", False)]
            staff = school.admin_id
            if kind == "fresh":
                case["status"] = "collected" if back == 0 else "registered"
            else:
                registered = received + timedelta(hours=rng.randint(1, 20))
                events.append((registered, staff, "register", "", False))
                case["status"] = "assigned"
                case.update(assignee_id=school.secretary_id, assigned_at=registered)
                events.append((registered, school.principal_id, "assign", "", False))
            if kind in ("ontime", "late"):
                if kind == "ontime":
                    replied = _at(min(due_on, yesterday), 16) - timedelta(days=rng.randint(0, 3))
                    replied = max(replied, received + timedelta(hours=3))
                else:
                    replied = _at(min(due_on + timedelta(days=rng.randint(1, 9)), yesterday), 16)
                case.update(status="replied", reply=REPLY, replied_at=replied)
                events.append((replied, school.principal_id, "reply", REPLY, True))
            if kind == "overdue":
                late = self.calendar.workdays_between(due_on, today)
                level = 2 if late >= ESCALATE_TO_DISTRICT_AFTER else 1
                escalated = _at(due_on + timedelta(days=1), 8)
                case.update(escalation=level, escalated_at=escalated)
                events.append((escalated, None, "escalate", "已逾期，报校长", False))
                if level == 2:
                    events.append((escalated, None, "escalate", "逾期未办，报教育局", False))
            case["updated_at"] = events[-1][0]
            w.row("cases", **case)
            for at, actor, action, note, public in events:
                w.row("case_events", case_id=cid, at=at, actor_id=actor, action=action,
                      note=note, public=public)  # fmt: skip
            code = "".join(rng.choice(CROCKFORD) for _j in range(CODE_LENGTH))
            anonymous = rng.random() < 0.2
            klass = rng.choice(classes)
            w.row("letters", school_id=school.id, category=category, subject=subject,
                  content=words, anonymous=anonymous,
                  writer_name="" if anonymous else "家长",
                  writer_phone="" if anonymous else f"139{rng.randrange(10**8):08d}",
                  child_class="" if anonymous else text.normalise_class_name(klass.name),
                  code_hash=code_hash(code), case_id=cid, created_at=received,
                  updated_at=received)  # fmt: skip
            self.count += 1
        w.maybe_flush()


def reception(rng: random.Random, w: Writer, school: School, today: date) -> int:
    """A monthly reception day (the first Wednesday) from the school year's start to two months
    ahead, 14:00–16:30 in slots of 20 minutes for two; past days' bookings attended (or not)."""
    host = school.principal_id
    pattern = w.row("reception_patterns", school_id=school.id, weekday=2, nth=1,
                    created_by_id=host)[0]  # fmt: skip
    year = school.semesters[-2][2].year  # this school year's start
    days = 0
    for m in range(0, 12):
        month = date(year + (8 + m) // 12, (8 + m) % 12 + 1, 1)
        on = month + timedelta(days=(2 - month.weekday()) % 7)
        if on > today + timedelta(days=62):
            break
        opens = _at(on - timedelta(days=21), 8)
        closes = _at(on, 14) - timedelta(hours=12)
        did = w.row("reception_days", school_id=school.id, pattern_id=pattern, on=on,
                    starts=time(14, 0), ends=time(16, 30), room="行政楼一楼家长接待室",
                    slot_minutes=20, capacity=2, buffer_minutes=5, opens_at=opens,
                    closes_at=closes, host_ids=[host], allow_guests=True, status="published",
                    created_by_id=host, created_at=opens, updated_at=opens)[0]  # fmt: skip
        days += 1
        start = _at(on, 14)
        while start + timedelta(minutes=20) <= _at(on, 16, 30):
            end = start + timedelta(minutes=20)
            booked = rng.randint(0, 2) if opens.date() <= today else 0
            slot = w.row("reception_slots", day_id=did, starts_at=start, ends_at=end,
                         capacity=2, booked=booked)[0]  # fmt: skip
            for _b in range(booked):
                status = (
                    "booked" if on >= today else ("attended" if rng.random() < 0.85 else "no_show")
                )
                code = "".join(rng.choice(CROCKFORD) for _j in range(CODE_LENGTH))
                bid = w.next_id("reception_bookings")
                w.row("reception_bookings", id=bid, school_id=school.id, day_id=did,
                      slot_id=slot, status=status,
                      guest_name=text.normalise_name(rng.choice("张王李陈刘") + rng.choice(("女士", "先生"))),
                      guest_mobile=f"13{rng.randint(100000000, 999999999)}",
                      guest_class=text.normalise_class_name(rng.choice(school.classes).name),
                      code_hash=code_hash(code), topic=rng.choice(RECEPTION_TOPICS),
                      uid=f"reception-bulk-{bid}@gridapp", created_at=opens + timedelta(hours=2),
                      updated_at=opens + timedelta(hours=2))  # fmt: skip
            start = end + timedelta(minutes=5)
    return days
