"""The closed loop of every opinion (收集→登记→提交→交办→反馈→存档→督查), its moves defined in
one table, its deadlines in working days, escalation, replies, ratings and supervision.

Services flush, never commit: the request (or the task) commits once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import Role, User, UserRole
from gridapp.cases.models import (
    CannedReply,
    Case,
    CaseCategory,
    CaseDeadline,
    CaseEvent,
    CaseSettings,
    CaseSource,
    CaseStatus,
    Letter,
    Supervision,
)
from gridapp.core import audit
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import SHANGHAI, local, now, today
from gridapp.core.unique import held, one_row
from gridapp.extensions import db
from gridapp.schools.models import OfficialDay, SchoolClosure
from gridapp.schools.permissions import headed_class_ids, is_school_leader
from gridapp.schools.workdays import WorkCalendar

TEXT_LIMIT = 2000
DEFAULT_WORKDAYS = 5
ESCALATE_TO_DISTRICT_AFTER = 3  # working days overdue before the district is told
LOW_RATING = 2

S = CaseStatus
OPEN = frozenset({S.REGISTERED, S.SUBMITTED, S.ASSIGNED})

# move -> (states it may start from, state it ends in). Every change of state goes through here.
TRANSITIONS: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "register": (frozenset({S.COLLECTED}), S.REGISTERED),
    "submit": (frozenset({S.REGISTERED}), S.SUBMITTED),
    "assign": (OPEN, S.ASSIGNED),  # again, to someone else
    "reply": (OPEN, S.REPLIED),
    "archive": (frozenset({S.REPLIED}), S.ARCHIVED),
    "reopen": (frozenset({S.REPLIED, S.ARCHIVED}), S.SUBMITTED),
    "merge": (frozenset({S.COLLECTED}) | OPEN, S.ARCHIVED),
}
# Entries of the history that change nothing but are kept: notes, drafts, reminders…
EVENTS = {
    "collect", "note", "draft_reply", "reject_draft", "remind", "escalate", "supervise",
    "rate", "family_told", "merged_in",
}  # fmt: skip


def _labels():
    from gridapp.core.i18n import lazy_gettext as _l

    return {
        "collect": _l("收集"),
        "register": _l("登记"),
        "submit": _l("提交领导"),
        "assign": _l("交办"),
        "reply": _l("反馈（答复家长）"),
        "archive": _l("存档"),
        "reopen": _l("重新办理"),
        "merge": _l("并入其他意见"),
        "merged_in": _l("合并重复意见"),
        "note": _l("内部备注"),
        "draft_reply": _l("拟写答复，待校长审核"),
        "reject_draft": _l("答复退回修改"),
        "remind": _l("临期提醒"),
        "escalate": _l("逾期升级"),
        "supervise": _l("督查意见"),
        "rate": _l("家长评价"),
        "family_told": _l("已告知家长"),
    }


ACTION_LABELS = _labels()


# ---- helpers --------------------------------------------------------------------------------------


def _move(actor: User | None, case: Case, move: str, note: str = "", public: bool = False) -> None:
    allowed, target = TRANSITIONS[move]
    if case.status not in allowed:
        raise IllegalTransition(
            _("“%(s)s”状态下不能“%(m)s”", s=case.status.label, m=ACTION_LABELS[move])
        )
    # A conditional update: two people moving the same case at once (two replies, a reply and
    # a merge) move it once; the second is told it moved on.
    if case.id is not None and not _claimed(case, Case.status == case.status, status=target):
        raise IllegalTransition(_("这条意见刚刚被其他人办理过，请刷新页面后再试"))
    case.status = target
    _event(actor, case, move, note, public)


def _claimed(case: Case, condition, **values) -> bool:
    """One conditional UPDATE of the case's row: `values` are written only while `condition`
    holds in the database. False when another request changed it first."""
    return (
        db.session.execute(
            update(Case)
            .where(Case.id == case.id, condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _event(actor: User | None, case: Case, action: str, note: str = "", public=False) -> None:
    db.session.add(
        CaseEvent(
            case=case,
            actor_id=actor.id if actor else None,
            action=action,
            note=note,
            public=public,
        )  # fmt: skip
    )


def _text(value: str, field: str, message: str, limit: int = TEXT_LIMIT) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(message, field=field)
    if len(value) > limit:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=limit), field=field)
    return value


def is_principal(user: User, school_id: int) -> bool:
    return user.has_role(Role.PRINCIPAL, school_id)


def _require_leader(user: User, case: Case) -> None:
    if not is_school_leader(user, case.school_id):
        raise PermissionError


def calendar_for(school_id: int) -> WorkCalendar:
    from gridapp.schools.models import School

    school = db.session.get(School, school_id)
    return WorkCalendar(school.district_id if school else None, school_id)


def workdays_for(school_id: int, category: CaseCategory) -> int:
    n = db.session.scalar(
        select(CaseDeadline.workdays).where(
            CaseDeadline.school_id == school_id, CaseDeadline.category == category
        )
    )
    return n or DEFAULT_WORKDAYS


def settings_for(school_id: int) -> CaseSettings:
    return db.session.get(CaseSettings, school_id) or CaseSettings(
        school_id=school_id, reply_needs_approval=True
    )


def set_deadline(
    case: Case, start: date, workdays: int | None = None, keep_escalation: bool = False
) -> None:
    """Count the case's deadline from `start` (the day the opinion was received, a reopening, or
    the day of a new assignment), in the school's working days: the n-th working day after
    `start`, `start` itself not counted (seed 004 §13, §15; schools/workdays.py). The basis is
    kept (`due_from`, `due_workdays`) so the pages can say how the deadline was counted;
    reminders start again."""
    n = workdays or workdays_for(case.school_id, case.category)
    d = calendar_for(case.school_id).add_workdays(start, n)
    case.due_on, case.due_estimated = d.due_on, d.estimated
    case.due_from, case.due_workdays = start, n
    case.reminded_at = None
    if not keep_escalation:
        case.escalation = 0
        case.escalated_at = None


# ---- creating cases -------------------------------------------------------------------------------


def new_case(
    actor: User | None, school_id: int, source: CaseSource, category: CaseCategory, words: str,
    *, subject: str = "", wants_answer: bool = True, family_id: int | None = None,
    grid_id: int | None = None, register: bool = True, limit: int = TEXT_LIMIT,
    received_at: datetime | None = None, received_time_known: bool = True,
) -> Case:  # fmt: skip
    """A case from any channel, with the parent's words kept verbatim. Staff channels register it
    at once; a mailbox letter waits, collected, to be registered. `received_at` (an aware
    instant; now when not given) is when the opinion reached the school — the letter stored, the
    call taken — and the deadline counts from that day whenever GridApp gets to it (seed 004
    §13: 收集 comes first)."""
    words = _text(words, "words", _("请填写家长的意见或诉求"), limit)
    received_at = received_at or now()
    case = Case(
        school_id=school_id,
        source=source,
        category=category,
        status=S.COLLECTED,
        subject=(subject or words)[:100],
        words=words,
        wants_answer=wants_answer,
        family_id=family_id,
        grid_id=grid_id,
        recorded_by_id=actor.id if actor else None,
        received_at=received_at,
        received_time_known=received_time_known,
    )
    # The deadline runs from the day it came in, registered or not yet. Counted before the case
    # joins the session: the calendar's queries then flush nothing, and the case is inserted
    # with its deadline (no second UPDATE).
    set_deadline(case, received_on(case))
    db.session.add(case)
    _event(actor, case, "collect")
    if register:
        _move(actor, case, "register")
    db.session.flush()
    # Nothing about a mailbox writer's connection is kept (the letter may be anonymous).
    audit.record(
        actor, "case.create", case, school_id=school_id, source=source.value,
        keep_ip=actor is not None,
    )  # fmt: skip
    return case


EARLIEST_RECEIVED = date(2000, 1, 1)  # before it a typing slip, not an old letter


def received_instant(on: date | None, at: time | None) -> tuple[datetime, bool]:
    """When staff say an opinion came in: the day `on` and, if known, the time `at` (both in
    Asia/Shanghai). Returns (the aware instant, whether the time of day is known): no day means
    now; a day without a time means that day's start, time unknown. A day long past is allowed
    (its deadline may already have passed); a moment after now is refused (RuleViolation on
    `received_on` or `received_time`)."""
    if on is None and at is None:
        return now(), True
    day = on or today()
    if day > today():
        raise RuleViolation(_("收到日期不能晚于今天"), field="received_on")
    if day < EARLIEST_RECEIVED:
        raise RuleViolation(_("请填写正确的收到日期"), field="received_on")
    instant = datetime.combine(day, at or time(0), tzinfo=SHANGHAI)
    if instant > now():
        raise RuleViolation(_("收到时间不能晚于现在"), field="received_time")
    return instant, at is not None


def relay_from_grid(
    actor: User, grid, family_id: int, category: CaseCategory, words: str, wants_answer: bool,
    received_on: date | None = None,
) -> Case:  # fmt: skip
    """A parent's opinion relayed by the grid teacher: collected and registered at once, its
    deadline counted from `received_on`, the day the parent said it (today when not given;
    refused in the future; seed 004 §6)."""
    if family_id not in {m.family_id for m in grid.members}:
        raise RuleViolation(_("这个家庭不在本网格"), field="family_id")
    received_at, known = received_instant(received_on, None)
    return new_case(
        actor, grid.school_id, CaseSource.GRID, category, words, wants_answer=wants_answer,
        family_id=family_id, grid_id=grid.id, received_at=received_at, received_time_known=known,
    )  # fmt: skip


def may_raise_from_contact(user: User, contact) -> bool:
    """Who may raise the parent's opinion written on a contact as a case: the record's authors
    (who recorded it, the teachers present), the head teacher of a child of a family present at
    the contact's school, and the school's leaders (seed 004 §13; 001 5.4 整改)."""
    if contact.recorded_by_id == user.id or user.id in contact.teacher_ids:
        return True
    if is_school_leader(user, contact.school_id):
        return True
    headed = headed_class_ids(user)
    if not headed:
        return False
    from gridapp.people.models import Student, StudentStatus

    return (
        db.session.scalar(
            select(Student.id)
            .where(
                Student.family_id.in_(contact.family_ids),
                Student.class_id.in_(sorted(headed)),
                Student.school_id == contact.school_id,
                Student.status == StudentStatus.ACTIVE,
            )
            .limit(1)
        )
        is not None
    )


def case_of_contact(contact_id: int) -> Case | None:
    """The case raised from a contact's parent's opinion, or None (one at most: the unique
    index on cases.contact_id)."""
    return db.session.scalar(select(Case).where(Case.contact_id == contact_id))


def raise_from_contact(actor: User, contact, category: CaseCategory) -> Case:
    """The parent's opinion written on a contact (家长的意见和建议) raised as a case of the
    contact's school: source 家访, the words verbatim, the family and the contact linked,
    received the day of the contact; its deadline counts from the day the record was stored
    (when the school had the opinion in writing; never before the visit; seed 004 §13). Once per contact, however often and at however many moments it is asked: the
    unique index on cases.contact_id refuses the second (IllegalTransition, 409, naming the
    case). RuleViolation when the record holds no opinion; IllegalTransition for a withdrawn
    record; PermissionError for anyone `may_raise_from_contact` does not name."""
    from gridapp.contacts.models import ContactStatus

    if not may_raise_from_contact(actor, contact):
        raise PermissionError
    if contact.status is ContactStatus.WITHDRAWN:
        raise IllegalTransition(_("已撤回的记录不能转为意见"))
    if not (contact.parents_opinions or "").strip():
        raise RuleViolation(_("这条记录没有填写家长的意见和建议"))
    if not isinstance(category, CaseCategory):
        raise RuleViolation(_("请选择类别"), field="category")
    existing = case_of_contact(contact.id)
    if existing is not None:
        raise IllegalTransition(_("这条记录的家长意见已经转为意见 #%(n)d", n=existing.id))
    received_at, known = received_instant(contact.contact_on, None)
    try:
        with held(_("这条记录的家长意见已经转为意见"), conflict=True):
            case = new_case(
                actor, contact.school_id, CaseSource.CONTACT, category,
                contact.parents_opinions, family_id=contact.family_id, received_at=received_at,
                received_time_known=known,
            )  # fmt: skip
            case.contact_id = contact.id
            # The deadline runs from the day the school had the opinion in writing (the record
            # stored), never before the visit: a record entered late does not make the case
            # overdue, and escalate, on the day it is raised.
            stored_on = local(contact.created_at).date() if contact.created_at else today()
            set_deadline(case, max(contact.contact_on, stored_on))
    except IllegalTransition:
        other = case_of_contact(contact.id)
        raise IllegalTransition(
            _("这条记录的家长意见已经转为意见 #%(n)d", n=other.id if other else 0)
        ) from None
    audit.record(actor, "contact.raise_case", contact, school_id=contact.school_id, case=case.id)
    return case


STAFF_SOURCES = (CaseSource.LETTER, CaseSource.WALK_IN, CaseSource.HOTLINE, CaseSource.ONLINE)


def register_by_staff(
    actor: User, school_id: int, source: CaseSource, category: CaseCategory, subject: str,
    words: str, wants_answer: bool, *, received_on: date | None = None,
    received_time: time | None = None, caller_name: str = "", caller_phone: str = "",
) -> Case:  # fmt: skip
    """A paper letter, a walk-in, a hotline call or an online message, registered by staff: with
    the day (and time) it came in, so its deadline counts from then (seed 004 §13, §15), and the
    caller's name and phone when they gave them (the form normalises the phone)."""
    if not is_school_leader(actor, school_id):
        raise PermissionError
    if source not in STAFF_SOURCES:
        raise RuleViolation(_("请选择来源"), field="source")
    subject = _text(subject, "subject", _("请填写标题"), 100)
    caller_name = (caller_name or "").strip()
    if len(caller_name) > 40:
        raise RuleViolation(_("姓名不能超过 40 字"), field="caller_name")
    caller_phone = (caller_phone or "").strip()
    if len(caller_phone) > 20:
        raise RuleViolation(_("请输入正确的电话号码"), field="caller_phone")
    received_at, known = received_instant(received_on, received_time)
    case = new_case(
        actor, school_id, source, category, words, subject=subject, wants_answer=wants_answer,
        received_at=received_at, received_time_known=known,
    )  # fmt: skip
    case.caller_name, case.caller_phone = caller_name, caller_phone
    return case


# ---- the moves ------------------------------------------------------------------------------------


def register(actor: User, case: Case) -> None:
    _require_leader(actor, case)
    _move(actor, case, "register")
    if case.due_on is None:
        set_deadline(case, received_on(case))
    audit.record(actor, "case.register", case, school_id=case.school_id)


def submit(actor: User, case: Case, note: str = "") -> None:
    """Submitted to a leader (提交): it now waits on the principal's desk."""
    _require_leader(actor, case)
    _move(actor, case, "submit", (note or "").strip()[:TEXT_LIMIT])
    audit.record(actor, "case.submit", case, school_id=case.school_id)


def assign(
    actor: User, case: Case, assignee: User | None, department: str, workdays: int | None,
    note: str = "",
) -> None:  # fmt: skip
    """Assigned (交办) to a person of the school or a department named in words, with a deadline
    in working days from today (the category's default when not given)."""
    _require_leader(actor, case)
    department = (department or "").strip()
    if assignee is None and not department:
        raise RuleViolation(_("请选择承办人或填写承办部门"), field="assignee_id")
    if len(department) > 40:
        raise RuleViolation(_("部门名称不能超过 40 字"), field="department")
    if assignee is not None and case.school_id not in assignee.staff_school_ids:
        raise RuleViolation(_("承办人须是本校教职工"), field="assignee_id")
    if workdays is not None and not 1 <= workdays <= 60:
        raise RuleViolation(_("办理期限须在 1 到 60 个工作日之间"), field="workdays")
    _move(actor, case, "assign", (note or "").strip()[:TEXT_LIMIT])
    case.assignee_id = assignee.id if assignee else None
    case.department = department
    case.assigned_at = now()
    if workdays is not None or case.due_on is None:
        # A leader may set a new deadline; an escalation already made stays.
        set_deadline(case, today(), workdays, keep_escalation=True)
    audit.record(
        actor, "case.assign", case, school_id=case.school_id,
        assignee_id=case.assignee_id, due_on=case.due_on.isoformat(),
    )  # fmt: skip


def can_answer(user: User, case: Case) -> bool:
    return is_school_leader(user, case.school_id) or (
        case.assignee_id == user.id and case.status is S.ASSIGNED
    )


def reply(actor: User, case: Case, text: str) -> bool:
    """The answer for the parent. Published at once by the principal (or by anyone when the school
    does not require approval); otherwise kept as a draft for the principal. True if published."""
    if not can_answer(actor, case):
        raise PermissionError
    if case.status not in TRANSITIONS["reply"][0]:
        raise IllegalTransition(_("“%(s)s”状态下不能答复", s=case.status.label))
    text = _text(text, "reply", _("请填写答复内容"))
    if settings_for(case.school_id).reply_needs_approval and not is_principal(
        actor, case.school_id
    ):
        case.reply_draft = text
        case.reply_drafted_by_id = actor.id
        _event(actor, case, "draft_reply", text)
        audit.record(actor, "case.draft_reply", case, school_id=case.school_id)
        return False
    _publish(actor, case, text)
    return True


def _publish(actor: User, case: Case, text: str) -> None:
    _move(actor, case, "reply", text, public=True)
    case.reply = text
    case.replied_at = now()
    case.reply_draft = ""
    audit.record(actor, "case.reply", case, school_id=case.school_id)


def approve_reply(actor: User, case: Case, text: str | None = None) -> None:
    """The principal approves the drafted reply (as written, or corrected) and publishes it."""
    if not is_principal(actor, case.school_id):
        raise PermissionError
    if not case.reply_draft:
        raise IllegalTransition(_("没有待审核的答复"))
    _publish(actor, case, _text(text or case.reply_draft, "reply", _("请填写答复内容")))


def reject_reply(actor: User, case: Case, note: str) -> None:
    if not is_principal(actor, case.school_id):
        raise PermissionError
    if not case.reply_draft:
        raise IllegalTransition(_("没有待审核的答复"))
    note = _text(note, "note", _("请写明退回的原因"))
    # A conditional update: the same draft sent back twice at once (two tabs) is sent back once.
    if not _claimed(case, Case.reply_draft == case.reply_draft, reply_draft=""):
        raise IllegalTransition(_("这条意见刚刚被其他人办理过，请刷新页面后再试"))
    case.reply_draft = ""
    _event(actor, case, "reject_draft", note)
    audit.record(actor, "case.reject_reply", case, school_id=case.school_id)


def add_note(actor: User, case: Case, text: str) -> None:
    """An internal note: never shown to the parent."""
    text = _text(text, "note", _("请填写备注"))
    _event(actor, case, "note", text)
    audit.record(actor, "case.note", case, school_id=case.school_id)


def archive(actor: User | None, case: Case) -> None:
    if actor is not None:
        _require_leader(actor, case)
    _move(actor, case, "archive")
    audit.record(actor, "case.archive", case, school_id=case.school_id, keep_ip=actor is not None)


def merge(actor: User, duplicate: Case, into: Case) -> None:
    """A duplicate goes into another open case of the same school; both texts are kept."""
    _require_leader(actor, duplicate)
    if duplicate.id == into.id or into.school_id != duplicate.school_id:
        raise RuleViolation(_("只能并入本校的另一条意见"), field="into")
    if into.status not in OPEN or into.merged_into_id is not None:
        raise IllegalTransition(_("只能并入正在办理的意见"))
    _move(actor, duplicate, "merge", _("并入 #%(n)d", n=into.id))
    duplicate.merged_into_id = into.id
    _event(actor, into, "merged_in", _("#%(n)d：%(w)s", n=duplicate.id, w=duplicate.words))
    audit.record(actor, "case.merge", duplicate, school_id=duplicate.school_id, into=into.id)


def family_told(actor: User, case: Case) -> None:
    """The grid teacher has passed the answer back to the family."""
    if case.status not in {S.REPLIED, S.ARCHIVED} or not case.reply:
        raise IllegalTransition(_("学校答复后才能标记已告知家长"))
    told = now()
    if case.family_told_at is not None or not _claimed(
        case, Case.family_told_at.is_(None), family_told_at=told
    ):
        raise IllegalTransition(_("已经标记过告知家长"))
    case.family_told_at = told
    _event(actor, case, "family_told")
    audit.record(actor, "case.family_told", case, school_id=case.school_id)


def rate(case: Case, rating: int, comment: str, actor: User | None = None) -> bool:
    """The parent rates the answer 1–5 (once). A rating of 2 or less reopens the case, once in
    its life. Returns True if it reopened."""
    if case.status not in {S.REPLIED, S.ARCHIVED} or not case.reply:
        raise IllegalTransition(_("学校答复后才能评价"))
    if case.rating is not None:
        raise IllegalTransition(_("已经评价过了"))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise RuleViolation(_("请选择 1 到 5 分"), field="rating")
    comment = (comment or "").strip()
    if len(comment) > TEXT_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field="comment")
    # Once: a conditional update, so two ratings sent at once count once.
    rated = now()
    if not _claimed(
        case, Case.rating.is_(None) & (Case.status == case.status),
        rating=rating, rating_comment=comment, rated_at=rated,
    ):  # fmt: skip
        raise IllegalTransition(_("已经评价过了"))
    case.rating, case.rating_comment, case.rated_at = rating, comment, rated
    _event(actor, case, "rate", f"{rating}/5 {comment}".strip())
    # Rated on the public tracking page: no IP (the letter may be anonymous).
    audit.record(actor, "case.rate", case, school_id=case.school_id, rating=rating, keep_ip=False)
    if rating <= LOW_RATING and not case.reopened_by_rating:
        case.reopened_by_rating = True
        _reopen(actor, case, _("家长评价 %(r)d 分，重新办理", r=rating))
        return True
    if case.status is S.REPLIED:
        archive(None, case)
    return False


def _reopen(actor: User | None, case: Case, note: str) -> None:
    if case.merged_into_id is not None:
        raise IllegalTransition(_("已并入其他意见，请在 #%(n)d 中办理", n=case.merged_into_id))
    _move(actor, case, "reopen", note)
    case.reply_draft = ""
    case.rating = None  # the new answer can be rated (the old rating stays in the history)
    set_deadline(case, today())


def supervise(actor: User, case: Case, comment: str, reopen: bool) -> Supervision:
    """A district supervisor's comment (督查); it may require the case handled again."""
    comment = _text(comment, "comment", _("请填写督查意见"))
    if reopen and case.status not in TRANSITIONS["reopen"][0]:
        raise IllegalTransition(
            _("这条意见还在办理中，无需要求重新办理：请取消勾选后再提交督查意见")
        )
    item = Supervision(case_id=case.id, supervisor_id=actor.id, comment=comment, reopened=reopen)
    db.session.add(item)
    _event(actor, case, "supervise", comment)
    if reopen:
        _reopen(actor, case, _("督查要求重新办理"))
    db.session.flush()
    audit.record(actor, "case.supervise", case, school_id=case.school_id, reopen=reopen)
    return item


# ---- deadlines: reminders and escalation ----------------------------------------------------------


def check_deadlines(on: date | None = None) -> dict[str, int]:
    """Remind one working day before the deadline; flag overdue cases to the principal (1) and,
    after ESCALATE_TO_DISTRICT_AFTER more working days, to the district (2). Returns what this
    run did: {"reminded", "principal", "district"} counts.

    Idempotent, however often and by however many workers it runs (the periodic task runs it
    every quarter of an hour): each reminder and each escalation step is claimed by a
    conditional UPDATE of the case (`reminded_at IS NULL`, `escalation = <what it was>`), which a
    second run at the same moment waits for and then finds done, so its history entry is
    written once."""
    on = on or today()
    counts = {"reminded": 0, "principal": 0, "district": 0}
    calendars: dict[int, WorkCalendar] = {}
    waiting = sorted(OPEN | {S.COLLECTED})
    cases = db.session.scalars(
        select(Case).where(Case.status.in_(waiting), Case.due_on.is_not(None))
    ).all()
    for case in cases:
        cal = calendars.setdefault(case.school_id, calendar_for(case.school_id))
        if case.due_on >= on:
            if case.reminded_at is None and cal.workdays_between(on, case.due_on) <= 1:
                at = now()
                if not _claimed(case, Case.reminded_at.is_(None), reminded_at=at):
                    continue
                case.reminded_at = at
                _event(None, case, "remind", _("明天到期：%(d)s", d=case.due_on.isoformat()))
                counts["reminded"] += 1
            continue
        late = cal.workdays_between(case.due_on, on)
        level = 2 if late >= ESCALATE_TO_DISTRICT_AFTER else 1
        if case.escalation < level:
            at = now()
            if not _claimed(
                case, Case.escalation == case.escalation, escalation=level, escalated_at=at
            ):
                continue
            for step in range(case.escalation + 1, level + 1):
                _event(
                    None, case, "escalate",
                    _("已逾期，报校长") if step == 1 else _("逾期未办，报教育局"),
                )  # fmt: skip
                counts["principal" if step == 1 else "district"] += 1
            case.escalation = level
            case.escalated_at = at
    db.session.flush()
    return counts


def is_overdue(case: Case, on: date | None = None) -> bool:
    return (
        case.status in OPEN | {S.COLLECTED}
        and case.due_on is not None
        and case.due_on < (on or today())
    )


# ---- settings -------------------------------------------------------------------------------------


def set_deadlines(actor: User, school_id: int, values: dict[CaseCategory, int], approval: bool):
    for category, n in values.items():
        if not isinstance(n, int) or not 1 <= n <= 60:
            raise RuleViolation(_("办理期限须在 1 到 60 个工作日之间"), field=category.value)
    for category, n in values.items():
        row, _created = one_row(
            CaseDeadline,
            {"school_id": school_id, "category": category},
            lambda category=category, n=n: CaseDeadline(
                school_id=school_id, category=category, workdays=n
            ),
        )
        row.workdays = n
    settings, _created = one_row(
        CaseSettings,
        {"school_id": school_id},
        lambda: CaseSettings(school_id=school_id, reply_needs_approval=approval),
    )
    settings.reply_needs_approval = approval
    db.session.flush()
    audit.record(actor, "case.settings", None, school_id=school_id, approval=approval,
                 **{c.value: n for c, n in values.items()})  # fmt: skip


def canned_replies(school_id: int, category: CaseCategory) -> list[CannedReply]:
    return db.session.scalars(
        select(CannedReply)
        .where(CannedReply.school_id == school_id, CannedReply.category == category)
        .order_by(CannedReply.title)
    ).all()


def add_canned_reply(actor: User, school_id: int, category: CaseCategory, title: str, text: str):
    title = _text(title, "title", _("请填写标题"), 40)
    text = _text(text, "text", _("请填写答复内容"))
    item = CannedReply(school_id=school_id, category=category, title=title, text=text)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "case.canned_reply", item, school_id=school_id)
    return item


def remove_canned_reply(actor: User, item: CannedReply) -> None:
    audit.record(actor, "case.canned_reply.remove", item, school_id=item.school_id)
    db.session.delete(item)
    db.session.flush()


def hours_to_reply(case: Case) -> float | None:
    """Hours from when the opinion was received to the published reply (None before it)."""
    if case.replied_at is None:
        return None
    return (case.replied_at - case.received_at) / timedelta(hours=1)


def received_on(case: Case) -> date:
    """The day (in Asia/Shanghai) the opinion reached the school: its deadline counts from it."""
    return local(case.received_at).date()


# ---- queries for the case page --------------------------------------------------------------------


def assignable_staff(school_id: int) -> list:
    """Who a school's case may be assigned to: rows (id, name), by name, of the school's active
    teachers, principals and school admins (each once)."""
    return db.session.execute(
        select(User.id, User.name)
        .where(
            User.id.in_(
                select(UserRole.user_id).where(
                    UserRole.school_id == school_id,
                    UserRole.role.in_([Role.TEACHER, Role.PRINCIPAL, Role.SCHOOL_ADMIN]),
                )
            ),
            User.active,
        )
        .order_by(User.name_key, User.id)
    ).all()


def case_events(case: Case) -> list[CaseEvent]:
    """A case's history: its CaseEvent rows in order, actor loaded."""
    return db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.id)
    ).all()


def case_of_booking(booking_id: int) -> int | None:
    """The id of the case a reception booking was turned into, or None."""
    return db.session.scalar(select(Case.id).where(Case.booking_id == booking_id))


def merged_into(case: Case) -> list[Case]:
    """The cases merged into this one."""
    return db.session.scalars(select(Case).where(Case.merged_into_id == case.id)).all()


# ---- queries for the opinion desk -----------------------------------------------------------------


def _filtered(q, args):
    """The desk's filters (status, source, category, view) read from `args` applied to `q`;
    unknown values are ignored. Returns (query, the filters as given)."""
    status = args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        q = q.where(Case.status == CaseStatus(status))
    source = args.get("source", "")
    if source in {s.value for s in CaseSource}:
        q = q.where(Case.source == CaseSource(source))
    category = args.get("category", "")
    if category in {c.value for c in CaseCategory}:
        q = q.where(Case.category == CaseCategory(category))
    view = args.get("view", "")
    if view == "overdue":
        q = q.where(Case.status.in_(sorted(OPEN)), Case.due_on < today())
    elif view == "approval":
        q = q.where(Case.reply_draft != "", Case.status.in_(sorted(OPEN)))
    elif view == "open":
        q = q.where(Case.status.in_(sorted(OPEN | {CaseStatus.COLLECTED})))
    return q, {"status": status, "source": source, "category": category, "view": view}


DESK_FIGURES = ("total", "new", "open", "overdue", "approval")


def _desk_columns(on: date) -> list:
    """The desk's figures as SQL aggregates (labelled as DESK_FIGURES) on day `on`: the one
    definition of "new" (collected), "open" and "overdue" (open, due before `on`) that the desk,
    the home pages and their links share."""
    open_states = sorted(OPEN)
    is_open = Case.status.in_(open_states)
    return [
        func.count().label("total"),
        func.sum(sql_case((Case.status == CaseStatus.COLLECTED, 1), else_=0)).label("new"),
        func.sum(sql_case((is_open, 1), else_=0)).label("open"),
        func.sum(sql_case((is_open & (Case.due_on < on), 1), else_=0)).label("overdue"),
        func.sum(sql_case((is_open & (Case.reply_draft != ""), 1), else_=0)).label("approval"),
    ]


def desk_counts(school_ids) -> dict:
    """The desk's figures for the given schools, in one query.

    Returns {"total", "new" (collected), "open" (in OPEN), "overdue" (open and due before
    today), "approval" (open with a reply draft waiting for approval)}, each an int.
    """
    row = db.session.execute(
        select(*_desk_columns(today())).where(Case.school_id.in_(sorted(school_ids)))
    ).one()
    return {k: int(getattr(row, k) or 0) for k in DESK_FIGURES}


def desk_counts_by_school(school_ids, on: date) -> dict[int, dict]:
    """`desk_counts` per school on day `on`, in one grouped query whatever the number of
    schools: {school id: {"total", "new", "open", "overdue", "approval"}}; a school without any
    case is left out (all its figures are 0)."""
    ids = sorted(school_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Case.school_id, *_desk_columns(on))
        .where(Case.school_id.in_(ids))
        .group_by(Case.school_id)
    )
    return {r.school_id: {k: int(getattr(r, k) or 0) for k in DESK_FIGURES} for r in rows}


def desk_preview(school_ids, args: dict, limit: int = 5) -> list[Case]:
    """The first `limit` cases of the given schools that the desk lists with the filters `args`
    (as `desk_query`: {"view": "overdue"} by nearest deadline, {"status": "collected"} newest
    first), for a home page's summary that links to the desk."""
    ids = sorted(school_ids)
    if not ids:
        return []
    q, filters = _filtered(select(Case).where(Case.school_id.in_(ids)), args)
    order = (
        (Case.due_on.is_(None), Case.due_on, Case.id)
        if filters["view"] in {"overdue", "open"}
        else (Case.id.desc(),)
    )
    return list(db.session.scalars(q.order_by(*order).limit(limit)))


def desk_query(school_id: int, args) -> tuple[Select, dict]:
    """The principal's desk: the query (for core.pagination.paginate) of a school's cases with
    the filters read from `args` (a mapping such as request.args: status, source, category,
    view), assignee loaded; "overdue" and "open" views by nearest deadline, others newest first.
    Returns (query, {"status", "source", "category", "view"})."""
    q, filters = _filtered(select(Case).where(Case.school_id == school_id), args)
    order = (
        (Case.due_on.is_(None), Case.due_on, Case.id)
        if filters["view"] in {"overdue", "open"}
        else (Case.id.desc(),)
    )
    return q.options(joinedload(Case.assignee)).order_by(*order), filters


def assigned_cases_query(user: User) -> Select:
    """The query (for core.pagination.paginate) of the cases assigned to `user` in their
    schools: open ones first, then by nearest deadline."""
    return (
        select(Case)
        .where(
            Case.assignee_id == user.id,
            Case.school_id.in_(sorted(user.staff_school_ids)),
        )
        .order_by(Case.status.in_(sorted(OPEN)).desc(), Case.due_on, Case.id)
    )


def named_letters(user: User, limit: int = 100) -> list[Letter]:
    """A logged-in parent's own named letters, newest first, at most `limit`, case loaded."""
    return db.session.scalars(
        select(Letter)
        .where(Letter.guardian_user_id == user.id)
        .options(joinedload(Letter.case))
        .order_by(Letter.id.desc())
        .limit(limit)
    ).all()


def awaits_rating(letter: Letter) -> bool:
    """Whether the school's reply to this letter waits for the writer's rating: its case is
    replied or archived with a reply, not rated yet, and not merged into another case (whose
    progress it then shows instead)."""
    case = letter.case
    return (
        case is not None
        and case.merged_into_id is None
        and bool(case.reply)
        and case.rating is None
        and case.status in (S.REPLIED, S.ARCHIVED)
    )


def letters_awaiting_rating(user: User) -> list[Letter]:
    """A signed-in parent's named letters whose reply waits for their rating, newest first
    (for the home page)."""
    return [letter for letter in named_letters(user) if awaits_rating(letter)]


# ---- queries for the settings pages ---------------------------------------------------------------


def school_closures(school_id: int) -> list[SchoolClosure]:
    """A school's own closure days (schools.models.SchoolClosure), by date."""
    return db.session.scalars(
        select(SchoolClosure).where(SchoolClosure.school_id == school_id).order_by(SchoolClosure.on)
    ).all()


def school_canned_replies(school_id: int) -> list[CannedReply]:
    """A school's canned replies, by category then title."""
    return db.session.scalars(
        select(CannedReply)
        .where(CannedReply.school_id == school_id)
        .order_by(CannedReply.category, CannedReply.title)
    ).all()


def official_days(district_id: int) -> list[OfficialDay]:
    """The official holiday schedule entered for a district (schools.models.OfficialDay: days off
    and make-up workdays), by date."""
    return db.session.scalars(
        select(OfficialDay).where(OfficialDay.district_id == district_id).order_by(OfficialDay.on)
    ).all()
