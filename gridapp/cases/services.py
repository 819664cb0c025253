"""Cases: the moves of the closed loop, defined in one table. This first version serves the grid
relay (registered → replied → family told); the mailbox and supervision add their moves here.

Services flush, never commit.
"""

from __future__ import annotations

from gridapp.accounts.models import Role, User
from gridapp.cases.models import Case, CaseCategory, CaseEvent, CaseSource, CaseStatus
from gridapp.core import audit
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.time import now
from gridapp.extensions import db

TEXT_LIMIT = 2000

# move -> (states it may start from, state it ends in)
TRANSITIONS: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "register": (frozenset({CaseStatus.COLLECTED}), CaseStatus.REGISTERED),
    "reply": (
        frozenset({CaseStatus.REGISTERED, CaseStatus.SUBMITTED, CaseStatus.ASSIGNED}),
        CaseStatus.REPLIED,
    ),
    "archive": (frozenset({CaseStatus.REPLIED}), CaseStatus.ARCHIVED),
}


def _move(actor: User | None, case: Case, move: str, note: str = "") -> None:
    allowed, target = TRANSITIONS[move]
    if case.status not in allowed:
        raise IllegalTransition(_("“%(s)s”状态下不能执行此操作", s=case.status.label))
    case.status = target
    db.session.add(
        CaseEvent(case=case, actor_id=actor.id if actor else None, action=move, note=note)
    )


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(message, field=field)
    if len(value) > TEXT_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field=field)
    return value


def relay_from_grid(
    actor: User, grid, family_id: int, category: CaseCategory, words: str, wants_answer: bool
) -> Case:
    """A parent's opinion relayed by the grid teacher: collected and registered at once."""
    if family_id not in {m.family_id for m in grid.members}:
        raise RuleViolation(_("这个家庭不在本网格"), field="family_id")
    words = _text(words, "words", _("请填写家长的意见或诉求"))
    case = Case(
        school_id=grid.school_id,
        source=CaseSource.GRID,
        category=category,
        status=CaseStatus.COLLECTED,
        subject=words[:40],
        words=words,
        wants_answer=wants_answer,
        family_id=family_id,
        grid_id=grid.id,
        recorded_by_id=actor.id,
    )
    db.session.add(case)
    db.session.add(CaseEvent(case=case, actor_id=actor.id, action="collect"))
    _move(actor, case, "register")
    db.session.flush()
    audit.record(actor, "case.create", case, source=case.source.value)
    return case


def reply(actor: User, case: Case, text: str) -> None:
    """The school's answer (principal or school admin), to be passed back to the parent."""
    if not (
        actor.has_role(Role.PRINCIPAL, case.school_id)
        or actor.has_role(Role.SCHOOL_ADMIN, case.school_id)
    ):
        raise PermissionError
    text = _text(text, "reply", _("请填写答复内容"))
    _move(actor, case, "reply", text)
    case.reply = text
    case.replied_at = now()
    audit.record(actor, "case.reply", case)


def family_told(actor: User, case: Case) -> None:
    """The grid teacher has passed the answer back to the family."""
    if case.status is not CaseStatus.REPLIED:
        raise IllegalTransition(_("学校答复后才能标记已告知家长"))
    if case.family_told_at is not None:
        raise IllegalTransition(_("已经标记过告知家长"))
    case.family_told_at = now()
    db.session.add(CaseEvent(case=case, actor_id=actor.id, action="family_told"))
    audit.record(actor, "case.family_told", case)
