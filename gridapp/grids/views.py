"""Grid pages: dividing a class into grids, the grid teacher's grid, and the grid family log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from gridapp.accounts.models import User
from gridapp.contacts import rules, worklists
from gridapp.contacts.models import Contact, ContactStatus
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import (
    attempt,
    form_errors_text,
    form_page,
    form_status,
    reload_to,
    submit,
)
from gridapp.core.htmx import page_or_fragment, redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, paginate
from gridapp.core.permissions import (
    Need,
    can,
    can_divide_class,
    can_plan_activity,
    headed_class_ids,
    leader_school_ids,
    load_activity,
    load_class,
    load_class_for_staff,
    load_grid,
    require,
    sees_sensitive_in_class,
    taught_class_ids,
)
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.grids import services
from gridapp.grids.forms import (
    ActivityForm,
    AttendanceForm,
    GridCountForm,
    GridForm,
    GridLogForm,
    MoveFamilyForm,
)
from gridapp.grids.models import (
    Grid,
    GridLog,
    GridLogKind,
    GridMember,
    GuidanceActivity,
    GuidanceAttendance,
)
from gridapp.people import services as people_services
from gridapp.people.models import Guardian, Student, StudentGuardian, StudentStatus
from gridapp.schools.models import SchoolClass

bp = Blueprint("grids", __name__)


def _me() -> User:
    return current_user._get_current_object()


def _render_class_grids(
    school_class: SchoolClass, may_divide: bool, k: int | None, error=None, hx_trigger=None
):
    """The class's grids with their families (or, before there are any, the proposal), from
    one read of the class's families."""
    families = services.class_families(school_class.id)
    by_id = {f.family_id: f for f in families}
    grids = db.session.scalars(
        select(Grid)
        .where(Grid.class_id == school_class.id)
        .options(joinedload(Grid.grid_teacher), joinedload(Grid.deputy))
        .order_by(Grid.number)
    ).all()
    members: dict[int, list] = {g.id: [] for g in grids}
    placed = set()
    for m in db.session.scalars(select(GridMember).where(GridMember.class_id == school_class.id)):
        if m.family_id in by_id:
            members[m.grid_id].append(by_id[m.family_id])
            placed.add(m.family_id)
    if k is None:
        k = services.default_grid_count(len(families))
    proposal = []
    if not grids and families:
        try:
            proposal = services.propose(families, k)
        except RuleViolation as e:
            error = error or e.message
    return page_or_fragment(
        "grids/class_grids.html",
        "grids/_partials/class_grids.html",
        status_code=422 if error else 200,
        hx_trigger=hx_trigger,
        school_class=school_class,
        grids=grids,
        members=members,
        unassigned=[f for f in families if f.family_id not in placed] if grids else [],
        proposal=proposal,
        k=k,
        error=error,
        may_divide=may_divide,
        n_families=len(families),
    )


@bp.route("/classes/<int:class_id>/grids", methods=["GET", "POST"])
@login_required
def class_grids(class_id: int):
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    may_divide = can_divide_class(user, school_class)
    k = int_arg("grids", None, hi=services.MAX_GRIDS)
    error = None
    if request.method == "POST":
        require(may_divide)
        form = GridCountForm()
        k = form.grids.data or 0
        done = submit(
            form, lambda: services.create_grids(user, school_class, k),
            then=url_for(".class_grids", class_id=school_class.id),
            message=_("已划分 %(n)d 个网格，请检查并指定网格员", n=k),
        )  # fmt: skip
        if done:
            return done
        error = form_errors_text(form)
    return _render_class_grids(school_class, may_divide, k or None, error)


@bp.route("/classes/<int:class_id>/grids/move", methods=["GET", "POST"])
@login_required
def move_family(class_id: int):
    """A family into another grid; answered with the class's grids (the htmx fragment, with a
    toast), or with them again and the refusal above them."""
    user = _me()
    school_class = load_class(class_id, Need.VIEW)
    require(can_divide_class(user, school_class))
    if request.method == "GET":
        return reload_to(url_for(".class_grids", class_id=school_class.id))
    form = MoveFamilyForm()
    done, target = attempt(
        form,
        lambda: services.move_family(
            user, school_class, form.family_id.data or 0, form.grid_id.data or 0
        ),
    )
    if not done:
        return _render_class_grids(school_class, True, None, form_errors_text(form))
    return _render_class_grids(
        school_class, True, None, hx_trigger={"toast": _("已移入%(g)s", g=target.name)}
    )


def _teacher_choices(school_class: SchoolClass, empty: str | None):
    ids = services.class_teacher_ids(school_class)
    users = db.session.execute(
        select(User.id, User.name).where(User.id.in_(ids)).order_by(User.name)
    ).all()
    choices = [(u.id, u.name) for u in users]
    return ([("", empty)] if empty is not None else []) + choices


@bp.route("/grids/<int:grid_id>/settings", methods=["GET", "POST"])
@login_required
def grid_settings(grid_id: int):
    user = _me()
    grid = load_grid(grid_id, Need.MANAGE, options=(joinedload(Grid.school_class),))
    form = GridForm(obj=grid if request.method == "GET" else None)
    form.grid_teacher_id.choices = _teacher_choices(grid.school_class, None)
    form.deputy_id.choices = _teacher_choices(grid.school_class, _("（不设副网格员）"))
    if form.validate_on_submit():
        try:
            services.update_grid(
                user, grid, form.name.data, form.grid_teacher_id.data, form.deputy_id.data
            )
        except RuleViolation as e:
            form.add_violation(e)
        else:
            db.session.commit()
            flash(_("网格已保存"), "success")
            return redirect_303(url_for(".class_grids", class_id=grid.class_id))
    return form_page("grids/grid_settings.html", form, grid=grid)


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


# ---- guidance activities --------------------------------------------------------------------------


def _plannable_grids(user: User, school_class: SchoolClass) -> list[tuple]:
    """The (value, label) choices of an activity's audience that `user` may plan for."""
    grids = db.session.scalars(
        select(Grid).where(Grid.class_id == school_class.id).order_by(Grid.number)
    ).all()
    choices = []
    if can_plan_activity(user, school_class, None):
        choices.append(("", _("全班")))
    choices += [(g.id, g.name) for g in grids if can_plan_activity(user, school_class, g)]
    return choices


@bp.route("/classes/<int:class_id>/activities", methods=["GET", "POST"])
@login_required
def class_activities(class_id: int):
    """The class's guidance activities (newest first), and a form for a new one."""
    user = _me()
    school_class = load_class_for_staff(class_id, options=(joinedload(SchoolClass.school),))
    choices = _plannable_grids(user, school_class)
    form = ActivityForm(held_on=today()) if request.method == "GET" else ActivityForm()
    form.grid_id.choices = choices
    if request.method == "POST":
        require(bool(choices))
        if form.validate_on_submit():
            grid = db.session.get(Grid, form.grid_id.data) if form.grid_id.data else None
            if not can_plan_activity(user, school_class, grid):
                form.grid_id.errors = [_("只能选择本班你负责的网格")]
            else:
                try:
                    activity = services.create_activity(
                        user,
                        school_class,
                        services.ActivityData(
                            form.topic.data,
                            form.held_on.data,
                            form.place.data,
                            form.speaker.data,
                            form.grid_id.data,
                        ),  # fmt: skip
                        today(),
                    )
                except RuleViolation as e:
                    form.add_violation(e)
                else:
                    db.session.commit()
                    flash(_("活动已创建，请在活动后登记出席的家庭"), "success")
                    return redirect_303(url_for(".activity", activity_id=activity.id))
    q = (
        select(GuidanceActivity)
        .where(GuidanceActivity.class_id == school_class.id)
        .options(joinedload(GuidanceActivity.grid), joinedload(GuidanceActivity.created_by))
        .order_by(GuidanceActivity.held_on.desc(), GuidanceActivity.id.desc())
    )
    pagination = paginate(q, 20)
    counts = dict(
        db.session.execute(
            select(GuidanceAttendance.activity_id, func.count(GuidanceAttendance.id))
            .where(GuidanceAttendance.activity_id.in_([a.id for a in pagination.items]))
            .group_by(GuidanceAttendance.activity_id)
        ).all()
    )
    return form_page(
        "grids/activities.html",
        form,
        school_class=school_class,
        pagination=pagination,
        counts=counts,
        may_plan=bool(choices),
    )


def _render_activity(activity: GuidanceActivity, error: str | None = None, checked=None):
    families = services.activity_families(activity)
    if checked is None:
        checked = {a.family_id for a in activity.attendance}
    return render_template(
        "grids/activity.html",
        activity=activity,
        families=families,
        checked=checked,
        may_edit=can(_me(), Need.EDIT, activity),
        held=activity.held_on <= today(),
        error=error,
    ), (422 if error else 200)


@bp.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    return _render_activity(
        load_activity(
            activity_id,
            Need.VIEW,
            options=(joinedload(GuidanceActivity.school_class), joinedload(GuidanceActivity.grid)),
        )
    )


@bp.route("/activities/<int:activity_id>/attendance", methods=["GET", "POST"])
@login_required
def activity_attendance(activity_id: int):
    user = _me()
    activity = load_activity(activity_id, Need.EDIT)
    if request.method == "GET":
        return reload_to(url_for(".activity", activity_id=activity.id))
    form = AttendanceForm()
    family_ids = set(form.family_ids.data or [])
    done = submit(
        form, lambda: services.set_attendance(user, activity, family_ids, today()),
        then=url_for(".activity", activity_id=activity.id),
        message=_("已登记 %(n)d 个家庭出席", n=len(family_ids)),
    )  # fmt: skip
    if done:
        return done
    return _render_activity(activity, form_errors_text(form), family_ids or None)


# ---- the school's overview ------------------------------------------------------------------------


@bp.get("/schools/<int:school_id>/grids")
@login_required
def school_grids(school_id: int):
    """Grids per class, families per grid, the grid teachers' work this semester, and the classes
    without grids or grid teachers. A fixed number of queries, whatever the school's size."""
    from gridapp.cases.models import Case
    from gridapp.contacts.models import ContactTeacher
    from gridapp.core.permissions import load_school
    from gridapp.schools.models import Grade

    school = load_school(school_id, Need.VIEW)
    period = rules.period_for(school.id, today())
    classes = db.session.execute(
        select(SchoolClass.id, SchoolClass.name)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(SchoolClass.school_id == school.id)
        .order_by(Grade.level, SchoolClass.number)
    ).all()
    grids = db.session.scalars(
        select(Grid)
        .where(Grid.school_id == school.id)
        .options(joinedload(Grid.grid_teacher))
        .order_by(Grid.class_id, Grid.number)
    ).all()
    sizes = dict(
        db.session.execute(
            select(GridMember.grid_id, func.count(GridMember.id))
            .join(Grid, Grid.id == GridMember.grid_id)
            .where(Grid.school_id == school.id)
            .group_by(GridMember.grid_id)
        ).all()
    )
    since, until = (period.starts_on, period.ends_on) if period else (today(), today())
    logs = dict(
        db.session.execute(
            select(GridLog.grid_id, func.count(GridLog.id))
            .where(
                GridLog.school_id == school.id,
                GridLog.happened_on >= since,
                GridLog.happened_on <= until,
            )
            .group_by(GridLog.grid_id)
        ).all()
    )
    contacts = dict(
        db.session.execute(
            select(Grid.id, func.count(func.distinct(Contact.id)))
            .join(GridMember, GridMember.grid_id == Grid.id)
            .join(Contact, Contact.family_id == GridMember.family_id)
            .join(
                ContactTeacher,
                (ContactTeacher.contact_id == Contact.id)
                & (ContactTeacher.teacher_id == Grid.grid_teacher_id),
            )
            .where(
                Grid.school_id == school.id,
                Contact.status != ContactStatus.WITHDRAWN,
                Contact.contact_on >= since,
                Contact.contact_on <= until,
            )
            .group_by(Grid.id)
        ).all()
    )
    activities = dict(
        db.session.execute(
            select(GuidanceActivity.grid_id, func.count(GuidanceActivity.id))
            .where(
                GuidanceActivity.school_id == school.id,
                GuidanceActivity.grid_id.is_not(None),
                GuidanceActivity.held_on >= since,
                GuidanceActivity.held_on <= until,
            )
            .group_by(GuidanceActivity.grid_id)
        ).all()
    )
    relayed: dict[int, dict] = {}
    for grid_id, created_at, replied_at in db.session.execute(
        select(Case.grid_id, Case.created_at, Case.replied_at).where(
            Case.school_id == school.id, Case.grid_id.is_not(None)
        )
    ):
        r = relayed.setdefault(grid_id, {"count": 0, "replied": 0, "hours": []})
        r["count"] += 1
        if replied_at is not None:
            r["replied"] += 1
            r["hours"].append((replied_at - created_at).total_seconds() / 3600)
    by_class: dict[int, list[Grid]] = {}
    for g in grids:
        by_class.setdefault(g.class_id, []).append(g)
    return render_template(
        "grids/school_grids.html",
        school=school,
        period=period,
        classes=classes,
        by_class=by_class,
        sizes=sizes,
        logs=logs,
        contacts=contacts,
        activities=activities,
        relayed=relayed,
        without_grids=[c for c in classes if c.id not in by_class],
        without_teacher=[g for g in grids if g.grid_teacher_id is None],
    )
