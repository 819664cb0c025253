"""The large demo district's contacts (demo/bulk.py): every semester of the demo calendar up to
today, each school and class with its own diligence so that the figures differ (head teachers
reach 60–95 % of their families by phone or online), home visits (most first-grade families,
focus students more often), subject teachers' calls and meetings, parents' meetings and group
visits listing several families, a few contacts with two teachers present, and a few withdrawn
and returned records with their history (the revision the service would keep)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from gridapp.contacts.rules import ENTRY_LEVELS
from gridapp.contacts.services import entered_days_late
from gridapp.core.time import SHANGHAI, local
from gridapp.demo.bulk_people import School
from gridapp.demo.bulk_writer import Writer
from gridapp.demo.contacts import (
    ENVIRONMENT,
    FOLLOW_UP,
    GUIDANCE,
    HABITS,
    OPINIONS,
    SAID,
    SITUATION,
)

MEMBERS = ["母亲", "父亲", "母亲、祖母", "父亲、母亲", "祖母"]
RETURN_COMMENT = "请补充孩子上下学路上的安全情况和家长的具体意见。"
WITHDRAW_REASON = "记录重复，已另行填写。"
# Expected calls or meetings of one subject teacher with one family in a semester.
SUBJECT_TWICE, SUBJECT_ONCE = 0.12, 0.36


class Contacts:
    def __init__(self, rng: random.Random, w: Writer, today: date):
        self.rng, self.w, self.today = rng, w, today
        self.count = 0
        self.cols = w.columns("contacts")
        w.columns("contact_teachers")
        w.columns("contact_families")
        w.columns("contact_students")
        w.columns("contact_revisions")
        # The hot path builds tuples itself: check the column order it assumes.
        for name in ("contact_teachers", "contact_families", "contact_students"):
            assert w.columns(name)[0] == "id" and w.columns(name)[1] == "contact_id", name
        self.at = {}
        # The demo teacher's first home visit of this semester is returned for more detail (the
        # review loop to show), as in the small demo: (teacher id, semester start).
        self.return_once: tuple[int, date] | None = None

    def _created(self, on: date) -> datetime:
        got = self.at.get(on)
        if got is None:
            moment = time(20, 30) if on < self.today else time(7, 30)
            got = self.at[on] = datetime.combine(on, moment, tzinfo=SHANGHAI)
        return got

    def add(self, school: School, reviewer: int, family_id: int, on: date, form: str,
            teachers: list[int], families: list[int], students: list[int],
            place: str = "") -> int:  # fmt: skip
        rng, w = self.rng, self.w
        home = form == "home_visit"
        cid = w.next_id("contacts")
        created = self._created(on)
        old = (self.today - on).days
        r = rng.random()
        status, version, comment, reviewed_by, reviewed_at = "submitted", 1, "", None, None
        once = self.return_once
        if once is not None and home and teachers[0] == once[0] and on >= once[1]:
            self.return_once = None
            r = 0.009  # returned
        if r < 0.006:
            status, version = "withdrawn", 2
        elif r < 0.011:
            status, version, comment = "returned", 2, RETURN_COMMENT
        elif r < (0.85 if old > 21 else 0.35):
            status = "reviewed"
        if status in ("reviewed", "returned"):
            reviewed_by = reviewer
            reviewed_at = min(
                created + timedelta(days=rng.randint(1, 6)), self._created(self.today)
            )
        values = dict(
            id=cid, school_id=school.id, family_id=family_id, recorded_by_id=teachers[0],
            contact_on=on, form=form, place=place if form in ("home_visit", "group") else "",
            members_met=rng.choice(MEMBERS),
            family_situation=rng.choice(SITUATION) if home else "",
            habits_at_home=rng.choice(HABITS), growth_environment=rng.choice(ENVIRONMENT) if home else "",
            said_about_school=rng.choice(SAID), guidance_given=rng.choice(GUIDANCE),
            parents_opinions=rng.choice(OPINIONS), follow_up=rng.choice(FOLLOW_UP),
            pledge_confirmed=home, status=status, review_comment=comment,
            reviewed_by_id=reviewed_by, reviewed_at=reviewed_at, version=version,
            client_token=f"bulk-{cid}", created_at=created, updated_at=reviewed_at or created,
            joint_visitors="",
            # Most door visits saw the drowning-prevention letter delivered (no draw: the
            # random sequence of the rest stays as it was).
            drowning_letter_delivered=home and family_id % 4 != 0,
            entered_days_late=entered_days_late(local(created).date(), on),
        )  # fmt: skip
        w.add("contacts", tuple(values[k] for k in self.cols))
        teachers = list(dict.fromkeys(teachers))
        for t in teachers:
            w.add("contact_teachers", (w.next_id("contact_teachers"), cid, t))
        for f in families:
            w.add("contact_families", (w.next_id("contact_families"), cid, f))
        for s in students:
            w.add("contact_students", (w.next_id("contact_students"), cid, s))
        if version == 2:  # the record as it was before it was returned or withdrawn
            snap = {k: values[k] for k in ("place", "members_met", "pledge_confirmed",
                                           "family_situation", "habits_at_home",
                                           "growth_environment", "said_about_school",
                                           "guidance_given", "parents_opinions", "follow_up")}  # fmt: skip
            snap.update(contact_on=on.isoformat(), form=form, status="submitted",
                        review_comment="", teacher_ids=teachers, student_ids=students)  # fmt: skip
            withdrawn = status == "withdrawn"
            w.row(
                "contact_revisions", contact_id=cid, version=1,
                action="withdraw" if withdrawn else "return",
                changed_by_id=teachers[0] if withdrawn else reviewer,
                changed_at=created + timedelta(hours=2) if withdrawn else reviewed_at,
                snapshot=snap, note=WITHDRAW_REASON if withdrawn else RETURN_COMMENT,
            )  # fmt: skip
        self.count += 1
        return cid


def _day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build_school(c: Contacts, school: School, diligence: float) -> None:
    """Every class's contacts in every semester that has begun (up to today)."""
    rng, today = c.rng, c.today
    reviewers = [school.principal_id, school.secretary_id, school.admin_id]
    for klass in school.classes:
        d = min(0.99, max(0.45, rng.gauss(diligence, 0.07)))
        by_family: dict[int, list[int]] = {}
        address: dict[int, str] = {}
        for sid, fid, addr in klass.students:
            by_family.setdefault(fid, []).append(sid)
            address[fid] = addr
        families = list(by_family)
        focus = {f for f, ss in by_family.items() if any(s in school.focus for s in ss)}
        subject = klass.subject_teachers
        for _sem_id, number, starts, ends in school.semesters:
            year_started = starts.year if number == 1 else starts.year - 1
            if starts > today or year_started < klass.enrolment_year:
                continue  # not begun, or the class had not started school yet
            entry = klass.level in ENTRY_LEVELS and starts.year == klass.enrolment_year
            entry = entry and number == 1
            until = min(ends, today)
            reviewer = rng.choice(reviewers)
            for fid in families:
                students = by_family[fid]
                if rng.random() < d:
                    form = "online" if rng.random() < 0.3 else "phone"
                    c.add(school, reviewer, fid, _day(rng, starts, until), form, [klass.head_id],
                          [fid], students)  # fmt: skip
                p_home = 0.9 * d if entry else (0.75 if fid in focus else 0.22 * d)
                if rng.random() < p_home:
                    with_ = [rng.choice(subject)] if subject and rng.random() < 0.3 else []
                    on = _day(rng, starts - timedelta(days=20 if entry else 0), until)
                    c.add(school, reviewer, fid, on, "home_visit", [klass.head_id, *with_],
                          [fid], students, address[fid])  # fmt: skip
                for t in subject:
                    r = rng.random() / d
                    times = 2 if r < SUBJECT_TWICE else (1 if r < SUBJECT_ONCE else 0)
                    for _i in range(times):
                        form = rng.choice(("phone", "online", "school_meeting"))
                        c.add(school, reviewer, fid, _day(rng, starts, until), form, [t], [fid],
                              students)  # fmt: skip
            # A parents' meeting of the class (亲子家长会) with its teachers, families who came.
            if rng.random() < 0.8 and families:
                came = [f for f in families if rng.random() < d] or families[:1]
                present = [klass.head_id, *rng.sample(subject, min(3, len(subject)))]
                c.add(school, reviewer, came[0], _day(rng, starts, until), "parent_child_meeting",
                      present, came, [s for f in came for s in by_family[f]])  # fmt: skip
            # Group visits (团体家访): a head teacher meets a few neighbouring families at once.
            for _i in range(rng.randint(0, 2)):
                group = rng.sample(families, min(len(families), rng.randint(2, 4)))
                c.add(school, reviewer, group[0], _day(rng, starts, until), "group",
                      [klass.head_id], group, [s for f in group for s in by_family[f]],
                      address[group[0]])  # fmt: skip
        c.w.maybe_flush()
