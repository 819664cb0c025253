"""The school's obligations table as .xlsx (`format=xlsx` on /schools/<id>/obligations)."""

from __future__ import annotations

from flask import Response

from gridapp.core import audit, xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.time import today
from gridapp.obligations import services


def _cell(s: services.ItemStatus) -> str:
    return s.label


def workbook(actor, school, year, shown: list, rows: list) -> Response:
    """Two sheets: one row per teacher shown (name, each item's state, items met, all six),
    and the count per item over every teacher of the year. Audited (`obligations.export`: the
    year and the number of rows, never the states). The caller checks the permission and
    commits."""
    items = services.ITEMS
    teachers = xlsx.Sheet(
        title=_("六个一完成情况"),
        headers=[_("教师"), *[i.label for i in items], _("完成项数"), _("六项全部完成")],
        rows=[
            [r.name, *[_cell(r.items[i]) for i in items], r.met, _("是") if r.complete else _("否")]
            for r in shown
        ],
        note=f"{school.name} {year.name}",
    )
    counts = services.item_counts(rows)
    summary = xlsx.Sheet(
        title=_("各项完成人数"),
        headers=[_("项目"), _("完成人数"), _("教师人数"), _("完成比例")],
        rows=[
            [i.label, counts[i], len(rows), counts[i] / len(rows) if rows else None] for i in items
        ]
        + [
            [
                _("六项全部完成"),
                sum(1 for r in rows if r.complete),
                len(rows),
                sum(1 for r in rows if r.complete) / len(rows) if rows else None,
            ]
        ],  # fmt: skip
        percent_columns=(3,),
        note=f"{school.name} {year.name}",
    )
    audit.record(
        actor, "obligations.export", school, school_id=school.id, school_year_id=year.id,
        rows=len(shown),
    )  # fmt: skip
    name = _("%(school)s-%(year)s-教师六个一-%(on)s.xlsx", school=school.name, year=year.name,
             on=today().isoformat())  # fmt: skip
    return xlsx.download(
        xlsx.workbook([teachers, summary]), name, f"obligations-{school.id}-{year.id}.xlsx"
    )
