"""Each teacher's year in figures (issue 21 item 8): a school's page of one row per teacher for a
school year, and the same as .xlsx. For the school's leaders and the district (the school's
figures, as the coverage page: load_school VIEW); another school's or district's answers 404."""

from __future__ import annotations

from flask import Response, abort, request
from flask_login import current_user, login_required

from gridapp.core import storage
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg, page_of, str_arg
from gridapp.core.permissions import Need
from gridapp.core.text import normalise_search
from gridapp.core.time import today
from gridapp.core.xlsx import XLSX_MIMETYPE
from gridapp.extensions import db
from gridapp.reports import teacher_year
from gridapp.reports.blueprint import bp
from gridapp.schools.models import School, SchoolYear
from gridapp.schools.permissions import load_school

PER_PAGE = 50


def _year(school: School) -> tuple[list[SchoolYear], SchoolYear | None]:
    """The school's years and the one chosen by `?year=` (another school's or an unknown id:
    404; a value that is not a number is ignored), else the current one."""
    years = teacher_year.school_years(school.id)
    if "year" in request.args and request.args["year"].strip():
        chosen = int_arg("year")
        if chosen is not None:
            found = [y for y in years if y.id == chosen]
            if not found:
                abort(404)
            return years, found[0]
    return years, teacher_year.current_year(school.id, years, today())


def _sort() -> tuple[str, bool]:
    """The column to sort by (teacher_year.SORTS; anything else: the name) and whether largest
    first (`dir=desc`, the default for a figure; `dir=asc` the default for the name)."""
    sort = request.args.get("sort", "name")
    if sort not in teacher_year.SORTS:
        sort = "name"
    direction = request.args.get("dir", "")
    if direction not in ("asc", "desc"):
        direction = "asc" if sort == "name" else "desc"
    return sort, direction == "desc"


def _rows(school: School, year: SchoolYear | None):
    if year is None:
        return None, []
    window = teacher_year.year_window(school.id, year, today())
    if window is None:
        return None, []
    return window, teacher_year.teacher_year(school.id, window, today())


@bp.get("/schools/<int:school_id>/teacher-year")
@login_required
def teacher_year_page(school_id: int):
    """One row per teacher for the chosen school year (default the current one): contacts by
    form, door visits, the contact quota's completion, late and returned records, parents'
    ratings, academic reviews and follow-ups; searched by name, sorted by any column, paged."""
    school = load_school(school_id, Need.VIEW)
    years, year = _year(school)
    window, rows = _rows(school, year)
    sort, descending = _sort()
    search = normalise_search(str_arg("q"))
    shown = teacher_year.ordered(teacher_year.matching(rows, search), sort, descending)
    return page_or_fragment(
        "reports/teacher_year.html",
        "reports/_partials/teacher_year_table.html",
        school=school,
        years=years,
        year=year,
        window=window,
        semesters=sorted(year.semesters, key=lambda s: s.starts_on) if year else [],
        page=page_of(shown, per_page=PER_PAGE),
        has_rows=bool(rows),
        search=search,
        sort=sort,
        descending=descending,
        forms=teacher_year.FORMS,
    )


@bp.get("/schools/<int:school_id>/teacher-year.xlsx")
@login_required
def teacher_year_export(school_id: int):
    """The chosen year's rows (every teacher, in Chinese name order) as .xlsx. Audited."""
    school = load_school(school_id, Need.VIEW)
    _years, year = _year(school)
    window, rows = _rows(school, year)
    if window is None:
        abort(404)
    data = teacher_year.export(current_user._get_current_object(), school, year, rows)
    db.session.commit()
    name = _("%(school)s-%(year)s-教师家校联系统计-%(on)s.xlsx", school=school.name,
             year=year.name, on=today().isoformat())  # fmt: skip
    fallback = f"teacher-year-{school.id}-{year.id}.xlsx"
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": storage.content_disposition(name, fallback),
            "Cache-Control": "no-store",
        },
    )
