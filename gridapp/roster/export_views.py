"""Roster downloads (issue 15 item 8): a class's roster, a school's whole roster and its guardians
as .xlsx, for those entitled to the families' phones (404 for everyone else), each in the audit
log."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from gridapp.core import storage, xlsx
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, get_or_404, real_user, require
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.roster import export
from gridapp.roster.views import bp
from gridapp.schools.models import Grade, School, SchoolClass
from gridapp.schools.permissions import load_class


@bp.app_template_global("may_export_class")
def may_export_class(school_class, user=None) -> bool:
    """For the class page's link: the current user may download this class's roster. A template
    passes its `current_user` (Flask-Login's context processor gives the user itself), which
    spares a lookup through the proxy on the class page's hot path."""
    return export.may_export_class(real_user(current_user if user is None else user), school_class)


@bp.app_template_global("may_export_school")
def may_export_school(school) -> bool:
    """For the school page's link: the current user may download the school's rosters."""
    return export.may_export_school(real_user(current_user), school)


def _xlsx(data: bytes, name: str, fallback: str) -> Response:
    return Response(
        data,
        mimetype=xlsx.XLSX_MIMETYPE,
        headers={
            "Content-Disposition": storage.content_disposition(name, fallback),
            "Cache-Control": "no-store",
        },
    )


def _with_id_numbers() -> bool:
    return request.args.get("id_numbers") == "1"


def _school_for_export(school_id: int) -> School:
    school = get_or_404(School, school_id)
    require(export.may_export_school(real_user(current_user), school))
    return school


@bp.get("/classes/<int:class_id>/roster.xlsx")
@login_required
def export_class(class_id: int):
    """The class's roster with guardians (columns of the student import template);
    `?id_numbers=1` adds the ID numbers."""
    school_class = load_class(class_id, Need.VIEW, related=("school",))
    require(export.may_export_class(real_user(current_user), school_class))
    data, _count = export.export_roster(
        real_user(current_user),
        school_class.school,
        school_class,
        id_numbers=_with_id_numbers(),
    )
    db.session.commit()
    name = _("%(school)s-%(cls)s-学生名单-%(on)s.xlsx", school=school_class.school.name,
             cls=school_class.name, on=today().isoformat())  # fmt: skip
    return _xlsx(data, name, f"roster-class-{school_class.id}.xlsx")


@bp.get("/schools/<int:school_id>/roster.xlsx")
@login_required
def export_school(school_id: int):
    """The whole school's roster (every class), as `export_class`."""
    school = _school_for_export(school_id)
    data, _count = export.export_roster(
        real_user(current_user), school, None, id_numbers=_with_id_numbers()
    )
    db.session.commit()
    name = _("%(school)s-学生名单-%(on)s.xlsx", school=school.name, on=today().isoformat())
    return _xlsx(data, name, f"roster-school-{school.id}.xlsx")


@bp.get("/schools/<int:school_id>/guardians.xlsx")
@login_required
def export_guardians(school_id: int):
    """The school's guardians with their mobiles and children."""
    school = _school_for_export(school_id)
    data, _count = export.export_guardians(real_user(current_user), school)
    db.session.commit()
    name = _("%(school)s-家长名单-%(on)s.xlsx", school=school.name, on=today().isoformat())
    return _xlsx(data, name, f"guardians-school-{school.id}.xlsx")


@bp.get("/schools/<int:school_id>/roster/export")
@login_required
def export_page(school_id: int):
    """The school's downloads: whole roster, guardians, and each class's roster."""
    school = _school_for_export(school_id)
    classes = db.session.scalars(
        select(SchoolClass)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(SchoolClass.school_id == school.id)
        .order_by(Grade.level, SchoolClass.number)
    ).all()
    return render_template("roster/export.html", school=school, classes=classes)
