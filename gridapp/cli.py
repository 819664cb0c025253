"""Command-line tasks (thin: they call services and commit once)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from gridapp.extensions import db


def register(app: Flask) -> None:
    from gridapp.roster.cli import roster

    app.cli.add_command(roster)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    @app.cli.command("demo-data")
    @click.option(
        "--seed", default=2026, show_default=True, help="random seed (same seed, same data)"
    )
    @click.option(
        "--schools", type=int, default=None, help="number of schools [3, or the preset's]"
    )
    @click.option(
        "--students-per-school", default=0, help="students per school (0: 18 classes of 35–45)"
    )
    @click.option(
        "--scale",
        type=click.Choice(["school", "county", "district"]),
        default=None,
        help="a large district written in bulk: school (1×2,000 students), county (25×2,000), "
        "district (100×2,000)",
    )
    @click.option(
        "--if-empty", is_flag=True, help="do nothing (and succeed) if the database has data"
    )
    def demo_data(
        seed: int, schools: int | None, students_per_school: int, scale: str | None, if_empty: bool
    ) -> None:
        """Load the demo district (refuses a database that holds real data)."""
        from gridapp import demo
        from gridapp.schools.models import District

        has_any = db.session.query(District.id).first() is not None
        if if_empty and has_any:
            click.echo("The database already holds a district: demo data not loaded.")
            return
        try:
            demo.check_may_load()
        except demo.DemoRefused as e:
            click.echo(f"Refused: {e}.", err=True)
            sys.exit(1)
        started = time.monotonic()
        if scale is not None:
            _bulk(seed, scale, schools, students_per_school)
            return
        result = demo.build(
            seed=seed, schools=schools or 3, students_per_school=students_per_school or None
        )
        db.session.commit()
        click.echo(
            f"Demo district loaded in {time.monotonic() - started:.1f}s: {len(result.schools)} schools, "
            f"{result.students} students, {result.teachers} teachers, {result.contacts} contacts,"
            f" {result.grids} grids."
        )

    def _bulk(seed: int, scale: str, schools: int | None, students_per_school: int) -> None:
        from gridapp.demo import bulk

        preset_schools, preset_students = bulk.PRESETS[scale]
        result = bulk.build(
            seed=seed,
            schools=schools or preset_schools,
            students_per_school=students_per_school or preset_students,
            progress=lambda message: click.echo(f"  {message}"),
        )
        started = time.monotonic()
        db.session.commit()
        result.phases["commit"] = time.monotonic() - started
        click.echo(f"  commit: {result.phases['commit']:.1f}s")
        click.echo("Rows written:")
        for table, n in result.rows.items():
            click.echo(f"  {table:<24} {n:>10,}")
        click.echo(
            f"Demo district ({scale}) loaded in {result.phases['total'] + result.phases['commit']:.1f}s:"
            f" {result.schools} schools, {result.students:,} students, {result.teachers:,} staff,"
            f" {result.contacts:,} contacts, {result.grids:,} grids, {result.pairings:,} pairings,"
            f" {result.cases:,} cases."
        )

    @app.cli.command("demo-logins")
    def demo_logins() -> None:
        """Print the demo logins."""
        from gridapp import demo

        click.echo(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
        for username, who in demo.DEMO_LOGINS:
            click.echo(f"  {username:<10} {who}")

    @app.cli.command("create-admin")
    @click.option("--username", required=True)
    @click.option("--name", required=True)
    @click.option("--district", "district_name", required=True, help="the district's name")
    @click.option("--district-code", required=True)
    @click.password_option()
    def create_admin(
        username: str, name: str, district_name: str, district_code: str, password: str
    ) -> None:
        """Create a district and its first district admin (the start of a real installation)."""
        from sqlalchemy import select

        from gridapp.accounts.models import Role, User, UserRole
        from gridapp.accounts.services import check_new_password
        from gridapp.core import audit
        from gridapp.core.errors import RuleViolation
        from gridapp.schools.models import District

        try:
            check_new_password(password, field="password")
        except RuleViolation as e:
            raise click.BadParameter(e.message) from e
        district = db.session.scalar(select(District).where(District.code == district_code))
        if district is None:
            district = District(name=district_name, code=district_code, is_demo=False)
            db.session.add(district)
            db.session.flush()
        user = User(username=username, name=name, district_id=district.id)
        user.set_password(password)
        user.roles.append(UserRole(role=Role.DISTRICT_ADMIN))
        db.session.add(user)
        db.session.flush()
        audit.record(None, "user.create", user, actor_name="cli")
        db.session.commit()
        click.echo(f"District admin {username} created.")


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest: Path) -> None:
    """Back up the database and the uploaded files into the new folder DEST (while in use)."""
    from gridapp.core import backup

    started = time.monotonic()
    try:
        manifest = backup.backup(dest)
    except backup.BackupError as e:
        click.echo(f"Refused: {e}", err=True)
        sys.exit(1)
    click.echo(
        f"Backup written to {dest} in {time.monotonic() - started:.1f}s: "
        f"{backup.BACKEND_NAMES[manifest.backend]} at migration {manifest.revision}, "
        f"{manifest.files} uploaded files ({manifest.bytes} bytes)."
    )


@click.command("restore")
@click.argument("src", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="restore without asking")
@with_appcontext
def restore_command(src: Path, yes: bool) -> None:
    """Replace the database and the uploaded files by the backup in SRC (made by `backup`)."""
    from gridapp.core import backup

    try:
        manifest = backup.check(src)
        if not yes:
            click.confirm(
                f"Replace the database and the uploaded files by the backup of "
                f"{manifest.created_at} ({manifest.files} files)? Everything written since is lost",
                abort=True,
            )
        started = time.monotonic()
        backup.restore(src)
    except backup.BackupError as e:
        click.echo(f"Refused: {e}", err=True)
        sys.exit(1)
    click.echo(
        f"Restored the backup of {manifest.created_at} in {time.monotonic() - started:.1f}s: "
        f"{backup.BACKEND_NAMES[manifest.backend]} at migration {manifest.revision}, "
        f"{manifest.files} uploaded files."
    )
