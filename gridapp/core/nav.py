"""The navigation each user sees, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from gridapp.accounts.models import Role
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import taught_class_ids


@dataclass
class NavItem:
    label: str
    url: str
    active: bool = False


def navigation() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    u = current_user._get_current_object()
    items = [(_("首页"), url_for("core.home"))]
    if u.has_role(Role.TEACHER):
        items.append((_("我的班级"), url_for("schools.my_classes")))
        items.append((_("家访任务"), url_for("contacts.worklist")))
        items.append((_("家访记录"), url_for("contacts.contacts")))
        if taught_class_ids(u):
            items.append((_("我的网格"), url_for("grids.my_grids")))
    for school_id in sorted(u.school_ids_with(Role.PRINCIPAL, Role.SCHOOL_ADMIN)):
        items.append((_("学校概况"), url_for("schools.show", school_id=school_id)))
        items.append((_("家访统计"), url_for("contacts.school_coverage", school_id=school_id)))
        items.append((_("家长网格"), url_for("grids.school_grids", school_id=school_id)))
        items.append((_("意见建议"), url_for("cases.school_cases", school_id=school_id)))
        items.append((_("接待日"), url_for("reception.school_days", school_id=school_id)))
        break
    if u.is_district:
        items.append((_("各校概况"), url_for("schools.index")))
        items.append((_("家访排名"), url_for("contacts.district_coverage")))
        items.append((_("意见督查"), url_for("cases.district_cases")))
    if u.is_guardian:
        items.append((_("家访与评价"), url_for("contacts.parent_contacts")))
        items.append((_("接待日"), url_for("reception.index")))
        items.append((_("我的来信"), url_for("cases.my_letters")))
    if u.has_role(Role.SCHOOL_ADMIN) or u.has_role(Role.DISTRICT_ADMIN):
        items.append((_("账号管理"), url_for("accounts_admin.users")))
        items.append((_("审计日志"), url_for("accounts_admin.audit_log")))
    path = request.path
    # The longest matching item is the current one (/schools/1/coverage is not /schools/1).
    matches = [
        url for _label, url in items if (path == url if url == "/" else path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    return [NavItem(label, url, url == current) for label, url in items]
