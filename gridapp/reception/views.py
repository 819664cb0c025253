"""Reception-day pages: parents book and cancel (with an .ics file), hosts publish days and run
them, and the day's outcomes become cases."""

from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from gridapp.accounts.models import User
from gridapp.core import storage
from gridapp.core.errors import IllegalTransition
from gridapp.core.forms import attempt, form_page, form_status, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need
from gridapp.core.time import now, today
from gridapp.extensions import db, limiter
from gridapp.people.permissions import guardian_school_ids
from gridapp.reception import ics, services
from gridapp.reception.forms import (
    BookingForm,
    CancelForm,
    LookupForm,
)
from gridapp.reception.models import Booking, ReceptionSlot
from gridapp.reception.permissions import load_booking
from gridapp.schools import services as school_services

bp = Blueprint("reception", __name__)


def _me() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


@bp.get("/reception")
def index():
    """Parents: the coming reception days of their children's schools, and their bookings.
    Without an account: the days that take bookings from guests."""
    user = _me()
    if user is not None and user.is_guardian:
        days = services.open_days(guardian_school_ids(user), today())
        bookings = services.guardian_bookings(user)
        # Their children's schools' hotlines, also where no day is open (seed 004 §15).
        hotlines = school_services.hotlines(guardian_school_ids(user))
    else:
        days = services.guest_days(today())
        bookings = []
        hotlines = list({d.school_id: d.school for d in days if d.school.hotline_phone}.values())
    waiting = services.counts_by_slot([d.id for d in days]) if days else {}
    return render_template(
        "reception/index.html", days=days, bookings=bookings, waiting=waiting, at=now(),
        cutoff=services.CANCEL_CUTOFF, hotlines=hotlines,
    )  # fmt: skip


def _slot_for(slot_id: int) -> ReceptionSlot:
    """A slot the visitor may book: a published day of a child's school, or a guest day."""
    slot = db.session.get(ReceptionSlot, slot_id) if 0 < slot_id < 2**31 else None
    if slot is None:
        abort(404)
    day = slot.day
    user = _me()
    if user is not None and user.is_guardian:
        if day.school_id not in guardian_school_ids(user) and not day.allow_guests:
            abort(404)
    elif user is not None:
        abort(404)  # staff do not book
    elif not day.allow_guests:
        abort(404)
    return slot


def _token(value: str | None) -> str:
    """The form's one-time token, if it is one we could have made (anything else: none)."""
    value = value or ""
    return value if re.fullmatch(r"[A-Za-z0-9_-]{4,64}", value) else ""


def _booking_form(slot: ReceptionSlot) -> BookingForm:
    form = BookingForm()
    user = _me()
    if user is not None:
        from gridapp.people.services import children_at

        form.student_id.choices = [
            SelectChoice(sid, f"{name}（{class_name}）")
            for sid, name, class_name in children_at(user, slot.day.school_id)
        ]
    else:
        form.student_id.choices = [SelectChoice("", "—")]
    if not form.token.data:
        form.token.data = secrets.token_urlsafe(16)
    return form


@bp.route("/reception/slots/<int:slot_id>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["RECEPTION_GUEST_RATE_LIMIT"],
    methods=["POST"],
    exempt_when=lambda: current_user.is_authenticated,
)
def book(slot_id: int):
    slot = _slot_for(slot_id)
    form = _booking_form(slot)
    user = _me()

    def book():
        req = services.Request(
            topic=form.topic.data, description=form.description.data or "",
            token=_token(form.token.data), student_id=form.student_id.data,
            guest_name=form.guest_name.data or "", guest_mobile=form.guest_mobile.data or "",
            guest_class=form.guest_class.data or "",
        )  # fmt: skip
        try:
            booking, code = services.book(slot, req, user, now(), waitlist=form.waitlist.data)
        except services.Full:
            raise IllegalTransition(_("这个时段已约满，可以选择候补或其他时段")) from None
        if code:
            session["booking_code"] = code
        return booking.id  # read before the commit expires the booking

    done = submit(form, book, then=lambda booking_id: url_for(".booked", booking_id=booking_id))
    return done or form_page(
        "reception/book.html", form, slot=slot, day=slot.day, guest=user is None
    )


@bp.get("/reception/bookings/<int:booking_id>")
def booked(booking_id: int):
    """The confirmation: for a parent with an account, through the permission layer; for a guest,
    once, right after booking (with the booking code)."""
    user = _me()
    code = session.pop("booking_code", None)
    if user is not None:
        booking = load_booking(booking_id)
    else:
        booking = db.session.get(Booking, booking_id) if 0 < booking_id < 2**31 else None
        from gridapp.cases import mailbox

        if booking is None or code is None or booking.code_hash != mailbox.code_hash(code):
            abort(404)
    return _booked_page(booking, code)


def _booked_page(booking: Booking, code: str | None = None, cancel_form=None):
    return render_template(
        "reception/booked.html", booking=booking, code=code and _pretty(code), at=now(),
        cutoff=services.CANCEL_CUTOFF, cancel_form=cancel_form or fresh(CancelForm),
    ), form_status(cancel_form)  # fmt: skip


def _pretty(code: str) -> str:
    from gridapp.cases.mailbox import pretty

    return pretty(code)


@bp.get("/reception/bookings/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int):
    booking = load_booking(booking_id)
    body = ics.booking_calendar(booking, services.waitlist_place(booking))
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": storage.content_disposition(
                _("接待日预约-%(on)s.ics", on=booking.day.on.isoformat()),
                f"reception-{booking.id}.ics",
            )
        },
    )


@bp.route("/reception/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    user = _me()
    booking = load_booking(booking_id, Need.EDIT)
    if booking.guardian_user_id != user.id:
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".booked", booking_id=booking.id))
    form = CancelForm()
    done = submit(
        form, lambda: services.cancel(booking, form.reason.data or "", now(), user),
        then=url_for(".index"), message=_("预约已取消"),
    )  # fmt: skip
    return done or _booked_page(booking, cancel_form=form)


@bp.route("/reception/lookup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_RATE_LIMIT"], methods=["POST"])
def lookup():
    """A guest finds a booking by its booking code (sent in the form, not the URL), and may
    cancel it with a reason until the cut-off."""
    form = LookupForm()
    booking, status = None, 200
    if request.method == "POST":
        code = (form.code.data or "")[:40]
        booking = services.booking_by_code(code) if code else None
        if not form.validate_on_submit():
            booking, status = None, 422
        elif booking is None:
            form.code.errors = [_("没有找到这个预约码，请核对后再输入")]
            status = 404
        elif form.cancel.data == "y":
            # No redirect: the booking is shown again, cancelled (its code is in no URL).
            done, _result = attempt(
                form, lambda: services.cancel(booking, form.reason.data or "", now())
            )
            if done:
                flash(_("预约已取消"), "success")
            status = form_status(form)
    return render_template(
        "reception/lookup.html", form=form, booking=booking, at=now(),
        cutoff=services.CANCEL_CUTOFF,
    ), status  # fmt: skip
