"""A parent's opinion heard at a contact (家访) raised into the closed loop, and the case's state
and answer shown on the contact's page (seed 004 §13 "every channel", 001 5.4 整改)."""

from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from gridapp.cases import services
from gridapp.cases.forms import ContactCaseForm
from gridapp.cases.models import CaseCategory
from gridapp.cases.views import bp
from gridapp.contacts import views as contact_views
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.contacts.permissions import load_contact, notes_visible
from gridapp.core.forms import fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can, require


@bp.route("/contacts/<int:contact_id>/case", methods=["GET", "POST"])
@login_required
def raise_from_contact(contact_id: int):
    """POST: raise the contact's parent's opinion as a case, then back to the contact. Only for
    those who read the record's private notes and may raise it (the authors, the head teacher,
    the school's leaders); 404 for anyone else. Refused twice: 409 with the page again."""
    user = current_user._get_current_object()
    contact = load_contact(contact_id, Need.VIEW)
    require(notes_visible(user, contact) and services.may_raise_from_contact(user, contact))
    page = url_for("contacts.contact", contact_id=contact.id)
    form = ContactCaseForm()
    if request.method == "GET":
        return reload_to(page)
    done = submit(
        form,
        lambda: services.raise_from_contact(user, contact, CaseCategory(form.category.data)),
        then=page,
        message=lambda case: _("家长意见已转为意见 #%(n)d，进入办理流程", n=case.id),
    )
    if done:
        return done
    # The contact's page again, this form beside its message (422, or 409 when raised already).
    g.contact_case_form = form
    body, _status = contact_views.contact(contact.id)
    return body, getattr(form, "status", None) or 422


def contact_section(user, contact: Contact, notes: bool):
    """The contact page's section of the case raised from its parent's opinion: the case's state
    and its answer to the parent, or the action that raises it. Only for those who read the
    private notes (the opinion is one: seed 002 §7). Markup or None."""
    if not notes:
        return None
    case = services.case_of_contact(contact.id)
    may_raise = (
        case is None
        and contact.status is not ContactStatus.WITHDRAWN
        and bool(contact.parents_opinions.strip())
        and services.may_raise_from_contact(user, contact)
    )
    form = g.pop("contact_case_form", None) or fresh(ContactCaseForm)
    if case is None and not may_raise and not form.all_errors:
        return None
    return Markup(
        render_template(
            "cases/_partials/contact_case.html",
            contact=contact,
            case=case,
            can_open=case is not None and can(user, Need.VIEW, case),
            may_raise=may_raise,
            form=form,
        )
    )


contact_views.register_contact_section(contact_section)
