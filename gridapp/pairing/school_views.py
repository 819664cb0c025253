"""The school leaders' pairing pages (issue 16 items 1–2): the students in need who are not paired,
the proposal applied in one step, pairing a teacher with students, ending and moving a pairing,
and the school's pairing settings. The principal (also Party secretary) and the school admin;
anyone else, the district included, gets 404. Routes of the pairing blueprint."""

from __future__ import annotations

from collections import Counter

from flask import render_template, request, url_for
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from gridapp.core import audit
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page, form_status, fresh, submit
from gridapp.core.htmx import wants_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, paginate, str_arg
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.pairing import school_lists, services
from gridapp.pairing.forms import (
    DecideMarkForm,
    EndForm,
    MoveForm,
    PairForm,
    ProposalForm,
    SettingsForm,
)
from gridapp.pairing.permissions import load_pairing
from gridapp.pairing.views import _me, bp
from gridapp.schools.models import School
from gridapp.schools.permissions import is_school_leader, load_school


@bp.app_template_global()
def pairing_url(pairing_id: int) -> str:
    """The pairing's page (`pairing.pairing_page`)."""
    return url_for("pairing.pairing_page", pairing_id=pairing_id)


def _leader_school(school_id: int) -> School:
    """The school if the user leads it (principal, Party secretary, school admin); 404 else."""
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(_me(), school.id))
    return school


def _teacher_choices(school_id: int, blank: str, skip: int | None = None) -> list:
    """The school's Party-member teachers as select choices, each with their load against N."""
    loads = services.loads(school_id)
    cap = services.settings(school_id).max_students
    return [SelectChoice("", blank)] + [
        SelectChoice(
            t.id, _("%(name)s（已结对 %(n)d/%(cap)d）", name=t.name, n=loads.get(t.id, 0), cap=cap)
        )
        for t in services.party_teachers(school_id)
        if t.id != skip
    ]


@bp.get("/schools/<int:school_id>/pairing")
@login_required
def school_pairing(school_id: int):
    """The students in need not yet paired (the target is none), head teachers' marks waiting for
    a decision, the Party-member teachers' loads and the active pairings (searched, paged)."""
    return school_page(_leader_school(school_id), fresh(DecideMarkForm))


def school_page(school: School, decide: DecideMarkForm, decided: int | None = None):
    """The school's pairing page; `decide` is the decision form (shown with its errors beside the
    mark `decided` when a decision was refused). Showing focus categories is a view of sensitive
    data: audited as `pairing.school.view`."""
    search = str_arg("q")
    page = paginate(school_lists.active_pairings(school.id, search))
    if wants_fragment():
        return render_template(
            "pairing/_partials/school_pairings.html", school=school, page=page, search=search
        )
    unpaired = services.unpaired_in_need(school.id)
    focus = services.focus_categories(s.id for s in unpaired)
    if any(c.sensitive for cats in focus.values() for c in cats):
        audit.record(_me(), "pairing.school.view", school_id=school.id, students=len(unpaired))
        db.session.commit()
    loads = services.loads(school.id)
    return render_template(
        "pairing/school_pairing.html",
        school=school,
        unpaired=unpaired,
        focus=focus,
        marks=services.open_marks(s.id for s in unpaired),
        proposed=services.proposed_marks(school.id),
        teachers=services.party_teachers(school.id),
        loads=loads,
        cap=services.settings(school.id).max_students,
        page=page,
        search=search,
        decide=decide,
        decided=decided,
    ), form_status(decide)


@bp.route("/schools/<int:school_id>/pairing/proposal", methods=["GET", "POST"])
@login_required
def proposal(school_id: int):
    """The proposal (services.propose) as a table the leader adjusts row by row, applied in one
    step (services.apply_proposal): all rows or none."""
    school, user = _leader_school(school_id), _me()
    lines = services.propose(school.id)
    if request.method == "POST":
        form = ProposalForm()
    else:
        rows = [
            {"student_id": line.student.id, "teacher_id": line.teacher.id if line.teacher else None}
            for line in lines
        ]
        form = fresh(ProposalForm, rows=rows, starts_on=today())
    choices = _teacher_choices(school.id, _("暂不结对"))
    for row in form.rows:
        row.teacher_id.choices = choices
    if request.method == "POST":

        def run():
            kept = [i for i, row in enumerate(form.rows) if row.teacher_id.data is not None]
            form.pair_rows = kept
            pairs = [(form.rows[i].student_id.data, form.rows[i].teacher_id.data) for i in kept]
            return services.apply_proposal(user, school.id, pairs, form.starts_on.data, today())

        done = submit(
            form, run, then=url_for(".school_pairing", school_id=school.id),
            message=lambda n: _("已结对 %(n)d 名学生", n=n),
        )  # fmt: skip
        if done:
            return done
    ids = [row.student_id.data for row in form.rows]
    loads, added = services.loads(school.id), Counter(x.teacher for x in lines if x.teacher)
    return form_page(
        "pairing/school_proposal.html", form, school=school,
        why={line.student.id: line for line in lines},
        totals=[(t, n, loads.get(t.id, 0) + n) for t, n in added.items()],
        cap=services.settings(school.id).max_students,
        students={s.id: s for s in school_lists.school_students(school.id, ids)},
    )  # fmt: skip


@bp.route("/schools/<int:school_id>/pairing/new", methods=["GET", "POST"])
@login_required
def new_pairing(school_id: int):
    """Pair one Party-member teacher with students: the unpaired in need, or any active student
    of the school found by name or number. Above the school's N the leader ticks a confirmation.
    The search button posts the form back unchanged, so nothing typed is lost."""
    school, user = _leader_school(school_id), _me()
    searching = request.method == "POST" and "search" in request.form
    if request.method == "POST":
        form = PairForm()
    else:
        student = int_arg("student")
        form = fresh(
            PairForm, starts_on=today(), teacher_id=int_arg("teacher"),
            student_ids=[student] if student else [],
        )  # fmt: skip
    form.teacher_id.choices = _teacher_choices(school.id, _("请选择"))
    if request.method == "POST" and not searching:
        done = submit(
            form,
            lambda: services.pair(
                user, school.id, form.teacher_id.data, form.student_ids.data or [],
                form.starts_on.data, today(), reason=form.reason.data or "",
                over_cap_confirmed=bool(form.confirm_over_cap.data),
            ),
            then=url_for(".school_pairing", school_id=school.id),
            message=lambda made: _("已结对 %(n)d 名学生", n=len(made)),
        )  # fmt: skip
        if done:
            return done
    search = (form.q.data or "")[:50]
    unpaired = services.unpaired_in_need(school.id)
    known = {s.id for s in unpaired}
    found = [s for s in school_lists.find_students(school.id, search) if s.id not in known]
    known |= {s.id for s in found}
    chosen = [i for i in (form.student_ids.data or []) if i not in known]
    kept = school_lists.school_students(school.id, chosen)
    students = unpaired + found + kept
    return form_page(
        "pairing/school_new.html", form, school=school, unpaired_ids={s.id for s in unpaired},
        students=students, found=found, searched=bool(search) and searching,
        paired=school_lists.paired_student_ids(s.id for s in students),
        selected=set(form.student_ids.data or []),
        show_confirm=bool(form.confirm_over_cap.errors or form.confirm_over_cap.data),
    )  # fmt: skip


@bp.route("/pairings/<int:pairing_id>/end", methods=["GET", "POST"])
@login_required
def end_pairing(pairing_id: int):
    """End an active pairing with a date and a reason (the history is kept)."""
    pairing, user = load_pairing(pairing_id, Need.MANAGE), _me()
    if request.method == "POST":
        form = EndForm()
        done = submit(
            form,
            lambda: services.end_pairing(
                user, pairing, form.ends_on.data, form.end_reason.data or "", today()
            ),
            then=url_for(".school_pairing", school_id=pairing.school_id),
            message=_("已结束 %(t)s 与 %(s)s 的结对", t=pairing.teacher.name,
                      s=pairing.student.name),
        )  # fmt: skip
        if done:
            return done
    else:
        form = fresh(EndForm, ends_on=today())
    return form_page("pairing/school_end.html", form, pairing=pairing)


@bp.route("/pairings/<int:pairing_id>/move", methods=["GET", "POST"])
@login_required
def move_pairing(pairing_id: int):
    """Move the student to another Party-member teacher from a date: this pairing ends, a new
    one continues it (the whole history stays)."""
    pairing, user = load_pairing(pairing_id, Need.MANAGE), _me()
    student = pairing.student
    form = MoveForm() if request.method == "POST" else fresh(MoveForm, ends_on=today())
    form.teacher_id.choices = _teacher_choices(pairing.school_id, _("请选择"), pairing.teacher_id)
    if request.method == "POST":

        def run():
            try:
                return services.move_pairing(
                    user, pairing, form.teacher_id.data, form.ends_on.data,
                    form.end_reason.data or "", today(),
                    over_cap_confirmed=bool(form.confirm_over_cap.data),
                )  # fmt: skip
            except RuleViolation as e:
                # The new pairing starts on the day the old one ends: one date on this form.
                if e.field == "starts_on":
                    e.field = "ends_on"
                raise

        done = submit(
            form, run, then=url_for(".school_pairing", school_id=pairing.school_id),
            message=lambda new: _("%(s)s 已改由 %(t)s 结对", s=student.name, t=new.teacher.name),
        )  # fmt: skip
        if done:
            return done
    return form_page(
        "pairing/school_move.html", form, pairing=pairing,
        show_confirm=bool(form.confirm_over_cap.errors or form.confirm_over_cap.data),
    )  # fmt: skip


@bp.route("/schools/<int:school_id>/pairing/settings", methods=["GET", "POST"])
@login_required
def pairing_settings(school_id: int):
    """The school's N of 1+N, the support log's rhythm and the days for a new pairing's plan."""
    school, user = _leader_school(school_id), _me()
    if request.method == "POST":
        form = SettingsForm()
        done = submit(
            form,
            lambda: services.save_settings(
                user, school.id, form.max_students.data, form.log_every_days.data,
                form.plan_within_days.data,
            ),
            then=url_for(".pairing_settings", school_id=school.id),
            message=_("结对设置已保存"),
        )  # fmt: skip
        if done:
            return done
    else:
        row = services.settings(school.id)
        form = fresh(
            SettingsForm, max_students=row.max_students, log_every_days=row.log_every_days,
            plan_within_days=row.plan_within_days,
        )  # fmt: skip
    return form_page("pairing/school_settings.html", form, school=school)
