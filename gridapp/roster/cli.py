"""`flask roster ...`: the roster from the command line for the district's IT staff (issue 15
item 10). Thin: commands call the roster's services and commit once."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from gridapp.core import text
from gridapp.extensions import db

roster = AppGroup("roster", help="Import and export rosters (students, guardians, staff).")


def _school(code: str):
    from gridapp.schools.models import School

    school = db.session.scalar(
        select(School).where(func.upper(School.code) == text.normalise_code(code))
    )
    if school is None:
        click.echo(f"No school with code {code!r}.", err=True)
        sys.exit(2)
    return school


def _class(school, which: str):
    """A class of `school` by its id or by its name as people write it (三年级（2）班, 3-2)."""
    from gridapp.schools.models import Grade, SchoolClass

    q = select(SchoolClass).where(SchoolClass.school_id == school.id)
    which = text.normalise_number(which)
    if which.isdigit():
        found = db.session.scalar(q.where(SchoolClass.id == int(which)))
    else:
        parsed = text.parse_class_name(which)
        found = None
        if parsed is not None:
            found = db.session.scalar(
                q.join(Grade, Grade.id == SchoolClass.grade_id).where(
                    Grade.level == parsed[0], SchoolClass.number == parsed[1]
                )
            )
    if found is None:
        click.echo(f"No class {which!r} at school {school.code}.", err=True)
        sys.exit(2)
    return found


@roster.command("export")
@click.option("--school", "school_code", required=True, help="the school's code")
@click.option(
    "--class", "class_ref", default=None, help="one class: its id or name (三年级（2）班, 3-2)"
)
@click.option(
    "--guardians", is_flag=True, help="the school's guardian list instead of the student roster"
)
@click.option("--id-numbers", is_flag=True, help="include the students' ID numbers (sensitive)")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(
    school_code: str, class_ref: str | None, guardians: bool, id_numbers: bool, file: Path
) -> None:
    """Write a roster to FILE (.xlsx, Chinese headers).

    With --class: that class's students and their guardians. Without: every class of the
    school (the same columns, which the student import reads again). With --guardians: the
    school's guardians, their phones and children. Each export is in the audit log (actor "cli").
    """
    from gridapp.roster import export

    school = _school(school_code)
    if guardians:
        if class_ref is not None:
            raise click.UsageError("--guardians lists the whole school: leave out --class")
        data, count = export.export_guardians(None, school)
    else:
        school_class = _class(school, class_ref) if class_ref is not None else None
        data, count = export.export_roster(None, school, school_class, id_numbers=id_numbers)
    file.write_bytes(data)
    db.session.commit()
    click.echo(f"Wrote {count} rows to {file}.")
