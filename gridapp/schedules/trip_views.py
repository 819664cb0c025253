"""The door-visit trip planner (`/my/trips`): the teacher's owed door visits by community, a day
suggested from the schedule, and recording a trip: the contact form of each family in turn,
the shared fields (day, colleagues, door visit) filled in, back to the next family after each
save. The contact form and its rules are the contacts package's own (`contacts.new_contact`)."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import flash, request, url_for
from flask_login import login_required

from gridapp.contacts import services as contact_services
from gridapp.contacts import worklists
from gridapp.contacts.models import ContactForm
from gridapp.core import text
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, str_arg
from gridapp.core.permissions import require
from gridapp.core.time import today
from gridapp.schedules import trips as trip_service
from gridapp.schedules.forms import TripForm
from gridapp.schedules.views import _me, bp

KEY_MAX = 200  # a community or an address (Student.address is 200 characters at most)


def _school_id(user) -> int:
    school_id = worklists.teacher_school_id(user, int_arg("school"))
    require(school_id is not None)
    return school_id


def _trip_form(trip, school_id: int, user, bound: TripForm | None = None) -> TripForm:
    """The trip's form: its own (bound, shown again with its error) or a fresh one with the
    suggested day; the colleagues any of its families may name present."""
    # The suggested day is a plan; the visit is recorded on the day it is made, never later
    # than today (the contact form refuses a future day, after the whole form is filled in).
    day = trip.day if trip.day is not None and trip.day <= today() else today()
    form = bound or TripForm(formdata=None, prefix=trip_prefix(trip.key), contact_on=day)
    form.teacher_ids.choices = [
        (t.id, t.name)
        for t in contact_services.present_choices([s.family_id for s in trip.stops], school_id)
        if t.id != user.id
    ]
    return form


def trip_prefix(key: str) -> str:
    """The prefix of a trip's fields on the page (one form per trip, ids unique and stable)."""
    return "t" + hashlib.sha1(key.encode()).hexdigest()[:8] + "-"


def _record_url(student_id: int, day: date, teacher_ids, key: str, school_id: int, skip=()) -> str:
    """The contact form of one family of the trip, the shared fields filled in, returning to
    the trip's next family after the save (the families in `skip` passed over: not at home).
    The form's "skip this family" link adds its family to `skip` (contacts/record.html)."""
    with_ = ",".join(str(t) for t in teacher_ids)
    next_url = url_for(
        ".trip_next", group=key, on=day.isoformat(), teachers=with_ or None, school=school_id,
        skipped=",".join(str(f) for f in skip) or None,
    )  # fmt: skip
    return url_for(
        "contacts.new_contact", student=student_id, on=day.isoformat(),
        kind=ContactForm.HOME_VISIT.value, teachers=with_ or None, next=next_url, series=1,
    )  # fmt: skip


@bp.route("/my/trips", methods=["GET", "POST"])
@login_required
def trips():
    """The teacher's trips; POST starts recording one (its day and colleagues checked here,
    shown again beside the field at 422 when wrong, a day after today too) at its first family
    not yet entered."""
    user = _me()
    school_id = _school_id(user)
    day = today()
    semester, groups = trip_service.teacher_trips(user, school_id, day)
    forms = {t.key: _trip_form(t, school_id, user) for t in groups}
    if request.method == "POST":
        key = (request.form.get("group") or "")[:KEY_MAX]
        trip = trip_service.find_trip(groups, key)
        if trip is None:
            flash(_("这组家庭已经全部走访过了"), "info")
            return redirect_303(url_for(".trips", school=school_id))
        form = _trip_form(trip, school_id, user, TripForm(prefix=trip_prefix(trip.key)))
        forms[trip.key] = form
        if form.validate_on_submit():
            if form.contact_on.data > day:  # refused here, not after a family's whole form
                form.add_violation(
                    RuleViolation(_("走访日期不能晚于今天：走访当天再录入"), field="contact_on")
                )
            else:
                first = _first_open(user, trip, form.contact_on.data)
                if first is not None:
                    return redirect_303(
                        _record_url(first, form.contact_on.data, form.teacher_ids.data or [],
                                    trip.key, school_id)
                    )  # fmt: skip
                flash(_("这组家庭在这一天的记录都已录入"), "info")
                return redirect_303(url_for(".trips", school=school_id))
        return form_page(
            "schedules/trips.html", form, semester=semester, trips=groups, forms=forms,
            schools=worklists.teacher_schools(user), school_id=school_id, day=day,
        )  # fmt: skip
    return form_page(
        "schedules/trips.html", TripForm(formdata=None), semester=semester, trips=groups,
        forms=forms, schools=worklists.teacher_schools(user), school_id=school_id, day=day,
    )  # fmt: skip


def _first_open(user, trip, day: date, skip=()) -> int | None:
    """The student of the trip's first family without a door visit entered for `day` and not
    in `skip`."""
    entered = trip_service.visited_on(user, [s.family_id for s in trip.stops], day)
    entered |= set(skip)
    return next((s.student_id for s in trip.stops if s.family_id not in entered), None)


def _ids(name: str) -> list[int]:
    """Ids listed in the query argument `name` ("1,2,3"); anything else is left out."""
    return [n for t in str_arg(name, 400).split(",") if (n := text.small_id(t)) is not None][:40]


@bp.get("/my/trips/next")
@login_required
def trip_next():
    """After a family's record is saved: the contact form of the trip's next family with the
    same shared fields, or back to the trips once every family of the trip is entered."""
    user = _me()
    school_id = _school_id(user)
    try:
        day = date.fromisoformat(str_arg("on", 10))
    except ValueError:
        flash(_("走访日期无效，请重新开始录入"), "error")
        return redirect_303(url_for(".trips", school=school_id))
    teacher_ids = _ids("teachers")
    skip = _ids("skipped") + _ids("skip")  # passed over earlier, and the one just skipped
    _semester, groups = trip_service.teacher_trips(user, school_id, today())
    trip = trip_service.find_trip(groups, str_arg("group", KEY_MAX))
    first = _first_open(user, trip, day, skip) if trip is not None else None
    if first is None:
        flash(_("这次走访的记录已全部录入"), "success")
        return redirect_303(url_for(".trips", school=school_id))
    return redirect_303(_record_url(first, day, teacher_ids, trip.key, school_id, skip))
