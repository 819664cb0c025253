"""Each role's home page: a teacher's classes, a principal's school work, a school admin's
tasks, the district's schools below target and overdue cases, a parent's children and what waits
for them, the unread notices; and the teacher's due-soon reminder loaded after it."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.cases import services as case_services
from gridapp.contacts import follow_ups, worklists
from gridapp.contacts import services as contact_services
from gridapp.core import notices
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import require
from gridapp.core.time import today
from gridapp.pairing import reminders as pairing_reminders
from gridapp.people.permissions import guardian_family_ids, guardian_school_ids
from gridapp.people.services import children_of, class_sizes
from gridapp.reception import services as reception_services
from gridapp.reports import figures, home_figures
from gridapp.reports.blueprint import bp
from gridapp.schools.permissions import district_school_ids
from gridapp.schools.services import classes_of_teacher
from gridapp.surveys import services as survey_services


@bp.get("/")
@login_required
def home():
    """The dashboard of every role the user holds, each role its own section: a teacher's
    classes and what is owed, a principal's school work, a school admin's import and account
    tasks, the district's schools below target and overdue cases, a parent's children and what
    waits for them (issue 18 item 7)."""
    u = current_user
    day = today()
    context = {"notices": notices.unread(u.id), "today": day}
    leads = sorted(u.school_ids_with(Role.PRINCIPAL))
    administers = sorted(u.school_ids_with(Role.SCHOOL_ADMIN))
    if u.has_role(Role.TEACHER):
        classes = classes_of_teacher(u)
        context["classes"] = classes
        context["class_sizes"] = class_sizes([c.id for c, _ in classes])
        # The empty state is a teacher's only: a leader who teaches no class has other work.
        context["show_no_classes"] = not (leads or administers or u.is_district)
        # The pairings' overdue and soon-due items (no query for a teacher without the
        # Party-member flag, who holds no pairing).
        context["pairing_due"] = pairing_reminders.soon_due(u._get_current_object(), day)
    if leads:
        context["leader"] = home_figures.leader_work(leads, day)
        context["rule_labels"] = worklists.rule_labels()
    if administers:
        context["admin"] = home_figures.admin_work(administers)
    if u.is_district:
        school_ids = sorted(district_school_ids(u))
        context["district"] = home_figures.district_work(school_ids, day)
        context["rule_labels"] = worklists.rule_labels()
        context["district_schools"] = figures.school_summary(school_ids)
    if u.is_guardian:
        context.update(_parent_home(u))
    return render_template("reports/home.html", **context)


def _parent_home(user) -> dict:
    """A parent's home: their children, what waits for their rating (visits, replies to their
    letters, their schools' open satisfaction surveys) and their coming reception bookings."""
    unrated_count, unrated = contact_services.unrated_contacts(
        user.id, guardian_family_ids(user), limit=3
    )
    children = children_of(user)
    return {
        "children": children,
        "child_ids": {s.id for s in children},
        "unrated_count": unrated_count,
        "unrated": unrated,
        "letters_to_rate": case_services.letters_awaiting_rating(user),
        "surveys_to_answer": [
            survey
            for survey, state, answered in survey_services.parent_surveys(
                user, guardian_school_ids(user), today()
            )
            if state == "open" and not answered
        ],
        "upcoming_bookings": reception_services.upcoming_bookings(user, today()),
    }


@bp.get("/worklist/summary")
@login_required
def worklist_summary():
    """The home page's due-soon reminder (loaded after the page): families owed a contact at
    the teacher's first school, how many are overdue or due within two weeks, records sent back."""
    user = current_user._get_current_object()
    school_id = worklists.teacher_school_id(user, int_arg("school"))
    require(school_id is not None)
    _school, _period, lines, _headed, _returned, (overdue, coming) = worklists.teacher_work(
        user, school_id, today()
    )
    return render_template(
        "reports/_partials/reminder.html",
        owed=len(lines),
        overdue=overdue,
        coming=coming,
        returned=len(worklists.returned_contacts(user)),
        follow_ups=follow_ups.teacher_open(user, today()),
        assigned=figures.assigned_cases(user),
    )
