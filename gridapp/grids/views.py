"""Grid pages: dividing a class into grids, the grid teacher's grid, and the grid family log."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.contacts import rules, worklists
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.core.forms import (
    form_status,
    reload_to,
    submit,
)
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, can
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.grids import services
from gridapp.grids.forms import (
    GridLogForm,
)
from gridapp.grids.models import (
    Grid,
    GridLog,
    GridLogKind,
    GuidanceActivity,
)
from gridapp.grids.permissions import can_plan_activity, load_grid
from gridapp.people import services as people_services
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    headed_class_ids,
    leader_school_ids,
    sees_sensitive_in_class,
    taught_class_ids,
)

bp = Blueprint("grids", __name__)


def _me() -> User:
    return current_user._get_current_object()


# ---- the grid teacher's grid ----------------------------------------------------------------------


def _grid_families(grid: Grid):
    """The grid's families: students, primary guardian, last contact, recent log entries."""
    family_ids = [m.family_id for m in grid.members]
    if not family_ids:
        return []
    students = db.session.execute(
        select(Student.id, Student.name, Student.family_id, Student.community, Student.address)
        .where(
            Student.family_id.in_(family_ids),
            Student.class_id == grid.class_id,
            Student.status == StudentStatus.ACTIVE,
        )
        .order_by(Student.student_number)
    ).all()
    primary = {
        r.family_id: r
        for r in db.session.execute(
            select(
                Student.family_id,
                Student.id.label("student_id"),
                Guardian.id.label("guardian_id"),
                Guardian.name,
                Guardian.relation,
                Guardian.mobile,
            )
            .join(StudentGuardian, StudentGuardian.student_id == Student.id)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(
                Student.family_id.in_(family_ids),
                Student.class_id == grid.class_id,
                StudentGuardian.is_primary,
            )
        )
    }
    last = dict(
        db.session.execute(
            select(Contact.family_id, func.max(Contact.contact_on))
            .where(Contact.family_id.in_(family_ids), Contact.status != ContactStatus.WITHDRAWN)
            .group_by(Contact.family_id)
        ).all()
    )
    logs: dict[int, list[GridLog]] = {}
    for entry in db.session.scalars(
        select(GridLog)
        .where(GridLog.grid_id == grid.id)
        .options(joinedload(GridLog.author))
        .order_by(GridLog.happened_on.desc(), GridLog.id.desc())
    ):
        logs.setdefault(entry.family_id, []).append(entry)
    out = {}
    for s in students:
        fam = out.setdefault(
            s.family_id,
            {"family_id": s.family_id, "students": [], "address": s.address or s.community},
        )
        fam["students"].append((s.id, s.name))
    for fam in out.values():
        fid = fam["family_id"]
        fam["guardian"] = primary.get(fid)
        fam["last_contact_on"] = last.get(fid)
        fam["logs"] = logs.get(fid, [])
    return sorted(out.values(), key=lambda f: f["students"][0][1])


@bp.get("/grids/<int:grid_id>")
@login_required
def grid_page(grid_id: int, log=None, relay=None):
    """The grid's families, their logs and cases. `log` or `relay` is a family's form shown
    again with its error (family id, form)."""
    user = _me()
    grid = load_grid(
        grid_id,
        Need.VIEW,
        options=(
            joinedload(Grid.school_class),
            joinedload(Grid.grid_teacher),
            joinedload(Grid.deputy),
        ),
    )
    families = _grid_families(grid)
    keepers = {grid.grid_teacher_id, grid.deputy_id}
    show_focus = (
        user.id in keepers
        or grid.class_id in headed_class_ids(user)
        or grid.school_id in leader_school_ids(user)
    )
    period = rules.period_for(grid.school_id, today())
    owed = {}
    focus = set()
    if period:
        for line in worklists.class_worklist(period, grid.class_id, show_focus):
            owed[line.family_id] = line.owed
            if line.is_focus:
                focus.add(line.family_id)
    from gridapp.cases.models import Case, CaseCategory

    student_ids = [sid for fam in families for sid, _name in fam["students"]]
    focus_of = people_services.open_focus(student_ids) if show_focus else {}
    sees_sensitive = sees_sensitive_in_class(user, grid.class_id, grid.school_id)
    attended = services.attendance_counts(
        [f["family_id"] for f in families],
        period.starts_on if period else None,
        period.ends_on if period else None,
    )
    activities = db.session.scalars(
        select(GuidanceActivity)
        .where(
            GuidanceActivity.class_id == grid.class_id,
            or_(GuidanceActivity.grid_id == grid.id, GuidanceActivity.grid_id.is_(None)),
        )
        .order_by(GuidanceActivity.held_on.desc(), GuidanceActivity.id.desc())
        .limit(5)
    ).all()
    cases: dict[int, list] = {}
    for c in db.session.scalars(
        select(Case).where(Case.grid_id == grid.id).order_by(Case.id.desc())
    ):
        cases.setdefault(c.family_id, []).append(c)
    return render_template(
        "grids/grid.html",
        cases=cases,
        categories=list(CaseCategory),
        grid=grid,
        families=families,
        owed=owed,
        focus=focus,
        can_log=can(user, Need.EDIT, grid),
        focus_of=focus_of,
        sees_sensitive=sees_sensitive,
        focus_choices=services.focus_choices(user, grid),
        attended=attended,
        activities=activities,
        may_plan=can_plan_activity(user, grid.school_class, grid),
        log_form=GridLogForm(happened_on=today()),
        log=log or (None, None),
        relay=relay or (None, None),
        kinds=list(GridLogKind),
        today=today(),
    ), form_status(log and log[1], relay and relay[1])


@bp.route("/grids/<int:grid_id>/logs", methods=["GET", "POST"])
@login_required
def add_log(grid_id: int):
    user = _me()
    grid = load_grid(grid_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".grid_page", grid_id=grid.id))
    form = GridLogForm()
    done = submit(
        form,
        lambda: services.add_log(
            user, grid, form.family_id.data, GridLogKind(form.kind.data), form.happened_on.data,
            form.text.data, today(), services.parse_focus(form.focus_student.data, form.focus.data),
        ),
        then=url_for(".grid_page", grid_id=grid.id) + f"#family-{form.family_id.data}",
        message=_("已记入网格档案"),
    )  # fmt: skip
    return done or grid_page(grid.id, log=(form.family_id.data, form))


@bp.route("/grids/<int:grid_id>/relays", methods=["GET", "POST"])
@login_required
def relay(grid_id: int):
    """The grid teacher relays a parent's opinion: it becomes a case for the school."""
    from gridapp.cases import services as cases
    from gridapp.cases.forms import RelayForm
    from gridapp.cases.models import CaseCategory

    user = _me()
    grid = load_grid(grid_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".grid_page", grid_id=grid.id))
    form = RelayForm()
    done = submit(
        form,
        lambda: cases.relay_from_grid(
            user, grid, form.family_id.data or 0, CaseCategory(form.category.data),
            form.words.data or "", form.wants_answer.data,
        ),
        then=lambda case: url_for(".grid_page", grid_id=grid.id) + f"#family-{case.family_id}",
        message=lambda case: _("已转达学校，编号 #%(n)d", n=case.id),
    )  # fmt: skip
    return done or grid_page(grid.id, relay=(form.family_id.data, form))


@bp.get("/my/grids")
@login_required
def my_grids():
    user = _me()
    headed = headed_class_ids(user)
    grids = db.session.scalars(
        select(Grid)
        .where(
            or_(
                Grid.grid_teacher_id == user.id,
                Grid.deputy_id == user.id,
                Grid.class_id.in_(sorted(headed)),
            )
        )
        .options(joinedload(Grid.school_class), joinedload(Grid.grid_teacher))
        .order_by(Grid.class_id, Grid.number)
    ).all()
    sizes = services.grid_sizes({g.class_id for g in grids}) if grids else {}
    headed_without = []
    if headed:
        with_grids = set(
            db.session.scalars(select(Grid.class_id).where(Grid.class_id.in_(sorted(headed))))
        )
        headed_without = db.session.scalars(
            select(SchoolClass).where(SchoolClass.id.in_(sorted(headed - with_grids)))
        ).all()
    if not grids and not headed_without and not taught_class_ids(user):
        abort(404)
    return render_template(
        "grids/my_grids.html", grids=grids, sizes=sizes, headed_without=headed_without
    )
