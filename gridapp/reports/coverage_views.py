"""Contact coverage: a school's classes and teachers ranked, the families behind a figure, and
the district's ranking of its schools. The figures come from the quota engine (contacts/rules)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup

from gridapp.accounts.models import Role, User
from gridapp.contacts import drowning, rules, worklists
from gridapp.contacts import services as contact_services
from gridapp.contacts.models import FiguresCount
from gridapp.contacts.permissions import figure_family_rules, sees_focus_families
from gridapp.core import audit, generations
from gridapp.core.i18n import current_lang
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of
from gridapp.core.permissions import Need, require
from gridapp.core.time import today
from gridapp.core.xlsx import wants_xlsx
from gridapp.extensions import db
from gridapp.reports import coverage_export, figures, snapshots, trends
from gridapp.reports.blueprint import bp
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import district_school_ids, leader_school_ids, load_school


def _me() -> User:
    return current_user._get_current_object()


def _semester_choice(school_id: int) -> rules.Period | None:
    semester_id = int_arg("semester")
    if semester_id is not None:
        exists = figures.school_semester_id(semester_id, school_id)
        if exists is None:
            abort(404)
    return rules.period_for(school_id, today(), semester_id)


def _semesters(school_id: int):
    return figures.school_semesters(school_id)


def _school_coverage(school_id: int, period):
    """(classes, teachers, computed_at) of the school's coverage page: the kept snapshot for the
    current semester (reports.snapshots; computed_at says when), live for a past one (None)."""
    if period is None:
        return {}, {}, None
    chosen = int_arg("semester")  # none chosen: the current semester (`_semester_choice`)
    if chosen is None or chosen == rules.current_semester_ids([school_id], today()).get(school_id):
        kept = snapshots.school_figures([school_id], today()).get(school_id)
        db.session.commit()  # what was computed is kept for the next views
        if kept is not None:
            return kept.classes, kept.teachers, None if kept.exact else kept.computed_at
    return rules.class_coverage(period), rules.teacher_coverage(period), None


LIVE_BUDGET = 2.0  # seconds of live computing the district's ranking may spend (issue 17)

SORTS = ("score", "name", "teacher", "remote", "focus", "first_year", "two_years", "stage")


@bp.get("/schools/<int:school_id>/coverage")
@login_required
def school_coverage(school_id: int):
    school = load_school(school_id, Need.VIEW)
    leads = school.id in leader_school_ids(_me())
    if wants_xlsx():
        return coverage_export.school_workbook(_coverage_context(school, leads))
    day = today()
    # The content is kept with the figures it shows: same generation, day, language, query and
    # audience, and the same snapshot (when it was computed). A snapshot a write has made stale
    # still serves for up to 5 minutes (reports.snapshots); the page built on it is kept too,
    # until the next write or the snapshot's refresh (bench-scale: 42 ms a view, 5 ms kept).
    key = ("school_coverage", day, current_lang(), request.query_string, leads)

    def build():
        built = _coverage_body(school, leads)
        # Built on a snapshot computed just now: kept under that one too (the next view's key).
        after = snapshots.computed_at(school.id)
        if after != stamp:
            generations.kept((*key, after), school.id, lambda: built)
        return built

    stamp = snapshots.computed_at(school.id)
    body, _exact = generations.kept((*key, stamp), school.id, build)
    return render_template("reports/school_coverage.html", school=school, body=Markup(body))


def _coverage_context(school, leads: bool) -> dict:
    """What the coverage page shows: the classes ranked (or sorted), the school's total, the
    teachers from the lowest share up, and the chart of the classes' scores."""
    period = _semester_choice(school.id)
    classes = figures.coverage_classes(school.id)
    coverage, teachers, computed_at = _school_coverage(school.id, period)
    names_keys = figures.user_name_keys(teachers)
    teacher_names = {i: name for i, (name, _key) in names_keys.items()}
    sort = request.args.get("sort", "score")
    if sort not in SORTS:
        sort = "score"
    rows = [(c, coverage.get(c.id)) for c in classes if coverage.get(c.id)]
    ranking = rules.ranked([r for _c, r in rows])
    rank_of = {row.key: rank for rank, row in ranking}
    by_id = {c.id: c for c in classes}
    if sort == "name":
        ordered = rows
    elif sort == "score":
        ordered = [(by_id[r.key], r) for _rank, r in ranking]
    else:
        ordered = sorted(
            rows,
            key=lambda cr: (cr[1].shares[sort].ratio is None, -(cr[1].shares[sort].ratio or 0)),
        )
    teacher_rows = sorted(
        teachers.values(),
        key=lambda r: (
            r.shares["teacher"].ratio is None,
            r.shares["teacher"].ratio or 0,
            names_keys.get(r.key, ("", ""))[1],
        ),
    )
    # The drowning-prevention letter's reach per class in the period's school year (seed 000
    # 三.4): one grouped query, kept with the rest of the content.
    letters = drowning.class_shares(period, [c.id for c, _r in rows]) if period else {}
    semesters = _semesters(school.id)
    trend = None
    if period is not None:
        # The page's content is kept under the generation: the trend's one grouped count runs
        # with it, and nothing more (keep=False).
        trend = trends.school_trend(
            school.id, today(), period=period, semesters=semesters, keep=False
        )
    return dict(
        letters=letters,
        letters_total=drowning.total(letters.values()),
        school=school,
        period=period,
        semesters=semesters,
        rows=ordered,
        rank_of=rank_of,
        school_total=rules.total(coverage.values()),
        teachers=teacher_rows,
        teacher_names=teacher_names,
        labels=worklists.rule_labels(),
        columns=("teacher",) + rules.CLASS_RULES,
        sort=sort,
        empty_classes=[c for c in classes if c.id not in coverage],
        is_leader=leads,
        # Everyone who opens the page (its leaders, the bureaus over it) drills down to the
        # families; coverage_families shows a bureau names and counts only.
        sees_families=True,
        family_rules=figure_family_rules(_me(), school.id),
        low_count=contact_services.flagged_count(school.id) if leads else 0,
        computed_at=computed_at,
        # Each follow-up is its author's, a teacher of the family: the teachers' sum is the
        # school's (no query of its own; rules.overdue_follow_ups counts it directly).
        follow_ups_overdue=sum(r.follow_ups_overdue for r in teachers.values()),
        counting_label=(
            FiguresCount.REVIEWED_ONLY
            if period and period.reviewed_only
            else FiguresCount.ALL_BUT_RETURNED
        ).label,
        chart=coverage_export.class_chart([(by_id[r.key], r) for _rank, r in ranking]),
        trend=trend,
        trend_charts=coverage_export.trend_charts(trend),
    )


def _coverage_body(school, leads: bool) -> tuple[str, bool]:
    """The coverage page's content, and whether its figures are exact (no "computed at")."""
    context = _coverage_context(school, leads)
    body = render_template("reports/_partials/school_coverage_body.html", **context)
    return body, context["computed_at"] is None


@bp.get("/schools/<int:school_id>/coverage/families")
@login_required
def coverage_families(school_id: int):
    """The families behind a coverage figure: by rule, class or teacher, met or not."""
    school = load_school(school_id, Need.VIEW)
    user = _me()
    # The school's leaders and the bureaus over it (load_school) drill down to the families
    # (issue 18 item 1). A bureau sees names and counts only: no focus mark (a hardship
    # category is sensitive, DOMAIN privacy), no link into the archive, and each view of the
    # names is in the audit log.
    leads = school.id in leader_school_ids(user)
    # The families behind the focus figure are the focus students, and a focus-first order
    # marks them too: for the leaders only (contacts.permissions).
    focus = sees_focus_families(user, school.id)
    period = _semester_choice(school.id)
    if period is None:
        abort(404)
    rule = request.args.get("rule", "teacher")
    if rule not in figure_family_rules(user, school.id):
        abort(404)
    met = request.args.get("met", "0") == "1"
    class_id = int_arg("class_id")
    teacher_id = int_arg("teacher_id")
    school_class = None
    if class_id is not None:
        school_class = db.session.get(SchoolClass, class_id)
        if school_class is None or school_class.school_id != school.id:
            abort(404)
    teacher = None
    if teacher_id is not None:
        teacher = db.session.get(User, teacher_id)
        if teacher is None or not teacher.has_role(Role.TEACHER, school.id):
            abort(404)
    # Kept with the figures (same generation and day): paging through thousands of families
    # runs the engine once.
    key = ("coverage_families", period.semester_id, today(), rule, met, class_id, teacher_id,
           focus)  # fmt: skip
    rows = generations.kept(
        key,
        school.id,
        lambda: figures.coverage_family_rows(
            period, rule, met, class_id, teacher_id, focus_first=focus
        ),
    )
    if wants_xlsx():
        title = " · ".join(x.name for x in (school_class, teacher) if x is not None) or _("全校")
        response = coverage_export.families_workbook(
            _me(), school, period, rule, met, rows, worklists.rule_labels(), title,
            with_focus=focus, class_id=class_id, teacher_id=teacher_id,
        )  # fmt: skip
        db.session.commit()  # the export's audit entry
        return response
    page = page_of(rows, per_page=50)
    if not leads:
        audit.record(
            user, "reports.coverage_families.view", school, school_id=school.id, rule=rule,
            met=met, semester_id=period.semester_id, class_id=class_id, teacher_id=teacher_id,
            page=page.page,
        )  # fmt: skip
        db.session.commit()
    return render_template(
        "reports/coverage_families.html",
        school=school,
        period=period,
        rule=rule,
        met=met,
        school_class=school_class,
        teacher=teacher,
        page=page,
        labels=worklists.rule_labels(),
        status_of=lambda r: rules.rule_status(r.met, r.late, r.due, today()),
        status_labels=rules.status_labels(),
        # Names link to the archive and carry the focus mark for the school's leaders only.
        open_students=leads,
        show_focus=focus,
    )


def district_ranking(school_ids: list[int]) -> dict:
    """The district's ranking of the schools `school_ids` (each in its own current semester):
    `ranking` (rules.ranked pairs of CoverageRow), `schools` by id, `total` (the schools' sum),
    the schools `missing` a semester or `pending` (computing in the background) and
    `computed_at` (the oldest kept figure not exact, or None). Kept totals, at most
    FIGURES_MAX_AGE old (reports.snapshots); at most LIVE_BUDGET of live computing here."""
    schools = figures.schools_by_ids(school_ids)
    kept = snapshots.school_figures(school_ids, today(), live_budget=LIVE_BUDGET, detail=False)
    db.session.commit()  # what was computed is kept for the next views
    rows = [kept[s.id].row for s in schools if s.id in kept]
    with_semester = rules.current_semester_ids(school_ids, today())
    return dict(
        ranking=rules.ranked(rows),
        schools={s.id: s for s in schools},
        total=rules.total(rows),
        missing=[s for s in schools if s.id not in kept and s.id not in with_semester],
        pending=[s for s in schools if s.id not in kept and s.id in with_semester],
        computed_at=min((f.computed_at for f in kept.values() if not f.exact), default=None),
    )


@bp.get("/district/coverage")
@login_required
def district_coverage():
    """The district's ranking of its schools (each measured in its own current semester)."""
    school_ids = sorted(district_school_ids(_me()))
    require(bool(school_ids))
    context = district_ranking(school_ids)
    ranking, names = context["ranking"], context["schools"]
    labels, columns = worklists.rule_labels(), ("teacher",) + rules.CLASS_RULES
    trend = trends.district_trend(school_ids, today())
    if wants_xlsx():
        return coverage_export.district_workbook(ranking, names, labels, columns, trend)
    return render_template(
        "reports/district_coverage.html",
        chart=coverage_export.school_chart(ranking, names),
        trend=trend,
        trend_charts=coverage_export.trend_charts(trend),
        labels=labels,
        columns=columns,
        **context,
    )
