"""The support plan (一生一案) of a pairing: writing a new version, listing versions, and the
difference between two versions field by field. Seed 003 二 (一生一案, 四帮扶: 思想、学习、心理、
生活), issue 16 item 3 (revised each semester, earlier versions kept and shown as a difference).

A plan is never edited in place: each save adds a `SupportPlanVersion` whose number is the one
the writer started from plus one. The unique (pairing_id, version) constraint holds "one version
of each number": when two people save from the same version at once, one wins and the other is
told to reload (`unique.held`). Services add and flush, never commit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.core import audit, unique
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.core.models import utcnow
from gridapp.extensions import db
from gridapp.pairing.models import HelpKind, Pairing, SupportPlanVersion
from gridapp.schools.services import current_semester

TEXT_LIMIT = 2000  # situation, each goal, each action
NOTE_LIMIT = 200  # what changed (SupportPlanVersion.note)
MAX_ACTIONS = 30
DEFAULT_REVIEW_DAYS = 90  # when today lies after the current semester's end


@dataclass(frozen=True)
class PlannedAction:
    """One planned action: a kind of help, what will be done, by when."""

    kind: HelpKind
    what: str
    due_on: date

    def as_json(self) -> dict:
        return {"kind": self.kind.value, "what": self.what, "due_on": self.due_on.isoformat()}


@dataclass
class PlanData:
    """What the plan form sends. `goals`: {HelpKind: text}; `actions`: rows as typed, each
    (kind value, what, due_on or None), empty rows included (they are skipped); `base_version`:
    the version the writer started from (0 before the first)."""

    situation: str
    goals: dict[HelpKind, str]
    actions: list[tuple[str | None, str, date | None]]
    review_on: date | None
    note: str = ""
    base_version: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def latest(pairing_id: int) -> SupportPlanVersion | None:
    """The pairing's current plan: its latest version, or None before the first."""
    q = (
        select(SupportPlanVersion)
        .where(SupportPlanVersion.pairing_id == pairing_id)
        .order_by(SupportPlanVersion.version.desc())
        .limit(1)
    )
    return db.session.scalar(q)


def versions(pairing_id: int) -> list[SupportPlanVersion]:
    """Every version of the pairing's plan, newest first."""
    q = (
        select(SupportPlanVersion)
        .where(SupportPlanVersion.pairing_id == pairing_id)
        .order_by(SupportPlanVersion.version.desc())
    )
    return list(db.session.scalars(q))


def default_review_on(school_id: int, today: date) -> date:
    """The next review's default date: the end of the current semester, or, in the holiday after
    it (or with no semester kept), `DEFAULT_REVIEW_DAYS` from today."""
    semester = current_semester(school_id, today)
    if semester is not None and semester.ends_on >= today:
        return semester.ends_on
    return today + timedelta(days=DEFAULT_REVIEW_DAYS)


def _limited(value: str | None, limit: int, field_name: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=limit), field=field_name)
    return value


def _action(i: int, kind, what, due_on) -> PlannedAction | None:
    """Row `i` of the form checked (None for an empty row): a kind of help, what, a real date."""
    what = (what or "").strip()
    if not what and due_on is None:
        return None  # an empty row of the form
    if not what:
        raise RuleViolation(_("请填写要做的事"), field=f"actions-{i}-what")
    if len(what) > TEXT_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field=f"actions-{i}-what")
    if due_on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-11-20"), field=f"actions-{i}-due_on")
    try:
        help_kind = HelpKind(kind)
    except ValueError:
        raise RuleViolation(_("请选择帮扶类别"), field=f"actions-{i}-kind") from None
    return PlannedAction(help_kind, what, due_on)


class PlanRefused(RuleViolation):
    """Every refusal of a plan's content at once (`refusals`), so that the writer sees each
    field's message in one go; the first is the violation's own message and field."""

    def __init__(self, refusals: list[RuleViolation]):
        super().__init__(refusals[0].message, field=refusals[0].field)
        self.refusals = refusals


def revise(actor: User, pairing: Pairing, data: PlanData, today: date) -> SupportPlanVersion:
    """Save the plan as a new version (number `data.base_version + 1`) written by `actor` on
    `today` (a day in Asia/Shanghai), in the current semester. Refused with RuleViolation on the
    field, all of them at once (`PlanRefused.refusals`): no situation ("situation"), no goal
    under any kind of help ("goal_thought"), a text over `TEXT_LIMIT` characters, an action row
    without what or without a real date ("actions-<i>-what" / "actions-<i>-due_on"), a review
    date missing or before today ("review_on"); and then, above the form, a plan someone saved since the writer opened it (two
    saves at once: the unique (pairing_id, version) constraint keeps one). The caller has checked
    that `actor` may write the plan (Need.EDIT: the paired teacher while the pairing is
    active)."""
    refusals: list[RuleViolation] = []

    def checked(check, *args):
        try:
            return check(*args)
        except RuleViolation as e:
            refusals.append(e)
            return None

    situation = checked(_limited, data.situation, TEXT_LIMIT, "situation")
    if situation == "":
        refusals.append(RuleViolation(_("请填写学生情况"), field="situation"))
    goals = {}
    for kind in HelpKind:
        if text := checked(_limited, data.goals.get(kind), TEXT_LIMIT, f"goal_{kind.value}"):
            goals[kind.value] = text
    if not goals and not any(r.field.startswith("goal_") for r in refusals if r.field):
        refusals.append(RuleViolation(_("请至少填写一项帮扶目标"), field="goal_thought"))
    actions = []
    for i, row in enumerate(data.actions):
        if (action := checked(_action, i, *row)) is not None:
            actions.append(action)
    if len(actions) > MAX_ACTIONS:
        refusals.append(RuleViolation(_("计划措施最多 %(n)d 条", n=MAX_ACTIONS)))
    if data.review_on is None:
        refusals.append(RuleViolation(_("请输入有效日期，例如 2026-11-20"), field="review_on"))
    elif data.review_on < today:
        refusals.append(RuleViolation(_("下次评估日期不能早于今天"), field="review_on"))
    note = checked(_limited, data.note, NOTE_LIMIT, "note")
    if refusals:
        raise PlanRefused(refusals)
    stale = _("在您编辑期间，其他人已保存了新的版本。请刷新页面，在最新版本上修改后再保存。")
    current = latest(pairing.id)
    base = max(int(data.base_version or 0), 0)
    if (current.version if current else 0) != base:
        raise RuleViolation(stale)
    semester = current_semester(pairing.school_id, today)
    version = SupportPlanVersion(
        pairing_id=pairing.id,
        version=base + 1,
        semester_id=semester.id if semester is not None else None,
        situation=situation,
        goals=goals,
        actions=[a.as_json() for a in actions],
        review_on=data.review_on,
        note=note,
        written_by_id=actor.id,
        written_at=utcnow(),
    )
    with unique.held(stale):
        db.session.add(version)
    audit.record(
        actor, "pairing.plan", pairing, version=version.version, student_id=pairing.student_id
    )
    return version


# ---- reading a version and the difference of two -----------------------------------------------


def action_rows(version: SupportPlanVersion | None) -> list[dict]:
    """The version's planned actions as {"kind": HelpKind or None, "what", "due_on": date or
    None}, in the order written (a stored row that no longer reads is shown as it is)."""
    if version is None:
        return []
    rows = []
    for a in version.actions or []:
        try:
            kind = HelpKind(a.get("kind"))
        except ValueError:
            kind = None
        try:
            due_on = date.fromisoformat(a.get("due_on") or "")
        except (TypeError, ValueError):
            due_on = None
        rows.append({"kind": kind, "what": a.get("what", ""), "due_on": due_on})
    return rows


def _actions_text(version: SupportPlanVersion) -> str:
    lines = []
    for row in action_rows(version):
        kind = row["kind"].label if row["kind"] else ""
        due = row["due_on"].isoformat() if row["due_on"] else ""
        lines.append(f"{kind}：{row['what']}（{due}）")
    return "\n".join(lines)


def fields_of(version: SupportPlanVersion) -> list[tuple[str, str]]:
    """The version as (label, text) in the order of the form: situation, a goal for each kind
    of help, the planned actions (one line each), the review date, what changed."""
    goals = version.goals or {}
    return [
        (_("学生情况"), version.situation or ""),
        *[(_("%(k)s目标", k=k.label), goals.get(k.value, "")) for k in HelpKind],
        (_("计划措施"), _actions_text(version)),
        (_("下次评估日期"), version.review_on.isoformat() if version.review_on else ""),
        (_("修改说明"), version.note or ""),
    ]


@dataclass(frozen=True)
class FieldDiff:
    """One field of two versions: its label, whether it changed, and the segments of the
    difference, each ("same" | "ins" | "del", text)."""

    label: str
    changed: bool
    segments: list[tuple[str, str]]


def diff_text(old: str, new: str) -> list[tuple[str, str]]:
    """Segments turning `old` into `new`, character by character (Chinese has no spaces between
    words): ("same", text), ("del", text) for what `old` had, ("ins", text) for what `new` has."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            out.append(("del", old[i1:i2]))
        if j2 > j1:
            out.append(("ins", new[j1:j2]))
    return out


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """Segments turning `old` into `new` line by line (the planned actions, a date: a changed
    line reads better whole than as scattered characters), each line ending with a newline
    except the last."""
    a, b = old.split("\n") if old else [], new.split("\n") if new else []
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += [("same", line) for line in a[i1:i2]]
            continue
        out += [("del", line) for line in a[i1:i2]]
        out += [("ins", line) for line in b[j1:j2]]
    return [(kind, text + ("\n" if i < len(out) - 1 else "")) for i, (kind, text) in enumerate(out)]


def diff(old: SupportPlanVersion, new: SupportPlanVersion) -> list[FieldDiff]:
    """The difference of two versions of a plan, field by field in the order of the form: texts
    character by character, the planned actions and the review date line by line."""
    whole_lines = {_("计划措施"), _("下次评估日期")}
    out = []
    for (label, a), (_label, b) in zip(fields_of(old), fields_of(new), strict=True):
        if a == b:
            out.append(FieldDiff(label, False, [("same", b)]))
        else:
            segments = diff_lines(a, b) if label in whole_lines else diff_text(a, b)
            out.append(FieldDiff(label, True, segments))
    return out
