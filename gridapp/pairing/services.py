"""The rules of 1+N pairing: who is in need, pairing and its cap, the proposal helper, ending and
moving a pairing. Seed 004 §10 (1 党员教师 + N 困难学生, 党组织制定结对帮扶管理办法), §11 (留守儿童、
建档立卡、低收入、学习及身心发展困难为重点, 应帮尽帮 全覆盖); seed 003 二 (一对一结对子).

Services add and flush, never commit. A broken rule raises `RuleViolation(message, field)`;
"at most one active pairing per student" is held by the index `ix_pairings_one_active`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.sql import Select

from gridapp.accounts.models import Role, User, UserRole
from gridapp.core import audit, unique
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.models import utcnow
from gridapp.core.permissions import cached
from gridapp.extensions import db
from gridapp.pairing.models import (
    DEFAULT_MAX_STUDENTS,
    OPEN_MARK_STATUSES,
    NeedDecision,
    NeedMark,
    NeedMarkStatus,
    Pairing,
    PairingSettings,
)
from gridapp.people.models import Student, StudentFocus, StudentStatus
from gridapp.schools.models import Grade, SchoolClass, TeachingAssignment
from gridapp.schools.permissions import headed_class_ids, is_school_leader

REASON_LIMIT = 500


class OverCap(RuleViolation):
    """The teacher would hold more than the school's N: the leader may confirm and go on."""

    def __init__(self, message: str, teacher_id: int, load: int, cap: int):
        super().__init__(message, field="confirm_over_cap")
        self.teacher_id, self.load, self.cap = teacher_id, load, cap


# ---- settings --------------------------------------------------------------------------------------


def settings(school_id: int) -> PairingSettings:
    """The school's pairing settings (defaults when it kept none; not added to the session)."""
    row = db.session.get(PairingSettings, school_id)
    return row or PairingSettings(
        school_id=school_id, max_students=DEFAULT_MAX_STUDENTS, log_every_days=31,
        plan_within_days=14,
    )  # fmt: skip


def save_settings(actor: User, school_id: int, max_students: int, log_every_days: int,
                  plan_within_days: int) -> PairingSettings:  # fmt: skip
    """Keep the school's N (1–50), the support log's rhythm in days (7–120) and the days a new
    pairing has to get its plan (1–60). RuleViolation naming the field outside those ranges."""
    for field, value, low, high in (
        ("max_students", max_students, 1, 50),
        ("log_every_days", log_every_days, 7, 120),
        ("plan_within_days", plan_within_days, 1, 60),
    ):
        if value is None or not low <= value <= high:
            raise RuleViolation(_("请填写 %(a)d 到 %(b)d 之间的整数", a=low, b=high), field=field)
    row, _created = unique.one_row(
        PairingSettings, {"school_id": school_id}, lambda: PairingSettings(school_id=school_id)
    )
    row.max_students, row.log_every_days = max_students, log_every_days
    row.plan_within_days = plan_within_days
    audit.record(actor, "pairing.settings", school_id=school_id, max_students=max_students,
                 log_every_days=log_every_days, plan_within_days=plan_within_days)  # fmt: skip
    return row


# ---- students in need ------------------------------------------------------------------------------


def _open_focus():
    return exists().where(StudentFocus.student_id == Student.id, StudentFocus.ended_on.is_(None))


def _mark(decision: NeedDecision, statuses):
    return exists().where(
        NeedMark.student_id == Student.id,
        NeedMark.decision == decision,
        NeedMark.status.in_(statuses),
    )


def in_need_condition():
    """SQL condition on `Student`: the student is in need. A focus student (open category) or
    one added by a head teacher or leader (an include mark, proposed or confirmed: help is not
    held up while a leader confirms), unless a leader confirmed their removal."""
    return and_(
        Student.status == StudentStatus.ACTIVE,
        or_(_open_focus(), _mark(NeedDecision.INCLUDE, list(OPEN_MARK_STATUSES))),
        ~_mark(NeedDecision.EXCLUDE, [NeedMarkStatus.CONFIRMED]),
    )


def active_pairing_exists():
    """SQL condition on `Student`: the student has an active pairing."""
    return exists().where(Pairing.student_id == Student.id, Pairing.ends_on.is_(None))


def in_need_query(school_id: int) -> Select:
    """Students in need of the school, in class and pinyin order: Select of Student."""
    return (
        select(Student)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(Student.school_id == school_id, in_need_condition())
        .order_by(Grade.level, SchoolClass.number, Student.name_key, Student.id)
    )


def unpaired_in_need(school_id: int) -> list[Student]:
    """The school's students in need with no active pairing (the target is none: 应帮尽帮,
    seed 004 §11), in class and pinyin order."""
    return list(db.session.scalars(in_need_query(school_id).where(~active_pairing_exists())))


def is_in_need(student: Student) -> bool:
    """Whether one student is in need (see `in_need_condition`)."""
    q = select(Student.id).where(Student.id == student.id, in_need_condition())
    return db.session.scalar(q) is not None


def focus_categories(student_ids: Iterable[int]) -> dict[int, list]:
    """Open focus categories per student id: {student_id: [FocusCategory, ...]}."""
    ids = sorted(set(student_ids))
    out: dict[int, list] = defaultdict(list)
    if not ids:
        return out
    q = select(StudentFocus.student_id, StudentFocus.category).where(
        StudentFocus.student_id.in_(ids), StudentFocus.ended_on.is_(None)
    )
    for sid, category in db.session.execute(q):
        out[sid].append(category)
    return out


def open_marks(student_ids: Iterable[int]) -> dict[int, NeedMark]:
    """The open need mark (proposed or confirmed) of each student that has one."""
    ids = sorted(set(student_ids))
    if not ids:
        return {}
    q = select(NeedMark).where(
        NeedMark.student_id.in_(ids), NeedMark.status.in_(list(OPEN_MARK_STATUSES))
    )
    return {m.student_id: m for m in db.session.scalars(q)}


def proposed_marks(school_id: int) -> list[NeedMark]:
    """Marks waiting for a leader's decision, oldest first."""
    q = (
        select(NeedMark)
        .where(NeedMark.school_id == school_id, NeedMark.status == NeedMarkStatus.PROPOSED)
        .order_by(NeedMark.created_at, NeedMark.id)
    )
    return list(db.session.scalars(q))


def may_mark_need(user: User, student: Student) -> bool:
    """Who adds a student to those in need or proposes a removal: the head teacher of the
    student's class and the school's leaders (the leaders' marks are confirmed at once)."""
    return student.status == StudentStatus.ACTIVE and (
        student.class_id in headed_class_ids(user) or is_school_leader(user, student.school_id)
    )


def mark_need(actor: User, student: Student, decision: NeedDecision, reason: str) -> NeedMark:
    """Add a student to those in need (INCLUDE) or take one out (EXCLUDE), with a reason
    (required, at most 500 characters). A leader's mark is confirmed at once; a head teacher's
    waits for a leader (an include counts meanwhile). The open mark it replaces is ended.
    RuleViolation on the field "reason", or "decision" when it changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("请填写原因"), field="reason")
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=REASON_LIMIT), field="reason")
    in_need = is_in_need(student)
    if decision is NeedDecision.INCLUDE and in_need:
        current = open_marks([student.id]).get(student.id)
        if current is None or current.decision is NeedDecision.INCLUDE:
            raise RuleViolation(_("该学生已是帮扶对象"), field="decision")
    if decision is NeedDecision.EXCLUDE and not in_need:
        raise RuleViolation(_("该学生不是帮扶对象"), field="decision")
    leader = is_school_leader(actor, student.school_id)
    db.session.execute(
        update(NeedMark)
        .where(NeedMark.student_id == student.id, NeedMark.status.in_(list(OPEN_MARK_STATUSES)))
        .values(status=NeedMarkStatus.ENDED)
    )
    mark = NeedMark(
        school_id=student.school_id,
        student_id=student.id,
        decision=decision,
        status=NeedMarkStatus.CONFIRMED if leader else NeedMarkStatus.PROPOSED,
        reason=reason,
        proposed_by_id=actor.id,
        decided_by_id=actor.id if leader else None,
        decided_at=utcnow() if leader else None,
    )
    with unique.held(_("该学生已有待确认的申请，请刷新后再试"), field="decision"):
        db.session.add(mark)
    audit.record(actor, f"pairing.need.{decision.value}", student, mark=mark.status.value)
    return mark


def decide_mark(actor: User, mark: NeedMark, confirm: bool) -> None:
    """A leader confirms or rejects a head teacher's proposal. IllegalTransition (409) when it
    was decided already (two leaders at once: one decides)."""
    status = NeedMarkStatus.CONFIRMED if confirm else NeedMarkStatus.REJECTED
    done = db.session.execute(
        update(NeedMark)
        .where(NeedMark.id == mark.id, NeedMark.status == NeedMarkStatus.PROPOSED)
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise IllegalTransition(_("该申请已处理"))
    db.session.refresh(mark)
    audit.record(actor, "pairing.need.decide", mark, confirmed=confirm)


# ---- Party-member teachers and their load ----------------------------------------------------------


def party_teachers(school_id: int) -> list[User]:
    """The school's active teachers with the Party-member flag, in pinyin order."""
    q = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.school_id == school_id,
            UserRole.role == Role.TEACHER,
            User.active,
            User.is_party_member,
        )
        .order_by(User.name_key, User.id)
    )
    return list(db.session.scalars(q))


def loads(school_id: int) -> dict[int, int]:
    """Active pairings per teacher of the school: {teacher_id: count}."""
    q = (
        select(Pairing.teacher_id, func.count())
        .where(Pairing.school_id == school_id, Pairing.ends_on.is_(None))
        .group_by(Pairing.teacher_id)
    )
    return dict(db.session.execute(q).all())


def _check_teacher(school_id: int, teacher_id: int | None) -> User:
    teacher = db.session.get(User, teacher_id) if teacher_id else None
    if teacher is None or not teacher.active or not teacher.has_role(Role.TEACHER, school_id):
        raise RuleViolation(_("请选择本校的党员教师"), field="teacher_id")
    if not teacher.is_party_member:
        raise RuleViolation(_("%(name)s 不是党员教师，不能结对", name=teacher.name),
                            field="teacher_id")  # fmt: skip
    return teacher


def _check_students(school_id: int, student_ids: list[int]) -> list[Student]:
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        raise RuleViolation(_("请选择学生"), field="student_ids")
    students = list(db.session.scalars(select(Student).where(Student.id.in_(ids))))
    by_id = {s.id: s for s in students}
    for sid in ids:
        s = by_id.get(sid)
        if s is None or s.school_id != school_id:
            raise RuleViolation(_("只能选择本校的学生"), field="student_ids")
        if s.status != StudentStatus.ACTIVE:
            raise RuleViolation(_("%(name)s 已不在读，不能结对", name=s.name), field="student_ids")
    return [by_id[sid] for sid in ids]


def _check_dates(starts_on: date | None, today: date) -> date:
    if starts_on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-11-20"), field="starts_on")
    if starts_on > today:
        raise RuleViolation(_("开始日期不能晚于今天"), field="starts_on")
    return starts_on


def pair(
    actor: User,
    school_id: int,
    teacher_id: int | None,
    student_ids: list[int],
    starts_on: date | None,
    today: date,
    reason: str = "",
    over_cap_confirmed: bool = False,
    previous: Pairing | None = None,
) -> list[Pairing]:
    """Pair a Party-member teacher of the school with students of the school, from `starts_on`
    (not after today). Refused with RuleViolation: a teacher without the Party-member flag or of
    another school ("teacher_id"), a student of another school, one who left, or one already
    paired ("student_ids": the index decides when two leaders pair at once), a missing or future
    date ("starts_on"). Above the school's N the leader must confirm: `OverCap` (a RuleViolation
    on "confirm_over_cap") unless `over_cap_confirmed`. Seed 004 §10 (1+N)."""
    teacher = _check_teacher(school_id, teacher_id)
    students = _check_students(school_id, student_ids)
    starts_on = _check_dates(starts_on, today)
    reason = (reason or "").strip()
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=REASON_LIMIT), field="reason")
    paired = set(
        db.session.scalars(
            select(Pairing.student_id).where(
                Pairing.student_id.in_([s.id for s in students]), Pairing.ends_on.is_(None)
            )
        )
    )
    if paired:
        names = "、".join(s.name for s in students if s.id in paired)
        raise RuleViolation(_("%(names)s 已有结对教师", names=names), field="student_ids")
    cap = settings(school_id).max_students
    load = loads(school_id).get(teacher.id, 0)
    if load + len(students) > cap and not over_cap_confirmed:
        raise OverCap(
            _(
                "%(name)s 已结对 %(load)d 名学生，再结对 %(n)d 名将超过本校上限 %(cap)d 名；"
                "确需结对请勾选确认",
                name=teacher.name, load=load, n=len(students), cap=cap,
            ),
            teacher.id, load, cap,
        )  # fmt: skip
    made = []
    for s in students:
        p = Pairing(
            school_id=school_id,
            student_id=s.id,
            teacher_id=teacher.id,
            starts_on=starts_on,
            reason=reason,
            created_by_id=actor.id,
            previous_id=previous.id if previous is not None else None,
        )
        with unique.held(_("%(name)s 已有结对教师", name=s.name), field="student_ids"):
            db.session.add(p)
        made.append(p)
        audit.record(actor, "pairing.start", p, teacher_id=teacher.id, student_id=s.id)
    return made


def end_pairing(actor: User, pairing: Pairing, ends_on: date | None, reason: str,
                today: date) -> None:  # fmt: skip
    """End an active pairing on `ends_on` (not before its start, not after today) with a reason
    (required). RuleViolation on "ends_on" / "end_reason"; IllegalTransition (409) when it has
    ended already (two leaders at once: one ends it)."""
    if ends_on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-11-20"), field="ends_on")
    if ends_on < pairing.starts_on:
        raise RuleViolation(
            _("结束日期不能早于开始日期 %(d)s", d=pairing.starts_on.isoformat()), field="ends_on"
        )
    if ends_on > today:
        raise RuleViolation(_("结束日期不能晚于今天"), field="ends_on")
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("请填写结束原因"), field="end_reason")
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=REASON_LIMIT), field="end_reason")
    done = db.session.execute(
        update(Pairing)
        .where(Pairing.id == pairing.id, Pairing.ends_on.is_(None))
        .values(ends_on=ends_on, end_reason=reason, ended_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise IllegalTransition(_("该结对已结束"))
    db.session.refresh(pairing)
    audit.record(actor, "pairing.end", pairing, reason=reason)


def move_pairing(actor: User, pairing: Pairing, teacher_id: int | None, on: date | None,
                 reason: str, today: date, over_cap_confirmed: bool = False) -> Pairing:  # fmt: skip
    """Move a student to another Party-member teacher from `on`: this pairing ends that day with
    the reason, a new one starts (its `previous_id` is this one), the whole history stays. The
    same refusals as `pair` and `end_pairing`; the same teacher is refused on "teacher_id"."""
    if teacher_id == pairing.teacher_id:
        raise RuleViolation(_("请选择另一位党员教师"), field="teacher_id")
    _check_teacher(pairing.school_id, teacher_id)
    end_pairing(actor, pairing, on, reason, today)
    [new] = pair(actor, pairing.school_id, teacher_id, [pairing.student_id], on, today,
                 reason=pairing.reason, over_cap_confirmed=over_cap_confirmed,
                 previous=pairing)  # fmt: skip
    return new


def student_pairings(student_id: int) -> list[Pairing]:
    """Every pairing of the student, newest first (the history)."""
    q = (
        select(Pairing)
        .where(Pairing.student_id == student_id)
        .order_by(Pairing.starts_on.desc(), Pairing.id.desc())
    )
    return list(db.session.scalars(q))


def active_pairing(student_id: int) -> Pairing | None:
    """The student's active pairing, if any."""
    q = select(Pairing).where(Pairing.student_id == student_id, Pairing.ends_on.is_(None))
    return db.session.scalar(q)


def paired_student_ids(user: User) -> frozenset[int]:
    """The students the user is paired with now (cached for the request): they see them, record
    contacts with their families and keep their plan and log."""
    if not user.is_authenticated or not user.staff_school_ids:
        return frozenset()

    def compute():
        q = select(Pairing.student_id).where(
            Pairing.teacher_id == user.id,
            Pairing.ends_on.is_(None),
            Pairing.school_id.in_(sorted(user.school_ids_with(Role.TEACHER)) or [-1]),
        )
        return frozenset(db.session.scalars(q))

    return cached(("paired", user.id), compute)


def teacher_pairings(teacher_id: int, active_only: bool = True) -> list[Pairing]:
    """The teacher's pairings (active ones, or all), in class and pinyin order of the students."""
    q = (
        select(Pairing)
        .join(Student, Student.id == Pairing.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(Pairing.teacher_id == teacher_id)
        .order_by(Grade.level, SchoolClass.number, Student.name_key, Pairing.id)
    )
    if active_only:
        q = q.where(Pairing.ends_on.is_(None))
    return list(db.session.scalars(q))


def school_pairings(school_id: int, active_only: bool = True) -> Select:
    """The school's pairings in teacher and student pinyin order: Select of Pairing."""
    teacher = User.__table__.alias("pairing_teacher")
    q = (
        select(Pairing)
        .join(Student, Student.id == Pairing.student_id)
        .join(teacher, teacher.c.id == Pairing.teacher_id)
        .where(Pairing.school_id == school_id)
        .order_by(teacher.c.name_key, Pairing.teacher_id, Student.name_key, Pairing.id)
    )
    if active_only:
        q = q.where(Pairing.ends_on.is_(None))
    return q


# ---- the proposal helper ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedPair:
    """One line of the proposal: the student, the teacher proposed (None: nobody fits) and why."""

    student: Student
    teacher: User | None
    why: str


def propose(school_id: int) -> list[ProposedPair]:
    """Pair each unpaired student in need: a Party-member teacher who teaches the student's own
    class first, then the least loaded Party-member teacher teaching in the same grade, then the
    least loaded of the school; a teacher at the school's N is proposed only when every
    Party-member teacher is (the leader then confirms going over);
    never a teacher without the Party-member flag. Ties go to the teacher first in pinyin order.
    The loads grow as the proposal is made, so one run spreads the students. Nothing is written."""
    students = unpaired_in_need(school_id)
    teachers = {t.id: t for t in party_teachers(school_id)}
    load = defaultdict(int, loads(school_id))
    cap = settings(school_id).max_students
    if not students:
        return []
    rows = db.session.execute(
        select(TeachingAssignment.teacher_id, SchoolClass.id, SchoolClass.grade_id)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .where(SchoolClass.school_id == school_id, SchoolClass.closed_on.is_(None))
        .union(
            select(SchoolClass.head_teacher_id, SchoolClass.id, SchoolClass.grade_id).where(
                SchoolClass.school_id == school_id,
                SchoolClass.closed_on.is_(None),
                SchoolClass.head_teacher_id.is_not(None),
            )
        )
    ).all()
    by_class: dict[int, set[int]] = defaultdict(set)
    by_grade: dict[int, set[int]] = defaultdict(set)
    for tid, cid, gid in rows:
        if tid in teachers:
            by_class[cid].add(tid)
            by_grade[gid].add(tid)
    grade_of = dict(
        db.session.execute(
            select(SchoolClass.id, SchoolClass.grade_id).where(
                SchoolClass.id.in_({s.class_id for s in students})
            )
        ).all()
    )
    order = {tid: i for i, tid in enumerate(teachers)}  # pinyin order

    def best(candidates: set[int]) -> int | None:
        if not candidates:
            return None
        return min(candidates, key=lambda t: (load[t] >= cap, load[t], order[t]))

    out = []
    for s in students:
        own = best(by_class.get(s.class_id, set()))
        if own is not None and load[own] < cap:
            tid, why = own, _("任教本班的党员教师")
        else:
            grade = best(by_grade.get(grade_of.get(s.class_id), set()))
            anyone = best(set(teachers))
            if grade is not None and load[grade] < cap:
                tid, why = grade, _("同年级结对最少的党员教师")
            elif anyone is not None and load[anyone] < cap:
                tid, why = anyone, _("全校结对最少的党员教师（本年级没有未满额的党员教师）")
            elif anyone is not None:
                tid = next(t for t in (own, grade, anyone) if t is not None)
                why = _("党员教师均已满额（超过上限，请确认）")
            else:
                tid, why = None, _("本校没有党员教师，请手动选择")
        if tid is not None:
            load[tid] += 1
        out.append(ProposedPair(s, teachers.get(tid) if tid else None, why))
    return out


def apply_proposal(actor: User, school_id: int, pairs: list[tuple[int, int]], starts_on: date,
                   today: date) -> int:  # fmt: skip
    """Apply the proposal the leader reviewed, as (student_id, teacher_id) pairs, in one step:
    each goes through `pair` (the leader saw the loads, so a proposal above N is confirmed by
    applying it). All or nothing: the first refusal raises and the request writes nothing.
    Returns the number of pairings made. A refusal carries `pair_index`, the position in
    `pairs` of the pair refused, so the page shows it beside that row."""
    if not pairs:
        raise RuleViolation(_("没有可应用的结对建议"), field="pairs")
    count = 0
    for index, (student_id, teacher_id) in enumerate(pairs):
        try:
            count += len(pair(actor, school_id, teacher_id, [student_id], starts_on, today,
                              over_cap_confirmed=True))  # fmt: skip
        except RuleViolation as e:
            e.pair_index = index
            raise
    return count
