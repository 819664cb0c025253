"""The navigation each user sees, by the roles they hold."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from gridapp.accounts.models import DISTRICT_ROLES, Role
from gridapp.core.i18n import current_lang
from gridapp.core.i18n import gettext as _
from gridapp.schools.permissions import taught_class_ids


@dataclass
class NavItem:
    label: str
    url: str
    active: bool = False


def navigation() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    u = current_user._get_current_object()
    roles = frozenset((r.role, r.school_id) for r in u.roles)
    teaches = bool(u.has_role(Role.TEACHER) and taught_class_ids(u))
    party = bool(u.is_party_member)
    items = _items(roles, teaches, current_lang(), request.script_root, party)
    path = request.path
    # The longest matching item is the current one (/schools/1/coverage is not /schools/1).
    matches = [
        url for _label, url in items if (path == url if url == "/" else path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    return [NavItem(label, url, url == current) for label, url in items]


@functools.lru_cache(maxsize=512)
def _items(
    roles: frozenset, teaches: bool, lang: str, script_root: str, party: bool = False
) -> tuple[tuple[str, str], ...]:
    """The links for a set of roles, built once per process (labels and URLs are the same for
    everyone holding the same roles, in the same language)."""
    held = {role for role, _school in roles}
    items = [(_("首页"), url_for("reports.home"))]
    if Role.TEACHER in held:
        items.append((_("我的班级"), url_for("classes.my_classes")))
        items.append((_("家访任务"), url_for("contacts.worklist")))
        items.append((_("家访记录"), url_for("contacts.contacts")))
        if teaches:
            items.append((_("联系安排"), url_for("schedules.my_schedule")))
            items.append((_("走访路线"), url_for("schedules.trips")))
        if teaches:
            items.append((_("我的网格"), url_for("grids.my_grids")))
        if party:  # a Party-member teacher's pairings (结对帮扶)
            items.append((_("我的结对"), url_for("pairing.my_pairings")))
    leader_schools = sorted(
        school for role, school in roles if role in (Role.PRINCIPAL, Role.SCHOOL_ADMIN)
    )
    if leader_schools:
        school_id = leader_schools[0]
        items.append((_("学校概况"), url_for("reports.school_overview", school_id=school_id)))
        items.append((_("家访统计"), url_for("reports.school_coverage", school_id=school_id)))
        items.append((_("联系安排表"), url_for("schedules.school_schedule", school_id=school_id)))
        items.append((_("数据看板"), url_for("reports.school_dashboard", school_id=school_id)))
        items.append((_("家长网格"), url_for("reports.school_grids", school_id=school_id)))
        items.append((_("重点对象"), url_for("reports.school_focus", school_id=school_id)))
        items.append((_("意见建议"), url_for("cases.school_cases", school_id=school_id)))
        items.append((_("接待日"), url_for("reception.school_days", school_id=school_id)))
        items.append((_("结对帮扶"), url_for("pairing.school_pairing", school_id=school_id)))
        items.append((_("满意度调查"), url_for("surveys.school_surveys", school_id=school_id)))
    if held & DISTRICT_ROLES:
        items.append((_("数据看板"), url_for("reports.district_dashboard")))
        items.append((_("各校概况"), url_for("reports.school_index")))
        items.append((_("家访排名"), url_for("reports.district_coverage")))
        items.append((_("意见督查"), url_for("reports.district_cases")))
        items.append((_("各校满意度"), url_for("surveys.district")))
    if Role.GUARDIAN in held:
        items.append((_("家访与评价"), url_for("contacts.parent_contacts")))
        items.append((_("接待日"), url_for("reception.index")))
        items.append((_("我的来信"), url_for("cases.my_letters")))
        items.append((_("满意度调查"), url_for("surveys.index")))
    if held & {Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN}:
        items.append((_("账号管理"), url_for("accounts_admin.users")))
        items.append((_("审计日志"), url_for("reports.audit_log_page")))
    return tuple(items)
