"""The support log (帮扶记录) of a pairing: writing an entry once however often its form is sent,
and the log as shown, entries and follow-up visits together. Seed 003 二 (帮扶记录, 回访), issue 16
item 4: a follow-up home visit is recorded once, as a contact, and appears in the log as well.

Services add and flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.core import audit, text, unique
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db
from gridapp.pairing.due import follow_up_query
from gridapp.pairing.models import HelpKind, Pairing, SupportLogEntry

TEXT_LIMIT = 2000


@dataclass
class LogData:
    """What the log form sends: the day it happened (Asia/Shanghai), the kind of help (a
    HelpKind value as typed), what was done, the outcome, the next step."""

    happened_on: date | None
    kind: str | None
    done: str
    outcome: str = ""
    next_step: str = ""


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise RuleViolation(_("内容不能超过 %(n)d 字", n=TEXT_LIMIT), field=field)
    return value


def record_entry(
    actor: User, pairing: Pairing, data: LogData, today: date, client_token: str
) -> tuple[SupportLogEntry, bool]:
    """Add an entry to the pairing's support log, once per form token: the same form sent again
    (or twice at once: the unique `client_token` decides) returns the stored entry. Returns
    (entry, created). Refused with RuleViolation on the field: no date, a date after `today` or
    before the pairing's start ("happened_on"), no kind of help ("kind"), nothing done ("done"),
    a text over `TEXT_LIMIT` characters; a missing or foreign token above the form. The caller
    has checked Need.EDIT (the paired teacher while the pairing is active)."""
    invalid = _("表单已失效，请刷新页面后重新填写")
    if not text.is_form_token(client_token):
        raise RuleViolation(invalid)
    token_query = select(SupportLogEntry).where(SupportLogEntry.client_token == client_token)
    existing = db.session.scalar(token_query)
    if existing is not None:
        if existing.written_by_id != actor.id or existing.pairing_id != pairing.id:
            raise RuleViolation(invalid)
        return existing, False
    if data.happened_on is None:
        raise RuleViolation(_("请输入有效日期，例如 2026-11-20"), field="happened_on")
    if data.happened_on > today:
        raise RuleViolation(_("日期不能晚于今天"), field="happened_on")
    if data.happened_on < pairing.starts_on:
        raise RuleViolation(
            _("日期不能早于结对开始日期 %(d)s", d=pairing.starts_on.isoformat()),
            field="happened_on",
        )
    try:
        kind = HelpKind(data.kind)
    except ValueError:
        raise RuleViolation(_("请选择帮扶类别"), field="kind") from None
    done = _text(data.done, "done")
    if not done:
        raise RuleViolation(_("请填写帮扶内容"), field="done")
    entry, created = unique.one_row(
        SupportLogEntry,
        {"client_token": client_token},
        lambda: SupportLogEntry(
            pairing_id=pairing.id,
            happened_on=data.happened_on,
            kind=kind,
            done=done,
            outcome=_text(data.outcome, "outcome"),
            next_step=_text(data.next_step, "next_step"),
            written_by_id=actor.id,
            client_token=client_token,
        ),
    )
    if not created:  # the same form sent twice at once: the other request stored it
        if entry.written_by_id != actor.id or entry.pairing_id != pairing.id:
            raise RuleViolation(invalid)
        return entry, False
    audit.record(actor, "pairing.log", pairing, entry_id=entry.id, student_id=pairing.student_id)
    return entry, True


@dataclass(frozen=True)
class LogItem:
    """One line of the support log as shown: a log entry (`entry`) or a follow-up contact
    (`contact`), newest first by `on`."""

    on: date
    entry: SupportLogEntry | None = None
    contact: object | None = None  # contacts.Contact

    @property
    def is_follow_up(self) -> bool:
        return self.contact is not None


def support_log(pairing: Pairing, limit: int | None = None) -> list[LogItem]:
    """The pairing's support log: its entries and its follow-up contacts (due.follow_up_query:
    the paired teacher's contacts with the family during the pairing, recorded once as
    contacts), newest first; at most `limit` lines. Two queries."""
    entries = db.session.scalars(
        select(SupportLogEntry)
        .options(joinedload(SupportLogEntry.written_by))
        .where(SupportLogEntry.pairing_id == pairing.id)
        .order_by(SupportLogEntry.happened_on.desc(), SupportLogEntry.id.desc())
    )
    items = [LogItem(e.happened_on, entry=e) for e in entries]
    items += [
        LogItem(c.contact_on, contact=c)
        for _pid, c in db.session.execute(follow_up_query([pairing.id]))
    ]
    # Newest first; on one day the entry written last first, a contact before entries.
    items.sort(
        key=lambda i: (i.on, i.is_follow_up, i.entry.id if i.entry else i.contact.id),
        reverse=True,
    )
    return items[:limit] if limit else items
