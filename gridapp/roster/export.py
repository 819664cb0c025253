"""Rosters out to Excel: a class's or a school's students with their guardians (the columns of the
student import template, so an export imports again) and a school's guardians (issue 15 item 8).

Cells are written by core.xlsx: a value that Excel would read as a formula is written as text,
and characters an .xlsx cannot hold are dropped."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gridapp.accounts.models import User
from gridapp.core import audit
from gridapp.core.permissions import real_user
from gridapp.core.xlsx import new_workbook, to_bytes, write_sheet
from gridapp.extensions import db
from gridapp.people.models import (
    Guardian,
    Student,
    StudentGuardian,
    StudentSensitive,
    StudentStatus,
)
from gridapp.schools.models import Grade, School, SchoolClass
from gridapp.schools.permissions import leader_school_ids, sees_sensitive_in_loaded_class

# The student import template's columns (issue 15 item 1), guardian columns repeated per guardian.
STUDENT_COLUMNS = [
    "学号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "年级",
    "班级",
    "家庭住址",
    "小区/村",
]
GUARDIAN_COLUMNS = ["监护人{n}姓名", "监护人{n}关系", "监护人{n}手机"]
MIN_GUARDIANS = 2
GUARDIAN_LIST_COLUMNS = ["姓名", "关系", "手机", "其他电话", "工作单位", "子女", "家长账号"]

CLI_ACTOR = "cli"  # the audit log's actor for an export from the command line (no account)

# ---- who may export -------------------------------------------------------------------------------


def may_export_class(user, school_class: SchoolClass) -> bool:
    """A class roster with its guardians' mobiles and (on request) ID numbers is sensitive
    (docs/domain.md, Privacy): its head teacher (while a teacher of the school), the school's
    principal and admin (schools.permissions.sees_sensitive_in_loaded_class). Nobody else: not
    the district (figures only), not subject teachers, not another school's admin."""
    return sees_sensitive_in_loaded_class(user, school_class)


def may_export_school(user, school: School) -> bool:
    """The whole school's roster and guardian list: the school's principal and admin only."""
    user = real_user(user)
    return bool(user is not None and user.is_authenticated) and school.id in leader_school_ids(user)


def _students(school_id: int, class_id: int | None) -> list[Student]:
    """Students in school (in its classes by grade level and class number) or in one class, in
    student-number order, with their guardians: three queries however many students."""
    q = (
        select(Student)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(Student.school_id == school_id, Student.status == StudentStatus.ACTIVE)
        .options(
            selectinload(Student.school_class),
            selectinload(Student.guardian_links).selectinload(StudentGuardian.guardian),
        )
        .order_by(Grade.level, SchoolClass.number, Student.student_number, Student.id)
    )
    if class_id is not None:
        q = q.where(Student.class_id == class_id)
    return list(db.session.scalars(q))


def _id_numbers(student_ids: list[int]) -> dict[int, str]:
    if not student_ids:
        return {}
    q = select(StudentSensitive.student_id, StudentSensitive.id_number).where(
        StudentSensitive.student_id.in_(student_ids), StudentSensitive.id_number != ""
    )
    return dict(db.session.execute(q).all())


def _guardians_of(student: Student) -> list[Guardian]:
    links = sorted(student.guardian_links, key=lambda link: (not link.is_primary, link.guardian_id))
    return [link.guardian for link in links]


def roster_headers(guardians: int = MIN_GUARDIANS) -> list[str]:
    """The roster's columns: the student import template's, with `guardians` guardian groups."""
    heads = list(STUDENT_COLUMNS)
    for n in range(1, max(guardians, MIN_GUARDIANS) + 1):
        heads += [c.format(n=n) for c in GUARDIAN_COLUMNS]
    return heads


def roster_rows(students: list[Student], id_numbers: dict[int, str]) -> tuple[list[str], list]:
    """(headers, rows) of a roster: one row per student, guardians primary first."""
    most = max((len(s.guardian_links) for s in students), default=0)
    headers = roster_headers(most)
    groups = (len(headers) - len(STUDENT_COLUMNS)) // len(GUARDIAN_COLUMNS)
    rows = []
    for s in students:
        row = [
            s.student_number,
            s.name,
            s.gender._label,  # Chinese whatever the page language: it imports again
            s.birth_on,
            id_numbers.get(s.id, ""),
            s.school_class.grade.name if s.school_class else "",
            s.school_class.name if s.school_class else "",
            s.address,
            s.community,
        ]
        guardians = _guardians_of(s)
        for n in range(groups):
            g = guardians[n] if n < len(guardians) else None
            row += [g.name, g.relation._label, g.mobile] if g else ["", "", ""]
        rows.append(row)
    return headers, rows


def export_roster(
    actor: User | None,
    school: School,
    school_class: SchoolClass | None,
    *,
    id_numbers: bool = False,
) -> tuple[bytes, int]:
    """The .xlsx of a class's roster (or the whole school's, `school_class` None) and its number
    of students. Columns as the student import template (STUDENT_COLUMNS, then guardians' name,
    relation and mobile); ID numbers only when `id_numbers` (the exporter is entitled: see
    may_export_class). Writes one audit entry naming the fields exported, never their contents
    (docs/domain.md, Privacy). The caller checks the permission and commits."""
    students = _students(school.id, school_class.id if school_class else None)
    ids = _id_numbers([s.id for s in students]) if id_numbers else {}
    headers, rows = roster_rows(students, ids)
    wb = new_workbook()
    ws = wb.active
    ws.title = "学生名单"
    count = write_sheet(ws, headers, rows, text_columns=(0, 4))
    fields = ["student_number", "name", "gender", "birth_on", "class", "address", "community"]
    fields += ["guardian.name", "guardian.relation", "guardian.mobile"]
    if id_numbers:
        fields.append("id_number")
    audit.record(
        actor,
        "roster.export",
        school_class if school_class is not None else school,
        school_id=school.id,
        actor_name=None if actor is not None else CLI_ACTOR,
        kind="class" if school_class is not None else "school",
        fields=fields,
        rows=count,
    )
    return to_bytes(wb), count


def export_guardians(actor: User | None, school: School) -> tuple[bytes, int]:
    """The .xlsx of the guardians of the school's students (in name_key order): name, relation,
    mobile, other phone, workplace, their children at the school (class and student number),
    whether they have an account. One audit entry naming the fields. The caller checks the
    permission (may_export_school) and commits."""
    q = (
        select(Guardian)
        .join(StudentGuardian, StudentGuardian.guardian_id == Guardian.id)
        .join(Student, Student.id == StudentGuardian.student_id)
        .where(Student.school_id == school.id, Student.status == StudentStatus.ACTIVE)
        .distinct()
        .options(
            selectinload(Guardian.student_links)
            .selectinload(StudentGuardian.student)
            .selectinload(Student.school_class)
        )
        .order_by(Guardian.name_key, Guardian.id)
    )
    guardians = list(db.session.scalars(q))
    rows = []
    for g in guardians:
        children = sorted(
            (
                link.student
                for link in g.student_links
                if link.student.school_id == school.id
                and link.student.status == StudentStatus.ACTIVE
            ),
            key=lambda s: (s.school_class.grade.level, s.school_class.number, s.student_number),
        )
        kids = "；".join(f"{s.school_class.name} {s.name}（{s.student_number}）" for s in children)
        rows.append(
            [
                g.name,
                g.relation._label,
                g.mobile,
                g.other_phone,
                g.workplace,
                kids,
                "已开通" if g.user_id else "未开通",
            ]
        )
    wb = new_workbook()
    ws = wb.active
    ws.title = "家长名单"
    count = write_sheet(ws, GUARDIAN_LIST_COLUMNS, rows, text_columns=(2, 3))
    audit.record(
        actor,
        "roster.export",
        school,
        actor_name=None if actor is not None else CLI_ACTOR,
        kind="guardians",
        fields=["name", "relation", "mobile", "other_phone", "workplace", "children", "account"],
        rows=count,
    )
    return to_bytes(wb), count
