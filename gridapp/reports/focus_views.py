"""The focus rosters (重点对象名单, issue 21 item 5): a class's for its head teacher and the
school's leaders, a school's for its leaders. Searched, filtered by category, paged; the list is
swapped by htmx. Showing a sensitive category is a view of sensitive data: audited."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from gridapp.contacts import rules
from gridapp.core import audit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.pagination import paginate_select, str_arg
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import FocusCategory
from gridapp.reports import focus_roster
from gridapp.reports.blueprint import bp
from gridapp.schools.permissions import (
    is_school_leader,
    load_class,
    load_school,
    sees_sensitive_in_class,
)

PER_PAGE = 25


def _category(sensitive: bool) -> FocusCategory | None:
    """The `category` filter of the query string: a category the viewer may see, else none."""
    try:
        chosen = FocusCategory(request.args.get("category", ""))
    except ValueError:
        return None
    return chosen if sensitive or not chosen.sensitive else None


def _roster(school, school_class=None):
    user = real_user(current_user)
    sensitive = (
        sees_sensitive_in_class(user, school_class.id, school.id)
        if school_class is not None
        else is_school_leader(user, school.id)
    )
    search, category = str_arg("q"), _category(sensitive)
    page = paginate_select(
        focus_roster.roster_query(
            school.id,
            class_id=school_class.id if school_class is not None else None,
            category=category,
            search=search,
            sensitive=sensitive,
        ),
        per_page=PER_PAGE,
    )
    period = rules.period_for(school.id, today())
    lines = focus_roster.roster_lines(page.items, period, sensitive=sensitive, today=today())
    if any(c.sensitive for line in lines for c in line.categories):
        audit.record(
            user, "focus.roster.view", school_id=school.id,
            class_id=school_class.id if school_class is not None else None, students=len(lines),
        )  # fmt: skip
        db.session.commit()
    return page_or_fragment(
        "reports/focus_roster.html",
        "reports/_partials/focus_roster_rows.html",
        school=school,
        school_class=school_class,
        page=page,
        lines=lines,
        period=period,
        search=search,
        category=category,
        categories=[c for c in FocusCategory if sensitive or not c.sensitive],
        status_labels=rules.status_labels(),
    )


@bp.get("/classes/<int:class_id>/focus")
@login_required
def class_focus(class_id: int):
    """A class's focus students: for its head teacher and the school's leaders (404 else)."""
    school_class = load_class(class_id, Need.VIEW, related=("school",))
    require(
        sees_sensitive_in_class(real_user(current_user), school_class.id, school_class.school_id)
    )
    return _roster(school_class.school, school_class)


@bp.get("/schools/<int:school_id>/focus")
@login_required
def school_focus(school_id: int):
    """A school's focus students, every class: for its leaders (404 for anyone else, the
    district included: the categories are sensitive family data)."""
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(real_user(current_user), school.id))
    return _roster(school)
