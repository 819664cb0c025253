"""`flask roster import`: the preview printed (or as JSON), nothing changed without --commit."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from gridapp.extensions import db
from gridapp.people.models import Student
from gridapp.schools.models import School

from . import files


def run(app, *args):
    return app.test_cli_runner().invoke(args=["roster", "import", *map(str, args)])


def count(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).where(Student.student_number.like("2026%")))
        db.session.rollback()
        return n


def code_of(app, world) -> str:
    with app.app_context():
        return db.session.get(School, world.school_a).code


def test_preview_then_commit(app, world, tmp_path):
    rows = files.rows_of(3)
    rows[1][11] = "123"
    path = tmp_path / "名单.csv"
    path.write_bytes(files.csv_bytes(rows, encoding="gbk"))
    code = code_of(app, world)
    result = run(app, path, "--school", code)
    assert result.exit_code == 0, result.output
    assert "3 rows: 2 new" in result.output and "row 3:" in result.output
    assert count(app) == 0
    result = run(app, path, "--school", code, "--json")
    report = json.loads(result.output)
    assert report["counts"]["errors"] == 1 and report["errors"][0]["row"] == 3
    assert report["committed"] is False and count(app) == 0
    # An error row needs --skip-errors with its count.
    result = run(app, path, "--school", code, "--commit")
    assert result.exit_code == 1 and count(app) == 0
    result = run(app, path, "--school", code, "--commit", "--skip-errors", "1")
    assert result.exit_code == 0 and "Committed." in result.output
    assert count(app) == 2


def test_a_refused_file_exits_1(app, world, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("学号,姓名\n".encode("utf-16"))
    result = run(app, path, "--school", code_of(app, world), "--json")
    assert result.exit_code == 1
    assert "无法识别文件编码" in json.loads(result.output)["error"]


def test_an_unknown_school(app, world, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(files.csv_bytes(files.rows_of(1)))
    assert run(app, path, "--school", "NOPE").exit_code == 2
