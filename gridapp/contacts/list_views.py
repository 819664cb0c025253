"""Contact lists (a teacher's, a school's, a parent's), worklists and the schools' quota numbers.
Routes of the contacts blueprint (gridapp.contacts.views)."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import Role, User
from gridapp.contacts import drowning, rules, services, worklists
from gridapp.contacts.forms import (
    QuotaForm,
)
from gridapp.contacts.models import (
    ContactForm,
    ContactStatus,
    FiguresCount,
    QuotaRule,
)
from gridapp.contacts.views import bp
from gridapp.core import generations
from gridapp.core.forms import form_page, submit
from gridapp.core.htmx import page_or_fragment, wants_fragment
from gridapp.core.i18n import current_lang
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of, paginate
from gridapp.core.permissions import Need, can, require
from gridapp.core.time import today
from gridapp.people.class_views import register_class_fact
from gridapp.people.permissions import guardian_family_ids
from gridapp.people.services import children_of
from gridapp.schools.models import BreakCountsFor, SchoolClass
from gridapp.schools.permissions import (
    district_school_ids,
    headed_class_ids,
    leader_school_ids,
    load_class_for_staff,
    load_school,
)


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/contacts")
@login_required
def contacts():
    """The teacher's records, and those waiting for their review."""
    user = _me()
    require(user.has_role(Role.TEACHER))
    tab = request.args.get("tab", "mine")
    if tab != "review":
        tab = "mine"
    status = request.args.get("status", "")
    q = services.teacher_contacts_query(user, tab == "review", status)
    page = paginate(q)
    return page_or_fragment(
        "contacts/list.html",
        "contacts/_partials/contact_rows.html",
        page=page,
        tab=tab,
        status=status,
        names=services.student_names(page.items),
        statuses=list(ContactStatus),
        review_count=services.review_count(user),
    )


@bp.get("/schools/<int:school_id>/contacts")
@login_required
def school_contacts(school_id: int):
    """The school's records for its leaders: filter by form, status, and low parent ratings."""
    school = load_school(school_id, Need.VIEW)
    user = _me()
    require(school.id in leader_school_ids(user))
    status = request.args.get("status", "")
    form = request.args.get("form", "")
    low = request.args.get("low") == "1"
    page = paginate(services.school_contacts_query(school.id, status, form, low))
    ratings = services.lowest_evaluations([c.id for c in page.items])
    return page_or_fragment(
        "contacts/school_list.html",
        "contacts/_partials/contact_rows.html",
        school=school,
        page=page,
        status=status,
        form=form,
        low=low,
        names=services.student_names(page.items),
        ratings=ratings,
        statuses=list(ContactStatus),
        forms=list(ContactForm),
        low_count=services.flagged_count(school.id),
    )


@bp.get("/my/contacts")
@login_required
def parent_contacts():
    """A guardian's view: contacts with their family, each to rate."""
    user = _me()
    families = guardian_family_ids(user)
    require(bool(families))
    page = paginate(services.parent_contacts_query(families))
    mine = services.guardian_ratings(user.id, [c.id for c in page.items])
    child_ids = {s.id for s in children_of(user)}  # which of their children each was about
    return render_template(
        "contacts/parent_list.html", page=page, ratings=mine, child_ids=child_ids
    )


@bp.get("/worklist")
@login_required
def worklist():
    user = _me()
    school_id = worklists.teacher_school_id(user, int_arg("school"))
    require(school_id is not None)
    day = today()
    school, period, lines, headed, returned, due = worklists.teacher_work(user, school_id, day)
    rule = request.args.get("rule", "")
    if rule in worklists.rule_labels():
        lines = [line for line in lines if any(o.rule == rule for o in line.owed)]
        due = worklists.due_soon(lines, day)
    page = page_of(lines)

    def rows() -> str:
        return render_template(
            "contacts/_partials/worklist_rows.html",
            page=page,
            rule=rule,
            labels=worklists.rule_labels(),
            status_labels=rules.status_labels(),
            today=day,
            show_focus=bool(headed),
            class_url=None,
            notes=worklists.line_notes(
                user, school.id, [line.family_id for line in page.items], day
            ),
        )

    # The list's HTML is kept with the figures it shows (same generation, day, language and
    # query): a teacher who opens the worklist again sees it without rendering 25 families.
    key = ("worklist_rows", user.id, day, current_lang(), request.query_string)
    rows_html = Markup(generations.kept(key, school.id, rows))
    if wants_fragment():
        return rows_html
    return render_template(
        "contacts/worklist.html",
        school=school,
        schools=worklists.teacher_schools(user),
        period=period,
        page=page,
        rule=rule,
        labels=worklists.rule_labels(),
        rows=rows_html,
        returned=returned,
        today=day,
        due_soon=due,
        show_focus=bool(headed),
        extra_sections=worklists.extra_sections(user, day),
    )


@bp.get("/classes/<int:class_id>/worklist")
@login_required
def class_worklist(class_id: int):
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    show_focus = school_class.id in headed_class_ids(user) or (
        school_class.school_id in leader_school_ids(user)
    )
    period, lines, coverage = worklists.class_work(school_class, today(), show_focus)
    rule = request.args.get("rule", "")
    if rule in worklists.rule_labels():
        lines = [line for line in lines if any(o.rule == rule for o in line.owed)]
    return page_or_fragment(
        "contacts/class_worklist.html",
        "contacts/_partials/worklist_rows.html",
        school_class=school_class,
        period=period,
        page=page_of(lines),
        rule=rule,
        labels=worklists.rule_labels(),
        status_labels=rules.status_labels(),
        coverage=coverage,
        today=today(),
        show_focus=show_focus,
        class_url=True,
    )


def _drowning_letter_fact(user: User, school_class: SchoolClass) -> Markup | None:
    """The class page's line on the drowning-prevention letter (seed 000 三.4): how many of
    the class's students' families a door visit saw it delivered to this school year."""
    share = drowning.current_class_share(school_class.school_id, school_class.id, today())
    if share is None or not share.total:
        return None
    # Built here, not from a template: a template runs every context processor again (the
    # class page is a hot path; as parent_school.views._class_fact).
    return Markup(
        '<p class="drowning-letter"><span>{}</span>\n  <b>{}</b> <small class="muted">{}</small></p>'
    ).format(
        _("防溺水致家长一封信（本学年上门家访确认送达）："),
        share.percent,
        _("%(met)d/%(total)d 名学生的家庭", met=share.met, total=share.total),
    )


register_class_fact(_drowning_letter_fact)


@bp.route("/schools/<int:school_id>/quotas", methods=["GET", "POST"])
@login_required
def quotas(school_id: int):
    school = load_school(school_id, Need.VIEW)
    user = _me()
    require(school.id in leader_school_ids(user) or school.id in district_school_ids(user))
    can_manage = can(user, Need.MANAGE, school)
    period = rules.period_for(school.id, today())
    from_on = services.quota_start(school.id, period, today())
    current = rules.quotas_for(school.id, from_on) if from_on else rules.DEFAULT_QUOTAS
    data = {r.value: v for r, v in current.items()}
    data["break_counts_for"] = school.break_counts_for.value
    reviewed_only, late_entry_days = rules.counting_for(school.id)
    counting = {
        "figures_count": (
            FiguresCount.REVIEWED_ONLY if reviewed_only else FiguresCount.ALL_BUT_RETURNED
        ).value,
        "late_entry_days": late_entry_days,
    }
    data.update(counting)
    # Sent without the holiday or counting choices (an older form): the school's settings stay.
    form = QuotaForm(
        data=data
        if request.method == "GET"
        else {"break_counts_for": data["break_counts_for"], **counting}
    )
    if request.method == "POST":
        require(can_manage)
        if period is None:
            form.form_errors.append(_("请先在校历中设置学期"))
        else:
            done = submit(
                form,
                lambda: (
                    services.set_quotas(
                        user, school.id, from_on,
                        {r: getattr(form, r.value).data for r in QuotaRule},
                        break_counts_for=BreakCountsFor(form.break_counts_for.data),
                    ),
                    services.set_counting(
                        user, school.id, FiguresCount(form.figures_count.data),
                        form.late_entry_days.data,
                    ),
                ),
                then=url_for(".quotas", school_id=school.id),
                message=_("已保存，自本学期起生效"),
            )  # fmt: skip
            if done:
                return done
    return form_page(
        "contacts/quotas.html",
        form,
        school=school,
        period=period,
        from_on=from_on,
        can_manage=can_manage,
        reviewed_only=reviewed_only,
    )
