"""Contact schedule pages (教师联系学生家长安排表, seed 004 §2): a teacher's weeks, a class's and a
school's schedule (with its .xlsx), building it with a preview, moving an item, adding one.
The trip planner's pages are in trip_views.py (routes of the same blueprint)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from gridapp.accounts.models import User
from gridapp.contacts import rules, worklists
from gridapp.contacts.models import ContactForm
from gridapp.core import xlsx
from gridapp.core.errors import RuleViolation
from gridapp.core.forms import form_page, local_path, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of
from gridapp.core.permissions import Need, can, real_user, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people.models import Student, StudentStatus
from gridapp.schedules import export, services
from gridapp.schedules.forms import AddItemForm, BuildForm, MoveForm
from gridapp.schedules.models import ScheduleItem
from gridapp.schedules.permissions import load_item, may_build_class, shown_rule
from gridapp.schools.models import Grade, SchoolClass, Semester
from gridapp.schools.permissions import (
    class_staff,
    headed_class_ids,
    is_school_leader,
    load_class,
    load_school,
)

bp = Blueprint("schedules", __name__)


def _me() -> User:
    return real_user(current_user)


def rule_label(rule: str) -> str:
    if rule == services.ADDED:
        return _("手动添加")
    return worklists.rule_labels().get(rule, rule)


@dataclass
class Row:
    item: ScheduleItem
    done: bool
    overdue: bool
    can_move: bool
    rule: str  # the rule as the viewer may read it (permissions.shown_rule)


def _semester(school_id: int) -> tuple[Semester, rules.Period]:
    """The semester the page shows: `?semester=` (one of the school's, else 404) or the
    school's current one (`rules.period_for`); 404 when the school has none."""
    period = rules.period_for(school_id, today(), int_arg("semester"))
    if period is None:
        abort(404)
    return db.session.get(Semester, period.semester_id), period


def _rows(user: User, items, period, weeks) -> list[tuple[services.Week, list[Row]]]:
    """The items by week (weeks without items left out), each with done, overdue (its week is
    over and it is not done) and whether the user may move it."""
    done = services.done_item_ids(items, period)
    day = today()
    by_week: dict[int, list[Row]] = {}
    for item in items:
        week = next((w for w in weeks if w.number == item.week), None)
        late = week is not None and week.ends_on < day and item.id not in done
        row = Row(item, item.id in done, late, can(user, Need.EDIT, item), shown_rule(user, item))
        by_week.setdefault(item.week, []).append(row)
    return [(w, by_week[w.number]) for w in weeks if w.number in by_week]


def _week_choices(weeks) -> list[tuple[int, str]]:
    return [(w.number, w.label() + (_("（假期）") if w.holiday else "")) for w in weeks]


# Items of one week on a page of the school's schedule.
WEEK_PAGE = 100


def _load_items(semester_id: int, **kw) -> list[ScheduleItem]:
    return services.items_with_names([i.id for i in services.schedule_items(semester_id, **kw)])


def _page(template: str, **context):
    return render_template(template, rule_label=rule_label, today=today(), **context)


# ---- a teacher's weeks ------------------------------------------------------------------------------


@bp.get("/my/schedule")
@login_required
def my_schedule():
    """The teacher's items of the current semester at their school, week by week."""
    user = _me()
    school_id = worklists.teacher_school_id(user, int_arg("school"))
    require(school_id is not None)
    if rules.period_for(school_id, today()) is None:  # the school has no semester yet
        return _page(
            "schedules/my.html", semester=None, weeks=[], this_week=None, rows=[],
            week_choices=[], schools=worklists.teacher_schools(user), school_id=school_id,
        )  # fmt: skip
    semester, period = _semester(school_id)
    weeks = services.semester_weeks(semester)
    items = _load_items(semester.id, teacher_id=user.id)
    return _page(
        "schedules/my.html",
        semester=semester,
        weeks=weeks,
        this_week=services.week_of(weeks, today()),
        rows=_rows(user, items, period, weeks),
        week_choices=_week_choices(weeks),
        schools=worklists.teacher_schools(user),
        school_id=school_id,
        headed=_headed_classes(user, school_id),
        back=url_for(".my_schedule", school=school_id),
    )


def _headed_classes(user: User, school_id: int) -> list[SchoolClass]:
    """The classes the user heads at the school (their schedules are theirs to build)."""
    return list(
        db.session.scalars(
            select(SchoolClass)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            .where(
                SchoolClass.id.in_(sorted(headed_class_ids(user))),
                SchoolClass.school_id == school_id,
            )
            .order_by(Grade.level, SchoolClass.number)
        )
    )


# ---- a class's schedule ------------------------------------------------------------------------------


def _class_context(user: User, school_class: SchoolClass):
    semester, period = _semester(school_class.school_id)
    weeks = services.semester_weeks(semester)
    items = _load_items(semester.id, class_ids=[school_class.id])
    return semester, period, weeks, items


def _add_form_choices(form: AddItemForm, school_class: SchoolClass, weeks) -> None:
    form.teacher_id.choices = [(t.id, t.name) for t in services.class_teachers(school_class)]
    form.student_id.choices = [
        (s.id, s.name)
        for s in db.session.scalars(
            select(Student)
            .where(Student.class_id == school_class.id, Student.status == StudentStatus.ACTIVE)
            .order_by(Student.name_key, Student.id)
        )
    ]
    form.week.choices = _week_choices(services.open_weeks(weeks, today()))
    if not form.is_submitted():  # this week (or the first open one after it), not week 1
        this_week = services.week_of(weeks, today())
        open_numbers = [w.number for w in services.open_weeks(weeks, today()) if not w.holiday]
        form.week.data = this_week if this_week in open_numbers else next(iter(open_numbers), None)


@bp.route("/classes/<int:class_id>/schedule", methods=["GET", "POST"])
@login_required
def class_schedule(class_id: int):
    """A class's schedule for its teachers and the school's leaders; its head teacher and the
    leaders add an item by hand (POST), refused beside the field with nothing changed."""
    user = _me()
    school_class = load_class(class_id, Need.VIEW)
    require(can_see_class(user, school_class))
    semester, period, weeks, items = _class_context(user, school_class)
    builds = may_build_class(user, school_class)
    form = AddItemForm()
    _add_form_choices(form, school_class, weeks)
    if builds:
        done = submit(
            form,
            lambda: services.add_item(
                user,
                school_class,
                semester,
                form.teacher_id.data,
                form.student_id.data,
                ContactForm(form.form.data),
                form.week.data,
                weeks,
                today(),
            ),  # fmt: skip
            then=url_for(".class_schedule", class_id=class_id),
            message=_("已添加到安排表"),
        )
        if done:
            return done
    elif form.is_submitted():
        abort(404)
    return form_page(
        "schedules/class.html",
        form,
        school_class=school_class,
        semester=semester,
        weeks=weeks,
        rows=_rows(user, items, period, weeks),
        week_choices=_week_choices(weeks),
        builds=builds,
        rule_label=rule_label,
        today=today(),
        this_week=services.week_of(weeks, today()),
    )


def can_see_class(user: User, school_class: SchoolClass) -> bool:
    """The class's teachers and the school's leaders (the district sees figures, not families)."""
    return class_staff(user, school_class)


@bp.route("/classes/<int:class_id>/schedule/build", methods=["GET", "POST"])
@login_required
def build_class(class_id: int):
    """The class's build: GET previews what would be saved, POST saves it (head teacher and
    leaders)."""
    user = _me()
    school_class = load_class(class_id, Need.VIEW)
    require(may_build_class(user, school_class))
    return _build(
        user,
        school_class.school_id,
        [school_class.id],
        title=_("生成%(c)s的联系安排", c=school_class.name),
        back=url_for(".class_schedule", class_id=class_id),
    )


# ---- a school's schedule --------------------------------------------------------------------------


def _school_class_ids(school_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(SchoolClass.id).where(
                SchoolClass.school_id == school_id, SchoolClass.closed_on.is_(None)
            )
        )
    )


@bp.get("/schools/<int:school_id>/schedule")
@login_required
def school_schedule(school_id: int):
    """The school's schedule for its leaders: each week's items and how many are done, and the
    items of one week (`?week=`, this week by default), with the whole schedule as .xlsx."""
    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(user, school.id))
    semester, period = _semester(school.id)
    weeks = services.semester_weeks(semester)
    if xlsx.wants_xlsx():
        items = _load_items(semester.id, class_ids=_school_class_ids(school.id))
        return export.school_workbook(user, school, semester, period, weeks, items, rule_label)
    summary = services.week_summary(semester.id, period)
    this_week = services.week_of(weeks, today())
    default = this_week if this_week in summary else min(summary, default=None)
    week = int_arg("week", default, hi=len(weeks))
    # A week holds hundreds of items at a big school (615 in the demo's): a page at a time,
    # each page's names and done marks read for its own items only.
    ids = [i.id for i in services.schedule_items(semester.id, week=week)] if week else []
    page = page_of(ids, per_page=WEEK_PAGE)
    items = services.items_with_names(page.items)
    return _page(
        "schedules/school.html",
        school=school,
        semester=semester,
        weeks=weeks,
        week=week,
        this_week=this_week,
        summary=summary,
        page=page,
        rows=_rows(user, items, period, weeks),
        week_choices=_week_choices(weeks),
    )


@bp.route("/schools/<int:school_id>/schedule/build", methods=["GET", "POST"])
@login_required
def build_school(school_id: int):
    """The school's build: every class at once (leaders)."""
    user = _me()
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(user, school.id))
    return _build(
        user,
        school.id,
        _school_class_ids(school.id),
        title=_("生成%(s)s的联系安排", s=school.name),
        back=url_for(".school_schedule", school_id=school.id),
    )


def _build(user: User, school_id: int, class_ids: list[int], *, title: str, back: str):
    semester, _period = _semester(school_id)
    form = BuildForm()
    day = today()

    def save():
        return services.save_plan(
            user, school_id, services.plan(school_id, semester, class_ids, day)
        )

    done = submit(form, save, then=back, message=lambda n: _("安排表已保存：新安排 %(n)d 项", n=n))
    if done:
        return done
    try:
        preview = services.plan(school_id, semester, class_ids, day)
    except RuleViolation as e:
        form.add_violation(e)
        preview = None
    form.semester.data = str(semester.id)
    names = {}
    if preview is not None and preview.placements:
        ids = {p.wanted.teacher_id for p in preview.placements}
        sids = {p.wanted.student_id for p in preview.placements}
        names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
        names |= {
            ("s", sid): name
            for sid, name in db.session.execute(
                select(Student.id, Student.name).where(Student.id.in_(sids))
            )
        }
    return form_page(
        "schedules/build.html", form, title=title, back=back, semester=semester,
        preview=preview, names=names, rule_label=rule_label,
    )  # fmt: skip


# ---- moving an item ------------------------------------------------------------------------------


@bp.route("/schedule-items/<int:item_id>/move", methods=["GET", "POST"])
@login_required
def move(item_id: int):
    """Move an item to another week (its teacher, the class's head teacher, the leaders): GET
    shows the choice of weeks, POST moves it, kept in the item's history; a refused week is
    shown beside the field (422)."""
    user = _me()
    item = load_item(item_id, Need.EDIT)
    back = (
        url_for(".my_schedule")
        if item.teacher_id == user.id
        else (url_for(".class_schedule", class_id=item.class_id))
    )
    back = local_path(request.args.get("next")) or back
    semester = db.session.get(Semester, item.semester_id)
    weeks = services.semester_weeks(semester)
    form = MoveForm()
    db_item = db.session.get(ScheduleItem, item.id)
    if not form.is_submitted():
        form.week.data = db_item.week
    done = submit(
        form,
        lambda: services.move_item(user, db_item, form.week.data, weeks, today()),
        then=back,
        message=_("已调整到第%(n)d周", n=form.week.data or 0),
    )
    if done:
        return done
    return form_page(
        "schedules/move.html", form, item=db_item, weeks=weeks,
        week_choices=_week_choices(services.open_weeks(weeks, today())), back=back, rule_label=rule_label,
    )  # fmt: skip
