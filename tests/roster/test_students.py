"""The students kind: plan (preview) and apply (commit) against the database."""

from __future__ import annotations

from sqlalchemy import event, func, select

from gridapp.extensions import db
from gridapp.people.models import Guardian, Student, StudentSensitive
from gridapp.roster import services
from gridapp.roster.models import FamilyLink
from gridapp.schools.models import School

from . import files


def _preview(world, data, name="名单.xlsx"):
    school = db.session.get(School, world.school_a)
    return school, services.preview(school, data, name, "students")


def test_new_students_are_planned_then_written_once(app, world, ctx):
    data = files.xlsx_bytes(files.rows_of(3))
    school, found = _preview(world, data)
    assert found.counts == {"rows": 3, "new": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert db.session.scalar(select(func.count()).where(Student.student_number == "20260001")) == 0
    counts = services.commit(None, school, found)
    assert counts["new"] == 3 and counts["guardians"] == 3
    s = db.session.scalar(select(Student).where(Student.student_number == "20260002"))
    assert s.name == "学生2" and s.school_class.name == "三年级（1）班"
    assert s.primary_guardian.mobile == "13900000002"
    # Again: nothing changes.
    school, again = _preview(world, data)
    assert again.counts["unchanged"] == 3 and not again.plan.writes


def test_a_changed_file_updates_only_what_changed(app, world, ctx):
    school, found = _preview(world, files.xlsx_bytes(files.rows_of(2)))
    services.commit(None, school, found)
    rows = files.rows_of(2)
    rows[1][6] = "三年级（2）班"
    school, found = _preview(world, files.xlsx_bytes(rows))
    assert found.counts["updated"] == 1 and found.counts["unchanged"] == 1
    change = next(c for c in found.plan.changes if c.action == "updated")
    assert change.changes == ["班级：三年级（1）班 → 三年级（2）班"]
    services.commit(None, school, found)
    s = db.session.scalar(select(Student).where(Student.student_number == "20260002"))
    assert s.class_id == world.class_a2


def test_siblings_share_a_family_by_mobile_across_schools(app, world, ctx):
    # 李芳 (13812345678) is the guardian of 王小明 and 王小红 in the world.
    row = files.student(
        "20269999", "王小三", "三年级（2）班", "138 1234 5678", g1="李芳", r1="母亲"
    )
    school, found = _preview(world, files.csv_bytes([row]))
    assert found.counts["new"] == 1
    services.commit(None, school, found)
    new = db.session.scalar(select(Student).where(Student.student_number == "20269999"))
    old = db.session.get(Student, world.student)
    assert new.family_id == old.family_id
    assert (
        db.session.scalar(
            select(func.count()).select_from(Guardian).where(Guardian.mobile == "13812345678")
        )
        == 1
    )
    link = db.session.scalar(select(FamilyLink).where(FamilyLink.student_id == new.id))
    assert link.mobile == "13812345678" and link.family_id == old.family_id


def test_two_new_siblings_in_one_file_are_one_family(app, world, ctx):
    rows = [
        files.student("20260001", "甲", mobile="13900000009"),
        files.student("20260002", "乙", "三年级（2）班", mobile="13900000009"),
    ]
    school, found = _preview(world, files.csv_bytes(rows))
    services.commit(None, school, found)
    a, b = db.session.scalars(
        select(Student)
        .where(Student.student_number.in_(["20260001", "20260002"]))
        .order_by(Student.student_number)
    ).all()
    assert a.family_id == b.family_id
    assert (
        db.session.scalar(
            select(func.count()).select_from(Guardian).where(Guardian.mobile == "13900000009")
        )
        == 1
    )


def test_id_numbers_go_to_the_sensitive_record(app, world, ctx):
    rows = [files.student(id_number="110105201709010024", birth="")]
    school, found = _preview(world, files.csv_bytes(rows))
    assert found.counts["errors"] == 0, found.plan.errors
    services.commit(None, school, found)
    s = db.session.scalar(select(Student).where(Student.student_number == "20260001"))
    assert db.session.get(StudentSensitive, s.id).id_number == "110105201709010024"
    assert s.birth_on.isoformat() == "2017-09-01"


def test_statements_do_not_grow_with_rows(app, world, ctx):
    def count(n, start):
        seen = []

        def record(*_args):
            seen.append(1)

        data = files.xlsx_bytes(files.rows_of(n, start))
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            school, found = _preview(world, data)
            services.commit(None, school, found)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    assert count(10, 1) == count(100, 100)


def test_a_sibling_guardian_of_another_school_is_linked_not_renamed(app, world, ctx):
    # 李芳 (13812345678) is also the guardian of 王小红 at school B.
    row = files.student(
        "20269999", "王小三", "三年级（2）班", "13812345678", g1="李芳芳", r1="父亲"
    )
    school, found = _preview(world, files.csv_bytes([row]))
    change = found.plan.changes[0]
    assert "以系统中的为准" in "；".join(change.changes)
    services.commit(None, school, found)
    guardian = db.session.scalar(select(Guardian).where(Guardian.mobile == "13812345678"))
    assert guardian.name == "李芳"
    # Imported again: unchanged, the stored name is kept (a note says so).
    school, again = _preview(world, files.csv_bytes([row]))
    assert again.counts["unchanged"] == 1, again.plan.changes
    assert any("以系统中的为准" in n for n in again.plan.notes)


def test_a_mobile_in_two_rows_is_one_guardian_named_by_the_first(app, world, ctx):
    rows = [
        files.student("20260001", "甲", mobile="13900000009", g1="张父"),
        files.student("20260002", "乙", mobile="13900000009", g1="张爸"),
    ]
    school, found = _preview(world, files.csv_bytes(rows))
    services.commit(None, school, found)
    assert (
        db.session.scalar(select(Guardian.name).where(Guardian.mobile == "13900000009")) == "张父"
    )
    school, again = _preview(world, files.csv_bytes(rows))
    assert again.counts["unchanged"] == 2, again.plan.changes


def test_an_exported_roster_saved_as_gbk_csv_imports_unchanged(app, world, ctx):
    """The issue's "done when": the school's roster exported to .xlsx (roster.export) and
    saved again as a GBK .csv imports with no change."""
    import csv
    import io

    from openpyxl import load_workbook

    from gridapp.roster import export

    school = db.session.get(School, world.school_a)
    data, count = export.export_roster(None, school, None)
    assert count >= 3
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    found = services.preview(school, out.getvalue().encode("gbk"), "名单.csv", "students")
    assert found.plan.errors == []
    assert found.counts["unchanged"] == count, found.plan.changes
    found = services.preview(school, data, "名单.xlsx", "students")
    assert found.counts["unchanged"] == count, found.plan.changes


def test_a_student_no_longer_at_school_keeps_their_status_with_a_note(app, world, ctx):
    from gridapp.people.models import StudentStatus

    school, found = _preview(world, files.csv_bytes(files.rows_of(1)))
    services.commit(None, school, found)
    student = db.session.scalar(select(Student).where(Student.student_number == "20260001"))
    student.status = StudentStatus.LEFT
    db.session.flush()
    school, again = _preview(world, files.csv_bytes(files.rows_of(1)))
    assert again.counts["unchanged"] == 1
    assert any("已不在读" in n for n in again.plan.notes)


def test_a_file_that_moves_a_student_keeps_the_class_history(app, world, ctx, time_machine):
    """A student the file puts in another class moves in the class history from the day of the
    import: the old placement ends, a new one opens (issue 15 item 6)."""
    from datetime import date

    from gridapp.people.models import ClassPlacement

    time_machine.move_to("2026-10-12 10:00 +08:00", tick=False)
    school, found = _preview(world, files.xlsx_bytes(files.rows_of(2)))
    services.commit(None, school, found)
    db.session.flush()
    s = db.session.scalar(select(Student).where(Student.student_number == "20260002"))
    db.session.add(
        ClassPlacement(student_id=s.id, class_id=world.class_a1, from_on=date(2026, 9, 1))
    )
    db.session.flush()
    time_machine.move_to("2026-11-16 10:00 +08:00", tick=False)
    rows = files.rows_of(2)
    rows[1][6] = "三年级（2）班"
    school, found = _preview(world, files.xlsx_bytes(rows))
    services.commit(None, school, found)
    history = db.session.execute(
        select(ClassPlacement.class_id, ClassPlacement.from_on, ClassPlacement.to_on)
        .where(ClassPlacement.student_id == s.id)
        .order_by(ClassPlacement.from_on)
    ).all()
    assert [tuple(h) for h in history] == [
        (world.class_a1, date(2026, 9, 1), date(2026, 11, 16)),
        (world.class_a2, date(2026, 11, 16), None),
    ]


def test_a_graduated_class_is_not_the_class_a_file_names(app, world, ctx):
    """After a rollover a closed class keeps its grade and number; the file's 三年级（7）班 is the
    open one, whichever was stored last (issue 15 item 9)."""
    from datetime import date

    from gridapp.schools.models import SchoolClass
    from tests import factories as f

    grade = db.session.get(SchoolClass, world.class_a1).grade
    open_class = f.SchoolClassFactory(grade=grade, number=7)
    db.session.flush()
    f.SchoolClassFactory(grade=grade, number=7, closed_on=date(2026, 8, 31))
    db.session.flush()
    school, found = _preview(world, files.xlsx_bytes(files.rows_of(1, klass="三年级（7）班")))
    services.commit(None, school, found)
    s = db.session.scalar(select(Student).where(Student.student_number == "20260001"))
    assert s.class_id == open_class.id
