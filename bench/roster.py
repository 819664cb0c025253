"""The roster import's speed (issue 15, "Speed"): a 5,000-row student file with guardians, made
up here, previewed and committed into an empty school of a fresh database, then imported again
(unchanged). Target: preview + commit under 10 s in all.

    .venv/bin/python bench/roster.py            # SQLite in a temporary folder, an .xlsx
    BENCH_ROSTER_FORMAT=csv .venv/bin/python bench/roster.py   # the same rows as a GBK .csv
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/gridapp_bench \\
        .venv/bin/python bench/roster.py        # an empty PostgreSQL database of your own

Prints one line of JSON (the last line); `make bench` runs it after bench/run.py's cases.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROWS = int(os.environ.get("BENCH_ROSTER_ROWS", "5000"))
TARGET = 10.0  # seconds, preview + commit
NAME = "bench.csv" if os.environ.get("BENCH_ROSTER_FORMAT") == "csv" else "bench.xlsx"


def roster_file(rows: int, levels: range, classes: int, seed: int = 15) -> bytes:
    """An .xlsx of `rows` students in the template's columns; one in five shares a guardian's
    mobile with an earlier student (siblings), some mobiles are typed with spaces or +86."""
    from openpyxl import Workbook

    from gridapp.core.text import GRADE_NAMES

    rnd = random.Random(seed)
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["学号", "姓名", "性别", "出生日期", "身份证号", "年级", "班级", "家庭住址", "小区/村",
               "监护人1姓名", "监护人1关系", "监护人1手机", "监护人2姓名", "监护人2关系",
               "监护人2手机"])  # fmt: skip
    mobiles: list[str] = []
    for i in range(rows):
        level = levels[i % len(levels)]
        number = (i // len(levels)) % classes + 1
        surname = rnd.choice(surnames)
        if mobiles and rnd.random() < 0.2:
            m1 = rnd.choice(mobiles)
        else:
            m1 = f"139{i:08d}"
            mobiles.append(m1)
        shown = rnd.choice([m1, f"+86 {m1}", f"{m1[:3]} {m1[3:7]} {m1[7:]}"])
        ws.append([
            f"2026{i:05d}", surname + rnd.choice(given) + rnd.choice(given), rnd.choice("男女"),
            f"{2020 - level}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "",
            GRADE_NAMES[level], f"{GRADE_NAMES[level]}（{number}）班", f"禾兴路{i}号",
            f"小区{i % 40}", surname + "父", "父亲", shown,
            *(["某母", "母亲", f"137{i:08d}"] if i % 2 else ["", "", ""]),
        ])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def as_gbk_csv(xlsx: bytes) -> bytes:
    """The same roster saved as Chinese Excel saves a CSV: GBK."""
    import csv

    from openpyxl import load_workbook

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in load_workbook(io.BytesIO(xlsx), read_only=True).active.iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("gbk")


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="gridapp-roster-bench-"))
    os.environ["GRIDAPP_INSTANCE"] = str(work)
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
    else:
        os.environ.pop("DATABASE_URL", None)

    from gridapp.app import create_app
    from gridapp.extensions import db
    from gridapp.roster import services
    from gridapp.schools.models import (
        District,
        Grade,
        School,
        SchoolClass,
        SchoolKind,
        class_name,
    )

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        district = District(name="基准区", code="BENCH")
        school = School(district=district, name="基准小学", code="B001", kind=SchoolKind.PRIMARY)
        db.session.add_all([district, school])
        db.session.flush()
        for level in range(1, 7):
            grade = Grade(school_id=school.id, level=level, name=class_name(level, 1)[:3])
            db.session.add(grade)
            db.session.flush()
            for number in range(1, 11):
                db.session.add(SchoolClass(
                    school_id=school.id, grade_id=grade.id, number=number,
                    name=class_name(level, number), enrolment_year=2026 - level,
                ))  # fmt: skip
        db.session.commit()
        data = roster_file(ROWS, range(1, 7), 10)
        if os.environ.get("BENCH_ROSTER_FORMAT") == "csv":
            data = as_gbk_csv(data)
        school = db.session.get(School, school.id)

        t, cpu = time.perf_counter(), time.process_time()
        found = services.preview(school, data, NAME, "students")
        preview_s, preview_cpu = time.perf_counter() - t, time.process_time() - cpu
        assert found.counts["errors"] == 0, found.plan.errors[:3]
        db.session.rollback()

        t, cpu = time.perf_counter(), time.process_time()
        found = services.preview(school, data, NAME, "students")
        counts = services.commit(None, school, found)
        db.session.commit()
        commit_s, commit_cpu = time.perf_counter() - t, time.process_time() - cpu

        t = time.perf_counter()
        again = services.preview(school, data, NAME, "students")
        again_s = time.perf_counter() - t
        db.session.rollback()
        dialect = db.engine.dialect.name
        db.drop_all()
    result = {
        "rows": ROWS,
        "database": dialect,
        "file_kb": len(data) // 1024,
        "format": NAME.rsplit(".", 1)[1],
        "preview_s": round(preview_s, 2),
        "commit_s": round(commit_s, 2),
        "total_s": round(preview_s + commit_s, 2),
        # This process's own CPU time: the machine's other load does not count in it.
        "total_cpu_s": round(preview_cpu + commit_cpu, 2),
        "reimport_preview_s": round(again_s, 2),
        "new": counts["new"],
        "guardians": counts["guardians"],
        "family_links": counts["links"],
        "reimport_unchanged": again.counts["unchanged"],
        "target_s": TARGET,
    }
    return result


if __name__ == "__main__":
    out = main()
    print(
        f"roster import, {out['rows']} rows ({out['format']}, {out['database']}, "
        f"{out['file_kb']} KB): preview "
        f"{out['preview_s']} s + commit {out['commit_s']} s = {out['total_s']} s "
        f"({out['total_cpu_s']} s CPU of this process) "
        f"(target {TARGET} s); re-import preview {out['reimport_preview_s']} s, "
        f"{out['reimport_unchanged']} unchanged"
    )
    print(json.dumps(out))
    sys.exit(0 if out["total_s"] <= TARGET else 1)
