"""A record after it was sent: withdrawn by its author, reviewed (审核) by a leader, rated by the
family's guardian. Routes on the contacts blueprint (contacts/views.py has the record itself)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import login_required

from gridapp.contacts import services
from gridapp.contacts.forms import EvaluationForm, ReviewForm, WithdrawForm
from gridapp.contacts.models import PARENT_FIELDS, ContactStatus
from gridapp.contacts.permissions import is_parent_view, load_contact
from gridapp.contacts.views import _contact_options, _me, _staff_view, bp, contact
from gridapp.core.forms import reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need
from gridapp.people.permissions import guardian_family_ids


@bp.route("/contacts/<int:contact_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(contact_id: int):
    user = _me()
    record = load_contact(contact_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=record.id))
    form = WithdrawForm()
    done = submit(
        form, lambda: services.withdraw_contact(user, record, form.reason.data),
        then=url_for(".contact", contact_id=record.id), message=_("记录已撤回，不再计入统计"),
    )  # fmt: skip
    return done or contact(record.id, withdraw_form=form)


@bp.route("/contacts/<int:contact_id>/review", methods=["GET", "POST"])
@login_required
def review(contact_id: int):
    user = _me()
    record = load_contact(contact_id, Need.VIEW)
    if not services.can_review(user, record):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=record.id))
    form = ReviewForm()
    done = submit(
        form,
        lambda: services.review_contact(
            user, record, form.decision.data == "approve", form.comment.data
        ),
        then=url_for(".contact", contact_id=record.id),
        message=lambda _r: _("已审核") if record.status is ContactStatus.REVIEWED else _("已退回"),
    )  # fmt: skip
    return done or contact(record.id, review_form=form)


@bp.route("/contacts/<int:contact_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(contact_id: int):
    user = _me()
    contact = load_contact(contact_id, Need.VIEW)
    if _staff_view(user, contact) or not is_parent_view(user, contact):
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".contact", contact_id=contact.id))
    form = EvaluationForm()
    done = submit(
        form,
        lambda: services.evaluate_contact(
            user, contact, form.rating.data, form.feelings.data, form.suggestions.data,
            form.conduct_rating.data, form.conduct_opinion.data,
        ),
        then=url_for(".contact", contact_id=contact.id), message=_("谢谢您的评价"),
    )  # fmt: skip
    if done:
        return done
    contact = load_contact(contact_id, Need.VIEW, options=_contact_options())
    students = services.contact_students_in_families(contact, guardian_family_ids(user))
    return render_template(
        "contacts/parent_contact.html",
        contact=contact,
        students=students,
        fields=PARENT_FIELDS,
        evaluation=None,
        form=form,
    ), 422
