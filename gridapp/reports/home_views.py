"""Each role's home page: a teacher's classes, a leader's schools, the district's schools, a
parent's children, the unread notices; and the teacher's due-soon reminder loaded after it."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.contacts import rules, worklists
from gridapp.contacts.services import flagged_count
from gridapp.core import notices
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import require
from gridapp.core.time import today
from gridapp.people.services import children_of, class_sizes
from gridapp.reports import figures
from gridapp.reports.blueprint import bp
from gridapp.schools.permissions import district_school_ids
from gridapp.schools.services import classes_of_teacher, current_semester


@bp.get("/")
@login_required
def home():
    """The dashboard of every role the user holds."""
    u = current_user
    context = {"notices": notices.unread(u.id)}
    if u.has_role(Role.TEACHER):
        classes = classes_of_teacher(u)
        context["classes"] = classes
        context["class_sizes"] = class_sizes([c.id for c, _ in classes])
    led = sorted(u.school_ids_with(Role.PRINCIPAL, Role.SCHOOL_ADMIN))
    if led:
        context["led_schools"] = figures.school_summary(led)
        context["low_ratings"] = {sid: flagged_count(sid) for sid in led}
        context["semester"] = current_semester(led[0], today())
    if u.is_district:
        context["district_schools"] = figures.school_summary(sorted(district_school_ids(u)))
    if u.is_guardian:
        context["children"] = children_of(u)
    return render_template("reports/home.html", **context)


@bp.get("/worklist/summary")
@login_required
def worklist_summary():
    """The home page's due-soon reminder (loaded after the page): families owed a contact at
    the teacher's first school, how many are overdue or due within two weeks, records sent back."""
    user = current_user._get_current_object()
    school = worklists.teacher_school(user, int_arg("school"))
    require(school is not None)
    lines, _headed = worklists.teacher_lines(user, school.id, rules.period_for(school.id, today()))
    overdue, coming = worklists.due_soon(lines, today())
    return render_template(
        "reports/_partials/reminder.html",
        owed=len(lines),
        overdue=overdue,
        coming=coming,
        returned=len(worklists.returned_contacts(user)),
        assigned=figures.assigned_cases(user),
    )
