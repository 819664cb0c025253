"""`flask roster ...`: the roster from the command line for the district's IT staff (issue 15
item 10). Thin: commands call the roster's services and commit once.

    flask --app wsgi roster import FILE --school CODE [--kind students|staff] [--json]
                                  [--commit [--skip-errors N]]

prints the preview (counts, error rows with their reasons; `--json` the same as JSON) and changes
nothing; `--commit` commits in one transaction (a file with error rows only with
`--skip-errors N`, N the number of error rows, as the page's "跳过 N 行错误"). Exit status 1 when
the file is refused or the commit is, 2 for an unknown school.
"""

from __future__ import annotations

import json
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


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", "school_code", required=True, help="the school's code")
@click.option("--kind", default="students", show_default=True, help="students or staff")
@click.option("--json", "as_json", is_flag=True, help="counts and error rows as JSON")
@click.option("--commit", "do_commit", is_flag=True, help="commit (else a preview only)")
@click.option("--skip-errors", type=int, default=None, help="commit without the N error rows")
def import_command(file: Path, school_code: str, kind: str, as_json: bool, do_commit: bool,
                   skip_errors: int | None) -> None:  # fmt: skip
    """Preview (and with --commit, import) a roster file for a school."""
    from gridapp.core.errors import RuleViolation
    from gridapp.roster import services

    school = _school(school_code)
    data = file.read_bytes()
    try:
        services.check_file(data)
        found = services.preview(school, data, file.name, kind)
    except RuleViolation as e:
        _out(as_json, {"ok": False, "error": e.message}, e.message)
        sys.exit(1)
    report = {
        "ok": True,
        "school": school.code,
        "kind": found.kind.name,
        "counts": found.counts,
        "errors": [{"row": e.row, "reasons": e.reasons} for e in found.plan.errors],
        "absent": len(found.plan.absent),
        "committed": False,
    }
    if do_commit and found.plan.writes:
        try:
            report["result"] = services.commit(None, school, found, skip_errors, actor_name="cli")
        except RuleViolation as e:
            db.session.rollback()
            report["ok"], report["error"] = False, e.message
            _report(as_json, report)
            sys.exit(1)
        db.session.commit()
        report["committed"] = True
    _report(as_json, report)


def _out(as_json: bool, payload: dict, line: str) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False) if as_json else line)


def _report(as_json: bool, report: dict) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    c = report["counts"]
    click.echo(
        f"{report['school']} {report['kind']}: {c['rows']} rows: {c['new']} new, "
        f"{c['updated']} updated, {c['unchanged']} unchanged, {c['errors']} with errors; "
        f"{report['absent']} of the school's active people are not in the file."
    )
    for e in report["errors"]:
        click.echo(f"  row {e['row']}: {'；'.join(e['reasons'])}")
    if report.get("error"):
        click.echo(f"Refused: {report['error']}", err=True)
    elif report["committed"]:
        click.echo("Committed.")
    else:
        click.echo("Nothing changed (preview only; add --commit to import).")


@roster.command("staff-links")
@click.option("--school", "school_code", required=True, help="the school's code")
@click.option("--base-url", required=True, help="the site's address, e.g. https://gridapp.example")
def staff_links_command(school_code: str, base_url: str) -> None:
    """New one-time password links for the school's staff without a password (after
    `roster import --kind staff --commit`): printed once, tab-separated (工号, 姓名, 用户名, link)."""
    from gridapp.roster import staff

    school = _school(school_code)
    created = staff.invite_without_password(None, school)
    db.session.commit()
    click.echo(f"{len(created)} links (valid once, for the invitation days configured):")
    for c in created:
        click.echo(
            f"{c.staff_number}\t{c.name}\t{c.username}\t{base_url.rstrip('/')}/invite/{c.token}"
        )
