"""The navigation each user sees, by the roles they hold.

Links come in groups (my work, the school's work, the school's figures, the district, the
family, administration). A user with few links sees them in one row; a user with many (a
principal who also teaches holds 14) sees each group of more than one link as a drop-down on a
wide screen, and the groups under their headings in the phone menu, so the row stays on one
line at 1366 px (issue 18, tried as a principal)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from flask import request, url_for
from flask_login import current_user

from gridapp.accounts.models import DISTRICT_ROLES, Role
from gridapp.core.i18n import N_, current_lang
from gridapp.core.i18n import gettext as _
from gridapp.schools.permissions import taught_class_ids

# At most this many links are shown in one row; above it the groups become drop-downs.
FLAT_MAX = 9

# Group keys and their headings, in the order they are shown.
GROUPS = {
    "home": "",
    "mine": N_("我的工作"),
    "school": N_("学校工作"),
    "figures": N_("学校统计"),
    "district": N_("区县督查"),
    "family": N_("家长"),
    "admin": N_("管理"),
}


@dataclass
class NavItem:
    label: str
    url: str
    active: bool = False


@dataclass
class NavGroup:
    """A heading and its links; `active` when one of them is the current page. A group of one
    link, or every group of a short navigation, is shown as plain links (`flat`)."""

    label: str
    items: list[NavItem] = field(default_factory=list)
    flat: bool = True

    @property
    def active(self) -> bool:
        return any(i.active for i in self.items)


def navigation() -> list[NavGroup]:
    """The current user's navigation as groups of links, the current page's link marked."""
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
        url for _g, _label, url in items if (path == url if url == "/" else path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    # One kind of work (a teacher's own links, a parent's) stays in one row however long.
    flat = len(items) <= FLAT_MAX or len({g for g, _label, _url in items} - {"home"}) <= 1
    groups: dict[str, NavGroup] = {}
    for group, label, url in items:
        if group not in groups:
            groups[group] = NavGroup(_(GROUPS[group]) if GROUPS[group] else "")
        groups[group].items.append(NavItem(label, url, url == current))
    for g in groups.values():
        g.flat = flat or len(g.items) == 1
    return list(groups.values())


@functools.lru_cache(maxsize=512)
def _items(
    roles: frozenset,
    teaches: bool,
    lang: str,
    script_root: str,
    party: bool = False,
) -> tuple[tuple[str, str, str], ...]:
    """The links for a set of roles as (group, label, url), built once per process (labels and
    URLs are the same for everyone holding the same roles, in the same language)."""
    held = {role for role, _school in roles}
    items = [("home", _("首页"), url_for("reports.home"))]

    def add(group: str, label: str, url: str) -> None:
        items.append((group, label, url))

    if Role.TEACHER in held:
        add("mine", _("我的班级"), url_for("classes.my_classes"))
        add("mine", _("家访任务"), url_for("contacts.worklist"))
        add("mine", _("家访记录"), url_for("contacts.contacts"))
        if teaches:
            add("mine", _("联系安排"), url_for("schedules.my_schedule"))
            add("mine", _("走访路线"), url_for("schedules.trips"))
            add("mine", _("我的网格"), url_for("grids.my_grids"))
        if party:  # a Party-member teacher's pairings (结对帮扶)
            add("mine", _("我的结对"), url_for("pairing.my_pairings"))
        if teaches and Role.GUARDIAN not in held:  # their classes' parent school, the courses
            add("mine", _("家长学校"), url_for("parent_school.mine"))
        add("mine", _("我的六个一"), url_for("obligations.my_obligations"))
    leader_schools = sorted(
        school for role, school in roles if role in (Role.PRINCIPAL, Role.SCHOOL_ADMIN)
    )
    if leader_schools:
        school_id = leader_schools[0]
        add("figures", _("学校概况"), url_for("reports.school_overview", school_id=school_id))
        add("figures", _("家访统计"), url_for("reports.school_coverage", school_id=school_id))
        add("figures", _("数据看板"), url_for("reports.school_dashboard", school_id=school_id))
        add("school", _("家长网格"), url_for("reports.school_grids", school_id=school_id))
        add("school", _("重点对象"), url_for("reports.school_focus", school_id=school_id))
        add("school", _("意见建议"), url_for("cases.school_cases", school_id=school_id))
        add("school", _("接待日"), url_for("reception.school_days", school_id=school_id))
        add("school", _("结对帮扶"), url_for("pairing.school_pairing", school_id=school_id))
        add("school", _("满意度调查"), url_for("surveys.school_surveys", school_id=school_id))
        add("school", _("联系安排表"), url_for("schedules.school_schedule", school_id=school_id))
        add("school", _("家长学校"), url_for("parent_school.school_page", school_id=school_id))
        add(
            "school", _("教师六个一"),
            url_for("obligations.school_obligations", school_id=school_id),
        )  # fmt: skip
    if held & DISTRICT_ROLES:
        add("district", _("数据看板"), url_for("reports.district_dashboard"))
        add("district", _("各校概况"), url_for("reports.school_index"))
        add("district", _("家访排名"), url_for("reports.district_coverage"))
        add("district", _("意见督查"), url_for("reports.district_cases"))
        add("district", _("各校满意度"), url_for("surveys.district"))
    if Role.GUARDIAN in held:
        add("family", _("家访与评价"), url_for("contacts.parent_contacts"))
        add("family", _("接待日"), url_for("reception.index"))
        add("family", _("我的来信"), url_for("cases.my_letters"))
        add("family", _("满意度调查"), url_for("surveys.index"))
        add("family", _("家长学校"), url_for("parent_school.mine"))
    if held & {Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN}:
        add("admin", _("账号管理"), url_for("accounts_admin.users"))
        add("admin", _("审计日志"), url_for("reports.audit_log_page"))
    order = list(GROUPS)
    # Grouped in the order of GROUPS, each group's links in the order added.
    return tuple(sorted(items, key=lambda item: order.index(item[0])))
