"""The coverage pages' tables as .xlsx and their charts (issue 18 items 4 and 5): a school's
classes and teachers, the district's schools. Each share is written as three cells, the count
met, the count it is based on and the rate (a number with a percent format), so a sheet adds
up where a "12 / 45" text would not."""

from __future__ import annotations

from collections.abc import Sequence

from gridapp.contacts import rules
from gridapp.core import audit, xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.reports import charts, trends


def _share_headers(labels: dict, columns: Sequence[str]) -> list[str]:
    out = []
    for key in columns:
        out += [
            _("%(rule)s：达标", rule=labels[key]),
            _("%(rule)s：应达标", rule=labels[key]),
            _("%(rule)s：完成率", rule=labels[key]),
        ]
    return out


def _share_cells(row: rules.CoverageRow, columns: Sequence[str]) -> list:
    out = []
    for key in columns:
        share = row.shares.get(key)
        if share is None or not share.total:
            out += [None, None, None]
        else:
            out += [share.met, share.total, share.ratio]
    return out


def _percent_columns(first: int, columns: Sequence[str]) -> tuple[int, ...]:
    return tuple(first + 3 * i + 2 for i in range(len(columns)))


def _score_alt(what: str, bars: list[tuple[str, float | None]]) -> str:
    valued = [(label, v) for label, v in bars if v is not None]
    top, low = max(valued, key=lambda b: b[1]), min(valued, key=lambda b: b[1])
    return _(
        "%(what)s的综合得分柱状图，共 %(n)d 项：最高 %(top)s %(top_v).0f%%，最低 %(low)s "
        "%(low_v).0f%%。数字见下表。",
        what=what, n=len(valued), top=top[0], top_v=100 * top[1], low=low[0], low_v=100 * low[1],
    )  # fmt: skip


def class_chart(ranked: list[tuple[object, rules.CoverageRow]]) -> charts.Chart | None:
    """The classes' scores as bars, best first ((class, row) pairs in rank order)."""
    bars = [(c.name, r.score) for c, r in ranked]
    if not any(v is not None for _label, v in bars):
        return None
    return charts.share_bars(_("各班综合得分"), bars, alt=_score_alt(_("各班"), bars))


def school_chart(ranking, schools: dict) -> charts.Chart | None:
    """The district's schools' scores as bars, best first (rules.ranked pairs)."""
    bars = [(schools[r.key].name, r.score) for _rank, r in ranking]
    if not any(v is not None for _label, v in bars):
        return None
    return charts.share_bars(_("各校综合得分"), bars, alt=_score_alt(_("各校"), bars))


def school_workbook(context: dict):
    """The school coverage page (reports.coverage_views) as .xlsx: its classes in the page's
    order, then its teachers. `context` is the page's (coverage_views._coverage_context)."""
    school, period = context["school"], context["period"]
    labels, columns = context["labels"], context["columns"]
    semester = next(
        (s.name for s in context["semesters"] if period and s.id == period.semester_id), ""
    )
    note = _("统计于 %(on)s", on=today().isoformat())
    classes = xlsx.Sheet(
        title=_("班级排名"),
        headers=[_("名次"), _("班级"), _("班主任"), _("学生"), _("综合得分")]
        + _share_headers(labels, columns)
        + [_("上门家访")],
        rows=[
            [context["rank_of"].get(r.key), c.name, c.head or "", r.students, r.score]
            + _share_cells(r, columns)
            + [r.home_visits]
            for c, r in context["rows"]
        ],
        percent_columns=(4,) + _percent_columns(5, columns),
        note=f"{school.name} {semester} · {note}",
    )
    names = context["teacher_names"]
    teachers = xlsx.Sheet(
        title=_("教师联系家庭情况"),
        headers=[
            _("教师"),
            _("所教家庭"),
            _("已达标"),
            _("完成率"),
            _("本学期联系"),
            _("录入记录"),
            _("补录"),
            _("逾期回访"),
        ],  # fmt: skip
        rows=[
            [
                names.get(r.key, ""),
                r.students,
                r.shares["teacher"].met,
                r.shares["teacher"].ratio,
                r.contacts,
                r.entries,
                r.late_entries,
                r.follow_ups_overdue,
            ]  # fmt: skip
            for r in context["teachers"]
        ],
        percent_columns=(3,),
        note=f"{school.name} {semester} · {note}",
    )
    name = _("%(school)s-%(semester)s-家访统计-%(on)s.xlsx", school=school.name,
             semester=semester, on=today().isoformat())  # fmt: skip
    week_sheet = trend_sheet(context.get("trend"), f"{school.name} {semester} · {note}")
    sheets = [classes, teachers] + ([week_sheet] if week_sheet else [])
    return xlsx.download(
        xlsx.workbook(sheets), name, f"coverage-{school.id}-{today().isoformat()}.xlsx"
    )


def district_workbook(
    ranking, schools: dict, labels: dict, columns: Sequence[str], trend: trends.Trend | None
):
    """The district's ranking of its schools as .xlsx, in rank order, and its trend by week."""
    sheet = xlsx.Sheet(
        title=_("各校家访排名"),
        headers=[_("名次"), _("学校"), _("学生"), _("综合得分")]
        + _share_headers(labels, columns)
        + [_("上门家访")],
        rows=[
            [rank, schools[r.key].name, r.students, r.score]
            + _share_cells(r, columns)
            + [r.home_visits]
            for rank, r in ranking
        ],
        percent_columns=(3,) + _percent_columns(4, columns),
        note=_("按各校当前学期统计 · 统计于 %(on)s", on=today().isoformat()),
    )
    name = _("各校家访排名-%(on)s.xlsx", on=today().isoformat())
    week_sheet = trend_sheet(trend, _("各校之和 · 统计于 %(on)s", on=today().isoformat()))
    return xlsx.download(
        xlsx.workbook([sheet] + ([week_sheet] if week_sheet else [])),
        name,
        f"district-coverage-{today().isoformat()}.xlsx",
    )


def families_workbook(
    actor, school, period, rule: str, met: bool, rows, labels: dict, title: str,
    with_focus: bool = True, class_id: int | None = None, teacher_id: int | None = None,
):  # fmt: skip
    """The families behind a coverage figure (every row, not one page) as .xlsx: student,
    class, teacher (the teacher rule), contacts made and owed, due date, status, and the focus
    mark when `with_focus` (the school's leaders; a bureau gets no hardship mark, DOMAIN
    privacy). Names of families leave GridApp here: the export is in the audit log, with the
    class and teacher (`class_id`, `teacher_id`) the rows were chosen by."""
    teacher_rule = rule == "teacher"
    headers = [_("学生"), _("班级")]
    headers += [_("教师")] if teacher_rule else []
    headers += [_("已联系"), _("要求")]
    headers += [] if teacher_rule else [_("截止")]
    headers += [_("状态")] + ([_("重点对象")] if with_focus else [])
    statuses = rules.status_labels()
    day = today()
    data = []
    for r in rows:
        cells = [r.name or "", r.class_name]
        cells += [r.teacher_name or ""] if teacher_rule else []
        cells += [r.count, r.need]
        cells += [] if teacher_rule else [r.due]
        cells += [statuses[rules.rule_status(r.met, r.late, r.due, day)]]
        cells += [_("是") if r.is_focus else ""] if with_focus else []
        data.append(cells)
    audit.record(
        actor, "reports.coverage_families.export", school, school_id=school.id,
        rule=rule, met=met, semester_id=period.semester_id, class_id=class_id,
        teacher_id=teacher_id, rows=len(data),
    )  # fmt: skip
    sheet = xlsx.Sheet(
        title=labels[rule],
        headers=headers,
        rows=data,
        note=f"{school.name} · {title} · {_('统计于 %(on)s', on=day.isoformat())}",
    )
    name = _("%(school)s-%(rule)s-%(which)s-%(on)s.xlsx", school=school.name,
             rule=labels[rule], which=_("已完成") if met else _("未完成"),
             on=day.isoformat())  # fmt: skip
    return xlsx.download(
        xlsx.workbook([sheet]), name, f"families-{school.id}-{rule}-{int(met)}-{day}.xlsx"
    )


# ---- the trend by week (issue 18 item 3) ---------------------------------------------------------


def _trend_alt(trend: trends.Trend, what: str, this: int, before: int) -> str:
    if trend.previous_name is None:
        return _(
            "%(what)s按周折线图：本学期第 1–%(w)d 周共 %(n)d 次。上学期没有数据。数字见下表。",
            what=what, w=trend.current_week, n=this,
        )  # fmt: skip
    return _(
        "%(what)s按周折线图：本学期第 1–%(w)d 周共 %(n)d 次，上学期同期 %(p)d 次。数字见下表。",
        what=what, w=trend.current_week, n=this, p=before,
    )  # fmt: skip


def trend_charts(trend: trends.Trend | None) -> list[charts.Chart]:
    """The trend's two line charts (contacts, then door visits, each week of this semester
    beside the previous semester's); [] without a trend or a contact in it."""
    if trend is None or not trend.has_data:
        return []
    labels = [_("第%(n)d周", n=r.week) for r in trend.weeks]
    contacts, visits, prev_contacts, prev_visits = trend.totals
    this_name = _("本学期")
    prev_name = _("上学期")
    out = []
    for title, this_values, prev_values, this_n, prev_n in (
        (
            _("每周联系家庭次数"),
            [r.contacts for r in trend.weeks],
            [r.previous_contacts for r in trend.weeks],
            contacts,
            prev_contacts,
        ),
        (
            _("每周上门家访次数"),
            [r.home_visits for r in trend.weeks],
            [r.previous_home_visits for r in trend.weeks],
            visits,
            prev_visits,
        ),
    ):
        series = [(this_name, this_values)]
        if trend.previous_name is not None:
            series.append((prev_name, prev_values))
        chart = charts.weekly_lines(
            title, labels, series, alt=_trend_alt(trend, title, this_n, prev_n)
        )
        if chart is not None:
            out.append(chart)
    return out


def trend_sheet(trend: trends.Trend | None, note: str) -> xlsx.Sheet | None:
    """The trend's table as a worksheet: a row per week, this semester's first day of the week,
    its contacts and door visits, and the previous semester's of the same week (empty cells
    where a week has no value)."""
    if trend is None:
        return None
    return xlsx.Sheet(
        title=_("每周趋势"),
        headers=[
            _("周次"),
            _("本学期该周起始日"),
            _("本学期联系"),
            _("本学期上门家访"),
            _("上学期该周起始日"),
            _("上学期联系"),
            _("上学期上门家访"),
        ],
        rows=[
            [
                r.week,
                r.starts_on,
                r.contacts,
                r.home_visits,
                r.previous_starts_on,
                r.previous_contacts,
                r.previous_home_visits,
            ]
            for r in trend.weeks
        ],
        note=note,
    )
