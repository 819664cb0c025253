"""The hosts' side of reception days: a school's days, cancelling one, the day's bookings,
walk-ins and the visit's outcome. Routes of the reception blueprint (gridapp.reception.views)."""

from __future__ import annotations

from flask import (
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from gridapp.accounts.models import User
from gridapp.core.forms import form_status, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.reception import services
from gridapp.reception.forms import (
    CancelDayForm,
    DayForm,
    VisitForm,
    WalkInForm,
)
from gridapp.reception.models import ReceptionDay
from gridapp.reception.permissions import load_booking, load_reception_day
from gridapp.reception.views import bp
from gridapp.schools.permissions import is_school_leader, leader_school_ids, load_school


def _me() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.route("/schools/<int:school_id>/reception", methods=["GET", "POST"])
@login_required
def school_days(school_id: int):
    """The school's reception days, and publishing a new one (once, or monthly)."""
    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(user))
    form = DayForm()
    hosts = services.school_hosts(school.id)
    form.host_ids.choices = [SelectChoice(h.id, h.name) for h in hosts]
    if request.method == "GET" and not form.host_ids.data:
        form.host_ids.data = (
            [h.id for h in hosts if h.id == user.id] or [hosts[0].id] if hosts else []
        )
    if request.method == "POST":
        require(is_school_leader(user, school.id))

        def publish():
            data = services.DayData(
                starts=form.starts.data, ends=form.ends.data, room=form.room.data,
                slot_minutes=form.slot_minutes.data, capacity=form.capacity.data,
                buffer_minutes=form.buffer_minutes.data,
                opens_days_before=form.opens_days_before.data,
                closes_hours_before=form.closes_hours_before.data,
                host_ids=list(form.host_ids.data or []), allow_guests=form.allow_guests.data,
            )  # fmt: skip
            if form.kind.data != "monthly":
                services.publish_day(user, school.id, form.on.data, data, today())
                return _("接待日已发布")
            days, skipped = services.publish_pattern(
                user, school.id, form.weekday.data, form.nth.data, form.months.data or 3,
                data, today(),
            )  # fmt: skip
            message = _("已发布 %(n)d 个接待日", n=len(days))
            if skipped:
                message += _("（跳过节假日等 %(s)s）", s="、".join(d.isoformat() for d in skipped))
            return message

        done = submit(
            form, publish, then=url_for(".school_days", school_id=school.id),
            message=lambda message: message,
        )  # fmt: skip
        if done:
            return done
    return _school_days_page(school, form)


def _school_days_page(school, form: DayForm, cancel: tuple[int, CancelDayForm] | None = None):
    """The school's reception days and the form for a new one; `cancel` is a day's cancel form
    shown again with its error."""
    user = _me()
    days = services.upcoming_days(school.id, today())
    past = services.past_days(school.id, today())
    return render_template(
        "reception/school_days.html", form=form, school=school, days=days, past=past,
        may_host=is_school_leader(user, school.id), cancel=cancel or (None, fresh(CancelDayForm)),
    ), form_status(form, cancel and cancel[1])  # fmt: skip


@bp.route("/reception/days/<int:day_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_day(day_id: int):
    user = _me()
    day = load_reception_day(day_id, Need.MANAGE)
    if request.method == "GET":
        return reload_to(url_for(".school_days", school_id=day.school_id))
    form = CancelDayForm()
    done = submit(
        form, lambda: services.cancel_day(user, day, form.reason.data or ""),
        then=url_for(".school_days", school_id=day.school_id),
        message=lambda n: _("接待日已取消，已通知 %(n)d 位预约的家长", n=n),
    )  # fmt: skip
    if done:
        return done
    school = load_school(day.school_id, Need.VIEW)
    day_form = DayForm(formdata=None)
    day_form.host_ids.choices = [
        SelectChoice(h.id, h.name) for h in services.school_hosts(school.id)
    ]
    return _school_days_page(school, day_form, cancel=(day.id, form))


@bp.get("/reception/days/<int:day_id>")
@login_required
def day(day_id: int):
    """The host's list of the day: bookings by slot, walk-ins, attended or not, outcomes."""
    day = load_reception_day(day_id, Need.MANAGE, options=(selectinload(ReceptionDay.slots),))
    return _day_page(day)


def _day_page(day: ReceptionDay, walk_in: WalkInForm | None = None,
              visit: tuple[int, VisitForm] | None = None):  # fmt: skip
    """The day's page; a walk-in form or one booking's visit form shown again with its error."""
    bookings = services.day_bookings(day)
    host_names = services.host_names(day)
    return render_template(
        "reception/day.html",
        day=day,
        bookings=bookings,
        host_names=host_names,
        today=today(),
        walk_in=walk_in or fresh(WalkInForm),
        visit=visit or (None, None),
    ), form_status(walk_in, visit and visit[1])


@bp.route("/reception/days/<int:day_id>/walk-ins", methods=["GET", "POST"])
@login_required
def walk_in(day_id: int):
    user = _me()
    day = load_reception_day(day_id, Need.MANAGE)
    if request.method == "GET":
        return reload_to(url_for(".day", day_id=day.id))
    form = WalkInForm()
    done = submit(
        form, lambda: services.walk_in(user, day, form.guest_name.data or "", form.topic.data or ""),
        then=url_for(".day", day_id=day.id), message=_("已登记来访"),
    )  # fmt: skip
    return done or _day_page(day, walk_in=form)


@bp.route("/reception/bookings/<int:booking_id>/visit", methods=["GET", "POST"])
@login_required
def visit(booking_id: int):
    user = _me()
    booking = load_booking(booking_id, Need.MANAGE)
    page = url_for(".day", day_id=booking.day_id) + f"#booking-{booking.id}"
    if request.method == "GET":
        return reload_to(page)
    form = VisitForm()
    done = submit(
        form,
        lambda: services.record_visit(
            user, booking, form.attended.data != "n", form.notes.data or "",
            form.outcome.data or "", form.follow_up.data, form.words.data or "",
        ),
        then=page,
        message=lambda _r: _("已转为意见 #%(n)d，进入办理流程", n=booking.case_id)
        if booking.case_id else _("已记录"),
    )  # fmt: skip
    return done or _day_page(booking.day, visit=(booking.id, form))
