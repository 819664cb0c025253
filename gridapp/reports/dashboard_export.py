"""The dashboards' tables as .xlsx and their charts (issue 18 items 1, 4 and 5): the rows below a
region, a district or a school, and a class's figures by rule. Each share is three cells (met,
the count it is based on, the rate) so the sheet adds up as the page does."""

from __future__ import annotations

from gridapp.contacts import rules
from gridapp.core import xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.reports import charts
from gridapp.reports.coverage_export import _percent_columns, _share_cells, _share_headers
from gridapp.reports.dashboards import Figures

COLUMNS = ("teacher",) + rules.CLASS_RULES


def chart(title: str, rows: list[Figures]) -> charts.Chart | None:
    """The rows' focus students' door visit shares as bars (the figure seed 000 asks the
    bureaus to watch), in the table's order; None when no row has one."""
    bars = [(f.name, f.row.shares.get("focus", rules.Share(0, 0)).ratio) for f in rows]
    valued = [(label, v) for label, v in bars if v is not None]
    if not valued:
        return None
    low = min(valued, key=lambda b: b[1])
    alt = _(
        "%(title)s：共 %(n)d 项，最低 %(low)s %(low_v).0f%%。数字见下表。",
        title=title, n=len(valued), low=low[0], low_v=100 * low[1],
    )  # fmt: skip
    return charts.share_bars(title, bars, alt=alt)


def _headers(labels: dict, what: str) -> list[str]:
    return (
        [what, _("学校"), _("班级"), _("学生")]
        + _share_headers(labels, COLUMNS)
        + [
            _("本学期上门家访"),
            _("本学年上门家访"),
            _("家长评价"),
            _("平均评分"),
            _("低分评价"),
            _("学业述评：已完成"),
            _("学业述评：学生"),
            _("学业述评：完成率"),
        ]
        + _activity_headers()
    )


def _activity_headers() -> list[str]:
    """The headers of the cases, pairing and reception columns (`_activity_cells`)."""
    return [
        _("本学期收到意见"),
        _("按期答复"),
        _("按期答复率的基数（已答复和逾期未答复）"),
        _("按期答复率"),
        _("当前逾期未办结"),
        _("平均答复用时（工作日）"),
        _("家长评价答复：次数"),
        _("家长评价答复：平均评分"),
        _("困境学生"),
        _("已结对"),
        _("结对率"),
        _("本学期帮扶记录"),
        _("接待日预约数"),
        _("已接待"),
        _("未到"),
        _("已取消"),
        _("现场来访"),
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _activity_cells(f: Figures) -> list:
    """A row's cases, pairing and reception figures as numbers; a class has no cases or
    reception days of its own (empty cells)."""
    a = f.activity
    pairing = [a.in_need, a.paired, a.paired_share.ratio, a.support_entries]
    if f.kind == "class":
        return [None] * 8 + pairing + [None] * 5
    on_time = a.on_time_share
    return (
        [a.received, a.on_time, on_time.total, on_time.ratio, a.overdue_now]
        + [_rounded(a.mean_reply_workdays), a.ratings, _rounded(a.mean_rating)]
        + pairing
        + [a.bookings, a.attended, a.no_shows, a.cancelled, a.walk_ins]
    )


def _cells(f: Figures) -> list:
    e = f.extras
    mean = None if e.mean_rating is None else round(e.mean_rating, 2)
    return (
        [f.name, f.schools, f.classes, f.row.students]
        + _share_cells(f.row, COLUMNS)
        + [
            f.row.home_visits,
            e.year_home_visits,
            e.evaluations,
            mean,
            e.low_ratings,
            e.reviewed,
            e.review_students,
            e.reviews.ratio,
        ]
        + _activity_cells(f)
    )


def workbook(title: str, what: str, total: Figures, rows: list[Figures], labels: dict):
    """The dashboard of `total` as .xlsx: a row per part (`what` names their column), then the
    total. The download is named after `title` and the day."""
    n = 4 + 3 * len(COLUMNS)
    sheet = xlsx.Sheet(
        title=title,
        headers=_headers(labels, what),
        rows=[_cells(f) for f in rows] + [[_("合计")] + _cells(total)[1:]],
        # the review completion, the on-time rate and the share paired
        percent_columns=_percent_columns(4, COLUMNS) + (n + 7, n + 11, n + 18),
        note=_("按各校当前学期统计 · 统计于 %(on)s", on=today().isoformat()),
    )
    name = _("%(title)s-数据看板-%(on)s.xlsx", title=title, on=today().isoformat())
    fallback = f"dashboard-{total.kind}-{total.key}-{today().isoformat()}.xlsx"
    return xlsx.download(xlsx.workbook([sheet]), name, fallback)


def class_workbook(
    school_class, figures: Figures, labels: dict, school_activity=None, columns=COLUMNS
):
    """A class's dashboard as .xlsx: each rule's met, total and rate (of the rules `columns`
    the viewer may see), the students in need paired, then the other figures, and the school's
    cases and reception days (`school_activity`, a reports.activity.Activity) when given."""
    rows = []
    for key in columns:
        share = figures.row.shares.get(key) or rules.Share(0, 0)
        rows.append([labels[key], share.met, share.total, share.ratio])
    e = figures.extras
    rows.append([_("学业述评"), e.reviewed, e.review_students, e.reviews.ratio])
    a = figures.activity
    rows.append([_("困境学生结对"), a.paired, a.in_need, a.paired_share.ratio])
    others = [
        [_("本学期上门家访"), figures.row.home_visits],
        [_("本学年上门家访"), e.year_home_visits],
        [_("家长评价"), e.evaluations],
        [_("低分评价"), e.low_ratings],
        [_("本学期帮扶记录"), a.support_entries],
    ]
    if school_activity is not None:
        s = school_activity
        others += [
            [_("全校：按期答复"), s.on_time, s.on_time_share.total, s.on_time_share.ratio],
            [_("全校：本学期收到意见"), s.received],
            [_("全校：当前逾期未办结"), s.overdue_now],
            [_("全校：平均答复用时（工作日）"), _rounded(s.mean_reply_workdays)],
            [_("全校：接待日预约"), s.bookings],
            [_("全校：接待日已接待"), s.attended],
        ]
    sheet = xlsx.Sheet(
        title=school_class.name,
        headers=[_("项目"), _("达标"), _("应达标"), _("完成率")],
        rows=rows + others,
        percent_columns=(3,),
        note=_("统计于 %(on)s", on=today().isoformat()),
    )
    name = _("%(title)s-数据看板-%(on)s.xlsx", title=school_class.name, on=today().isoformat())
    fallback = f"dashboard-class-{school_class.id}-{today().isoformat()}.xlsx"
    return xlsx.download(xlsx.workbook([sheet]), name, fallback)
