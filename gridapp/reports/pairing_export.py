"""The 1+N pairing figures' tables as .xlsx (issue 18 item 5): a school's classes and the
district's schools, with the share paired as a number and the counts it is based on."""

from __future__ import annotations

from gridapp.core import xlsx
from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.reports.pairing_figures import PairingFigures

HEADERS = (
    N_("帮扶对象"), N_("已结对"), N_("结对率"), N_("未结对"), N_("结对"), N_("帮扶记录（本学期）"),
    N_("方案逾期"),
)  # fmt: skip


def _cells(r: PairingFigures) -> list:
    share = None if r.share is None else float(r.share)
    return [r.in_need, r.paired, share, r.unpaired, r.pairings, r.entries, r.overdue_plans]


def _headers(first: str) -> list[str]:
    return [first] + [_(h) for h in HEADERS]


def school_workbook(school, rows, total: PairingFigures):
    """A school's pairing coverage per class ((class, figures) pairs), then its total."""
    sheet = xlsx.Sheet(
        title=_("结对帮扶覆盖"),
        headers=_headers(_("班级")),
        rows=[[c.name] + _cells(r) for c, r in rows] + [[_("全校")] + _cells(total)],
        percent_columns=(3,),
        note=f"{school.name} · {_('统计于 %(on)s', on=today().isoformat())}",
    )
    name = _("%(school)s-结对帮扶覆盖-%(on)s.xlsx", school=school.name, on=today().isoformat())
    return xlsx.download(
        xlsx.workbook([sheet]), name, f"pairing-coverage-{school.id}-{today()}.xlsx"
    )


def district_workbook(ranking, schools: dict, total: PairingFigures):
    """The district's schools by the share paired (rules.ranked pairs), then the total."""
    sheet = xlsx.Sheet(
        title=_("各校结对帮扶覆盖"),
        headers=[_("名次")] + _headers(_("学校")),
        rows=[[rank, schools[r.key].name] + _cells(r) for rank, r in ranking]
        + [[None, _("全区")] + _cells(total)],
        percent_columns=(4,),
        note=_("统计于 %(on)s", on=today().isoformat()),
    )
    name = _("各校结对帮扶覆盖-%(on)s.xlsx", on=today().isoformat())
    return xlsx.download(xlsx.workbook([sheet]), name, f"district-pairing-{today()}.xlsx")
