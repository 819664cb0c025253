"""Case settings: a school's deadlines, approval, canned replies and closures; the district's
official days. Routes of the cases blueprint (gridapp.cases.views)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import Role, User
from gridapp.cases import services
from gridapp.cases.forms import (
    CannedForm,
    ClosureForm,
    DeadlinesForm,
    OfficialDayForm,
)
from gridapp.cases.models import CaseCategory
from gridapp.cases.views import bp
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import ActionForm, form_status, fresh, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.schools.permissions import leader_school_ids, load_school


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/schools/<int:school_id>/case-settings", methods=["GET", "POST"])
@login_required
def case_settings(school_id: int):
    """Deadlines per category in working days, whether replies need the principal's approval,
    canned replies, and the school's closures. Leaders see them; the school admin and the
    principal change them."""
    from gridapp.cases.models import CannedReply
    from gridapp.schools import services as school_services
    from gridapp.schools.models import SchoolClosure
    from gridapp.schools.workdays import WorkCalendar

    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(school.id in leader_school_ids(user))
    workdays = {c: services.workdays_for(school.id, c) for c in CaseCategory}
    approval = services.settings_for(school.id).reply_needs_approval
    forms = {
        "deadlines": fresh(
            DeadlinesForm, approval=approval, **{c.value: workdays[c] for c in CaseCategory}
        ),
        "canned": fresh(CannedForm),
        "closure": fresh(ClosureForm),
    }
    if request.method == "POST":
        sent = ActionForm()
        action = sent.action.data

        def row_of(model):
            row = db.session.get(model, sent.id.data or 0)
            if row is None or row.school_id != school.id:
                abort(404)
            return row

        if action == "deadlines":
            form = forms[action] = DeadlinesForm()
            run = lambda: services.set_deadlines(  # noqa: E731
                user, school.id, {c: form[c.value].data for c in CaseCategory},
                form.approval.data,
            )  # fmt: skip
            message = _("办理期限已保存")
        elif action == "canned":
            form = forms[action] = CannedForm()
            run = lambda: services.add_canned_reply(  # noqa: E731
                user, school.id, CaseCategory(form.category.data), form.title.data,
                form.text.data,
            )  # fmt: skip
            message = _("常用答复已添加")
        elif action == "remove_canned":
            form = sent
            run = lambda: services.remove_canned_reply(user, row_of(CannedReply))  # noqa: E731
            message = _("常用答复已删除")
        elif action == "closure":
            form = forms[action] = ClosureForm()
            run = lambda: school_services.add_closure(  # noqa: E731
                user, school, form.on.data, form.reason.data or ""
            )
            message = _("停课日已登记")
        elif action == "remove_closure":
            form = sent
            run = lambda: school_services.remove_closure(user, row_of(SchoolClosure))  # noqa: E731
            message = _("停课日已删除")
        else:
            form, message = sent, None

            def run():
                raise RuleViolation(_("未知的操作"))

        done = submit(
            form, run, then=url_for(".case_settings", school_id=school.id), message=message
        )
        if done:
            return done
        forms.setdefault("row", form)
    closures = services.school_closures(school.id)
    canned = services.school_canned_replies(school.id)
    cal = WorkCalendar(school.district_id, school.id)
    year = today().year
    return render_template(
        "cases/case_settings.html",
        school=school,
        forms=forms,
        closures=closures,
        canned=canned,
        categories=list(CaseCategory),
        sources={y: cal.source(y) for y in (year, year + 1)},
    ), form_status(*forms.values())


@bp.route("/district/calendar", methods=["GET", "POST"])
@login_required
def district_calendar():
    """The official holiday schedule of years the holiday library does not know (entered by the
    district admin), and where each year's working days come from."""
    from gridapp.schools import services as school_services
    from gridapp.schools.models import OfficialDay
    from gridapp.schools.workdays import WorkCalendar

    user = _me()
    if not user.is_district:
        abort(404)
    form, sent = fresh(OfficialDayForm), None
    if request.method == "POST":
        if not user.has_role(Role.DISTRICT_ADMIN):
            abort(404)
        sent = ActionForm()
        if sent.action.data == "remove":

            def run():
                row = db.session.get(OfficialDay, sent.id.data or 0)
                if row is None or row.district_id != user.district_id:
                    abort(404)
                school_services.remove_official_day(user, row)
        else:
            form, sent = OfficialDayForm(), None

            def run():
                school_services.add_official_day(
                    user, user.district_id, form.on.data, form.kind.data == "workday",
                    form.name.data or "",
                )  # fmt: skip

        done = submit(
            sent or form, run, then=url_for(".district_calendar"), message=_("放假安排已保存")
        )
        if done:
            return done
    days = services.official_days(user.district_id)
    cal = WorkCalendar(user.district_id)
    year = today().year
    return render_template(
        "cases/district_calendar.html",
        days=days,
        sources={y: cal.source(y) for y in (year, year + 1, year + 2)},
        may_edit=user.has_role(Role.DISTRICT_ADMIN),
        form=form,
        sent=sent,
    ), form_status(form, sent)
