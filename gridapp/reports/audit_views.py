"""The audit log page (issue 18 item 8): every entry as a sentence of who did what to whom,
filtered by person, action and dates, paged newest first, and the same as .xlsx (`format=xlsx`)
for the bureau's inspections. The district admin reads the district's log, a school admin their
schools' (people.services.audit_log_query); everyone else gets 404."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.core import text
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate, str_arg
from gridapp.core.permissions import require
from gridapp.core.time import SHANGHAI, today
from gridapp.core.xlsx import download, wants_xlsx
from gridapp.extensions import db
from gridapp.people.services import audit_log_query
from gridapp.reports import audit_log
from gridapp.reports.audit_words import ACTIONS
from gridapp.reports.blueprint import bp

PER_PAGE = 50


@dataclass
class Filters:
    """The log's filters as read from the query string; a bad value is ignored and its
    Chinese message kept in `errors` (field -> message), never a 500."""

    actor: str = ""
    action: str = ""
    from_on: date | None = None
    to_on: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def args(self) -> dict[str, str]:
        """The valid filters as query arguments (links to the export, the audit entry)."""
        return {
            "actor": self.actor,
            "action": self.action,
            "from": self.from_on.isoformat() if self.from_on else "",
            "to": self.to_on.isoformat() if self.to_on else "",
        }


def _date(name: str, errors: dict[str, str]) -> date | None:
    # As a Chinese keyboard types a date: full-width digits, 年月日, slashes or dots.
    raw = text.nfkc(str_arg(name, 20))
    if not raw:
        return None
    value = re.sub(r"\s*[年月/.]\s*", "-", raw).removesuffix("日").strip()
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        if not 2000 <= day.year <= 2100:
            raise ValueError(value)
    except ValueError:
        errors[name] = _("日期格式不正确（例如 2026-11-23），已忽略")
        return None
    return day


def read_filters() -> Filters:
    """Filters from `?actor=&action=&from=&to=` (`day=` is one day: older links)."""
    f = Filters(actor=str_arg("actor", 64))
    action = str_arg("action", 64)
    if action and action not in ACTIONS and not any(k.startswith(action + ".") for k in ACTIONS):
        f.errors["action"] = _("没有这种操作，已忽略")
    else:
        f.action = action
    if str_arg("day", 20) and not (str_arg("from", 20) or str_arg("to", 20)):
        f.from_on = f.to_on = _date("day", f.errors)
    else:
        f.from_on = _date("from", f.errors)
        f.to_on = _date("to", f.errors)
    if f.from_on and f.to_on and f.to_on < f.from_on:
        f.errors["to"] = _("结束日期早于开始日期，已忽略")
        f.to_on = None
    return f


def _query(f: Filters):
    exact = f.action in ACTIONS
    return audit_log_query(
        current_user._get_current_object(),
        actions=[f.action] if exact else None,
        actor=f.actor,
        since=datetime.combine(f.from_on, time(), SHANGHAI) if f.from_on else None,
        until=datetime.combine(f.to_on + timedelta(days=1), time(), SHANGHAI) if f.to_on else None,
        action_prefix=f.action + "." if f.action and not exact else "",
    )


def _require_reader() -> None:
    require(
        current_user.has_role(Role.DISTRICT_ADMIN)
        or bool(current_user.school_ids_with(Role.SCHOOL_ADMIN))
    )


@bp.get("/admin/audit")
@login_required
def audit_log_page():
    """The log in words, 50 entries a page, newest first; htmx gets the table alone. With
    `format=xlsx` the filtered log as .xlsx (at most audit_log.EXPORT_LIMIT entries, newest
    first), the export itself an entry of the log."""
    _require_reader()
    f = read_filters()
    if wants_xlsx():
        entries = list(db.session.scalars(_query(f).limit(audit_log.EXPORT_LIMIT)))
        data = audit_log.export(current_user._get_current_object(), entries, f.args())
        db.session.commit()
        return download(data, _("审计日志-%(on)s.xlsx", on=today().isoformat()), "audit-log.xlsx")
    page = paginate(_query(f), per_page=PER_PAGE)
    return page_or_fragment(
        "reports/audit.html",
        "reports/_partials/audit_table.html",
        page=page,
        lines=audit_log.lines(page.items),
        filters=f,
        choices=audit_log.action_choices(),
        export_limit=audit_log.EXPORT_LIMIT,
    )
