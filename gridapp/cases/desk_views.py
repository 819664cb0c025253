"""The opinion desk: a school's cases with their filters, registering a case, the cases assigned
to a teacher and a parent's own letters. Routes of the cases blueprint (gridapp.cases.views)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import User
from gridapp.cases import services
from gridapp.cases.forms import (
    LetterRateForm,
    RegisterCaseForm,
)
from gridapp.cases.models import CaseCategory, CaseSource, CaseStatus
from gridapp.cases.permissions import load_own_letter
from gridapp.cases.views import bp
from gridapp.core.forms import form_page, fresh, reload_to, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import paginate
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.schools.permissions import leader_school_ids, load_school


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/schools/<int:school_id>/cases")
@login_required
def school_cases(school_id: int):
    """The principal's desk: the school's cases by state and deadline, what waits for approval."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    q, filters = services.desk_query(school.id, request.args)
    page = paginate(q)
    return page_or_fragment(
        "cases/school_cases.html",
        "cases/_partials/case_rows.html",
        school=school,
        page=page,
        counts=services.desk_counts({school.id}),
        statuses=list(CaseStatus),
        sources=list(CaseSource),
        categories=list(CaseCategory),
        today=today(),
        **filters,
    )


@bp.route("/schools/<int:school_id>/cases/new", methods=["GET", "POST"])
@login_required
def register_case(school_id: int):
    """A paper letter, a walk-in, a hotline call or an online message, registered by staff."""
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(_me()))
    form = RegisterCaseForm()
    form.source.choices = [(s.value, s.label) for s in services.STAFF_SOURCES]
    form.received_on.render_kw = {"max": today().isoformat()}  # the browser's hint; checked too
    done = submit(
        form,
        lambda: services.register_by_staff(
            _me(), school.id, CaseSource(form.source.data), CaseCategory(form.category.data),
            form.subject.data, form.words.data, form.wants_answer.data,
            received_on=form.received_on.data, received_time=form.received_time.data,
            caller_name=form.caller_name.data or "", caller_phone=form.caller_phone.data or "",
        ),
        then=lambda case: url_for(".case", case_id=case.id),
        message=lambda case: _("已登记，编号 #%(n)d", n=case.id),
    )  # fmt: skip
    if done:
        return done
    return form_page("cases/register_case.html", form, school=school)


@bp.get("/my/cases")
@login_required
def my_cases():
    """Cases assigned to me, nearest deadline first."""
    user = _me()
    page = paginate(services.assigned_cases_query(user))
    if not page.total and not user.staff_school_ids:
        abort(404)
    return render_template("cases/my_cases.html", page=page, today=today())


@bp.get("/my/letters")
@login_required
def my_letters():
    """A logged-in parent's named letters to the mailbox, with their status and public replies;
    a reply waiting for the parent's rating has its rating form here (no code needed)."""
    user = _me()
    if not user.is_guardian:
        abort(404)
    return _letters_page(user)


def _letters_page(user, rated=None, form=None):
    letters = services.named_letters(user)
    forms = {
        letter.id: form if rated == letter.id else fresh(LetterRateForm)
        for letter in letters
        if services.awaits_rating(letter)
    }
    status = (getattr(form, "status", None) or 422) if form is not None else 200
    return render_template(
        "cases/my_letters.html", letters=letters, forms=forms, failed=form
    ), status


@bp.route("/my/letters/<int:letter_id>/rating", methods=["GET", "POST"])
@login_required
def rate_letter(letter_id: int):
    """The parent rates the school's reply to their own named letter (as on the tracking page)."""
    letter = load_own_letter(letter_id)
    if request.method == "GET":
        return reload_to(url_for("cases.my_letters"))
    form = LetterRateForm()
    if letter.case is None:
        abort(404)

    def message(reopened: bool) -> str:
        return _("感谢评价。学校将重新办理您的意见。") if reopened else _("感谢您的评价。")

    sent = submit(
        form,
        lambda: services.rate(letter.case, form.rating.data, form.comment.data or "", _me()),
        then=url_for("cases.my_letters"),
        message=message,
    )
    return sent or _letters_page(_me(), letter.id, form)
