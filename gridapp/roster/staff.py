"""The staff import (issue 15 items 1 and 5): the staff template, reading its rows into checked
staff (工号, 姓名, 手机, 是否党员, 任教班级及学科, 班主任班级), the plan (new / updated / unchanged
by staff number) and its application in bulk: teacher accounts with one-time invitation links,
the teacher role at the school, teaching assignments, head teachers and the Party-member flag.

Rows come in as plain dicts (header → cell text) with their row numbers, from whichever reader
read the file; nothing here depends on the file's format. Applying a plan runs a fixed number of
SQL statements however many rows the file has (issue 15, Speed)."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, func, insert, select, update

from gridapp.accounts.models import Invitation, Role, User, UserRole
from gridapp.core import audit, text, xlsx
from gridapp.core.errors import RuleViolation
from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.core.time import now
from gridapp.core.unique import held
from gridapp.extensions import db
from gridapp.roster import export, kinds, values
from gridapp.schools.models import SUBJECTS, Grade, School, SchoolClass, StaffMember
from gridapp.schools.models import TeachingAssignment as Assignment

KIND = "staff"
COLUMNS = ["工号", "姓名", "手机", "是否党员", "任教班级及学科", "班主任班级"]
REQUIRED = ("工号", "姓名")
# Other names schools give the same columns (compared after NFKC and without spaces).
ALIASES = {
    "教职工号": "工号", "职工号": "工号", "教师编号": "工号", "编号": "工号",
    "教师姓名": "姓名", "姓 名": "姓名",
    "手机号": "手机", "手机号码": "手机", "联系电话": "手机", "电话": "手机", "联系方式": "手机",
    "党员": "是否党员", "政治面貌": "是否党员",
    "任教班级": "任教班级及学科", "任教班级和学科": "任教班级及学科", "任教学科": "任教班级及学科",
    "班主任": "班主任班级", "担任班主任班级": "班主任班级",
}  # fmt: skip
EXAMPLE_PREFIX = "示例"  # the template's example row: its 工号 starts so; skipped on import
NOTE = (
    "说明：第 2 行是表头，请勿修改；第 3 行是示例（工号以“示例”开头的行导入时跳过，可删除）。"
    "工号在本校内唯一；手机为 11 位手机号；是否党员填“是”或“否”；"
    "任教班级及学科写成“三年级（2）班 语文；四年级（1）班 数学”，一个班教多门用“、”分开"
    "（三年级（2）班 语文、道德与法治）；班主任班级写班级名称，可空。"
)
EXAMPLE = ["示例001", "张老师", "13800000000", "是", "三年级（2）班 语文；四年级（1）班 数学",
           "三年级（2）班"]  # fmt: skip
YES = {"是", "Y", "YES", "党员", "中共党员", "√", "✓", "✔", "1", "TRUE", "对"}
NO = {"", "否", "N", "NO", "非党员", "群众", "×", "✗", "0", "FALSE", "不是", "无"}
_ITEM_SEPARATORS = re.compile(r"[;；,，\n]+")
MAX_NUMBER = 32
MAX_NAME = 50


@dataclass(frozen=True)
class SheetRow:
    """One row of a file: its row number as the spreadsheet shows it, and header → cell text."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class RowError:
    row: int
    message: str


@dataclass(frozen=True)
class StaffRow:
    """A checked row: normal forms, the classes resolved to ids of the school."""

    row: int
    staff_number: str
    name: str
    mobile: str
    is_party_member: bool
    teaching: frozenset[tuple[int, str]]  # (class id, subject)
    heads: frozenset[int]  # class ids


@dataclass
class Checked:
    staff: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
STATUS_LABELS = {NEW: N_("新增"), UPDATED: N_("更新"), UNCHANGED: N_("无变化")}


@dataclass
class PlanItem:
    staff: StaffRow
    status: str
    user_id: int | None = None
    username: str = ""
    changes: list[str] = field(default_factory=list)  # what changes, in Chinese, for the preview


@dataclass
class Plan:
    """What committing the file would do; `errors` non-empty means it cannot be committed."""

    items: list[PlanItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    absent: list[tuple[str, str]] = field(default_factory=list)  # (staff number, name)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass
class Created:
    staff_number: str
    name: str
    username: str
    token: str


@dataclass
class Applied:
    created: list[Created] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0


# ---- the template ---------------------------------------------------------------------------------


def template_bytes() -> bytes:
    """The staff template .xlsx: a note on row 1, the headers on row 2, an example on row 3."""
    wb = xlsx.new_workbook()
    ws = wb.active
    ws.title = "教职工"
    ws.cell(row=1, column=1, value=NOTE)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.row_dimensions[1].height = 60
    from openpyxl.styles import Alignment

    ws.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    xlsx.write_sheet(ws, COLUMNS, [EXAMPLE], first_row=2, text_columns=(0, 2))
    ws.column_dimensions["E"].width = 40
    return xlsx.to_bytes(wb)


def canonical_header(header: str | None) -> str:
    """A header cell as one of COLUMNS when it names one (NFKC, spaces dropped, ALIASES)."""
    h = "".join(text.nfkc(header).split())
    return ALIASES.get(h, h)


# ---- checking rows --------------------------------------------------------------------------------


def _classes(school_id: int) -> dict[tuple[int, int], int]:
    q = (
        select(Grade.level, SchoolClass.number, SchoolClass.id)
        .join(Grade, Grade.id == SchoolClass.grade_id)
        .where(SchoolClass.school_id == school_id, SchoolClass.closed_on.is_(None))
    )
    return {(level, number): cid for level, number, cid in db.session.execute(q)}


def _party(value: str) -> bool | None:
    v = "".join(text.nfkc(value).split()).upper()
    if v in YES:
        return True
    if v in NO:
        return False
    return None


def _class_id(name: str, classes: dict, problems: list[str]) -> int | None:
    parsed = text.parse_class_name(name)
    if parsed is None or parsed not in classes:
        problems.append(_("没有这个班级：%(c)s", c=text.normalise_class_name(name)))
        return None
    return classes[parsed]


def _teaching(value: str, classes: dict, problems: list[str]) -> set[tuple[int, str]]:
    """ "三年级（2）班 语文；四年级（1）班 数学、科学" → {(class id, subject)}; a part with only a
    subject belongs to the class before it."""
    found: set[tuple[int, str]] = set()
    current: int | None = None
    seen_class = False
    for item in _ITEM_SEPARATORS.split(text.nfkc(value)):
        for part in item.split("、"):
            part = "".join(part.split())
            if not part:
                continue
            subject = next((s for s in SUBJECTS if part.endswith(s)), None)
            if subject is None:
                place, _sep, rest = part.rpartition("班")
                if place and rest and text.parse_class_name(place + "班") is not None:
                    problems.append(_("未知学科：%(s)s", s=rest))
                elif text.parse_class_name(part) is not None:
                    problems.append(_("“%(p)s”没有写学科", p=part))
                else:
                    problems.append(_("未知学科或班级：%(p)s", p=part))
                current, seen_class = None, True
                continue
            place = part[: len(part) - len(subject)]
            if place:
                current, seen_class = _class_id(place, classes, problems), True
            elif not seen_class:
                problems.append(_("学科“%(s)s”前面没有写班级", s=subject))
                seen_class = True
            if current is not None:
                found.add((current, subject))
    return found


def check_rows(school: School, rows: list[SheetRow]) -> Checked:
    """Check every row (headers as COLUMNS, cells as text): normal forms of numbers, names,
    phones and class names (core.text); a Chinese RowError for an empty 工号 or 姓名, a 工号
    repeated in the file, a mobile that is not 11 digits starting 1[3-9], a 是否党员 that is not
    是/否/Y/N/党员/√…, an unknown class or subject, a class headed by two rows. Blank rows and
    the template's example row are skipped. Never raises on cell content (issue 15 item 3)."""
    classes = _classes(school.id)
    out = Checked()
    seen_numbers: dict[str, int] = {}
    seen_heads: dict[int, int] = {}
    for row in rows:
        cells = {canonical_header(k): ("" if v is None else str(v)) for k, v in row.cells.items()}
        if not any(v.strip() for v in cells.values()):
            continue
        problems: list[str] = []
        number = text.normalise_code(cells.get("工号"))
        if number.startswith(EXAMPLE_PREFIX):
            continue
        name = text.normalise_name(cells.get("姓名"))
        if not number:
            problems.append(_("工号不能为空"))
        elif len(number) > MAX_NUMBER:
            problems.append(_("工号太长（最多 %(n)d 个字符）", n=MAX_NUMBER))
        elif number in seen_numbers:
            problems.append(_("工号 %(n)s 与第 %(r)d 行重复", n=number, r=seen_numbers[number]))
        else:
            seen_numbers[number] = row.number
        if not name:
            problems.append(_("姓名不能为空"))
        elif len(name) > MAX_NAME:
            problems.append(_("姓名太长（最多 %(n)d 个字）", n=MAX_NAME))
        mobile = text.normalise_phone(cells.get("手机"))
        if mobile and not text.is_mobile(mobile):
            problems.append(_("手机号应为 11 位，以 13–19 开头：%(m)s", m=mobile[:20]))
        party = _party(cells.get("是否党员", ""))
        if party is None:
            problems.append(_("是否党员请填“是”或“否”"))
        teaching = _teaching(cells.get("任教班级及学科", ""), classes, problems)
        heads: set[int] = set()
        for part in _ITEM_SEPARATORS.split(text.nfkc(cells.get("班主任班级", ""))):
            for name_part in part.split("、"):
                if not name_part.strip():
                    continue
                cid = _class_id(name_part, classes, problems)
                if cid is None:
                    continue
                if cid in seen_heads:
                    problems.append(
                        _(
                            "%(c)s 的班主任已在第 %(r)d 行填写",
                            c=text.normalise_class_name(name_part),
                            r=seen_heads[cid],
                        )  # fmt: skip
                    )
                else:
                    seen_heads[cid] = row.number
                    heads.add(cid)
        if problems:
            out.errors += [RowError(row.number, p) for p in problems]
            continue
        out.staff.append(
            StaffRow(
                row.number, number, name, mobile, bool(party), frozenset(teaching), frozenset(heads)
            )  # fmt: skip
        )
    if not rows or (not out.staff and not out.errors):
        out.errors.append(RowError(0, _("文件里没有教职工数据")))
    return out


# ---- the plan -------------------------------------------------------------------------------------


def username_for(school: School, staff_number: str) -> str:
    """A new teacher's user name: the school's code and the staff number, in lower case."""
    return f"{text.normalise_code(school.code)}{staff_number}".lower()[:64]


def plan(school: School, checked: Checked) -> Plan:
    """What the checked rows would change, matched by staff number: new staff (an account to
    create), updated (name, mobile, Party flag, teaching or head classes differ) and unchanged;
    staff of the school the file leaves out are listed in `absent`, never removed. A teacher of
    the school without a staff number is matched by mobile (one only) or by the user name a
    new row would get, and gets the number; a user name a new row needs that belongs to someone
    else is a row error. A fixed number of queries."""
    out = Plan(errors=list(checked.errors))
    numbers = [s.staff_number for s in checked.staff]
    members = {
        m.staff_number: m
        for m in db.session.scalars(select(StaffMember).where(StaffMember.school_id == school.id))
    }
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([m.user_id for m in members.values()]))
        )
    }
    wanted_names = {username_for(school, n) for n in numbers if n not in members}
    taken = {
        u.username.lower(): u
        for u in db.session.scalars(select(User).where(func.lower(User.username).in_(wanted_names)))
    }
    staff_here = set(
        db.session.scalars(
            select(UserRole.user_id).where(
                UserRole.school_id == school.id,
                UserRole.user_id.in_([u.id for u in taken.values()]),
            )
        )
    )
    linked = {m.user_id for m in members.values()}
    # Teachers of the school entered by hand before, without a staff number: a row with their
    # mobile gives them their number instead of a second account.
    unnumbered: dict[str, list[User]] = {}
    for u in db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.school_id == school.id,
            UserRole.role == Role.TEACHER,
            User.phone != "",
            User.id.not_in(select(StaffMember.user_id).where(StaffMember.school_id == school.id)),
        )
        .distinct()
    ):
        unnumbered.setdefault(u.phone, []).append(u)
    adopted: set[int] = set()
    teaching: dict[int, set[tuple[int, str]]] = {}
    for uid, cid, subject in db.session.execute(
        select(Assignment.teacher_id, Assignment.class_id, Assignment.subject)
        .join(SchoolClass, SchoolClass.id == Assignment.class_id)
        .where(SchoolClass.school_id == school.id)
    ):
        teaching.setdefault(uid, set()).add((cid, subject))
    heads = dict(
        db.session.execute(
            select(SchoolClass.id, SchoolClass.head_teacher_id).where(
                SchoolClass.school_id == school.id
            )
        ).all()
    )
    for s in checked.staff:
        member = members.get(s.staff_number)
        user = users.get(member.user_id) if member else None
        if user is None:
            same_phone = [u for u in unnumbered.get(s.mobile, []) if u.id not in adopted]
            username = username_for(school, s.staff_number)
            other = taken.get(username)
            if len(same_phone) == 1:
                user = same_phone[0]
            elif other is None:
                out.items.append(PlanItem(s, NEW, username=username))
                continue
            elif other.id not in staff_here or other.id in linked or other.id in adopted:
                out.errors.append(RowError(s.row, _("用户名 %(u)s 已被其他账号使用", u=username)))
                continue
            else:  # an account made by hand before under this name
                user = other
            adopted.add(user.id)
            item = PlanItem(s, UPDATED, user.id, user.username, [_("工号")])
        else:
            item = PlanItem(s, UNCHANGED, user.id, user.username)
        if user.name != s.name:
            item.changes.append(_("姓名"))
        if s.mobile and user.phone != s.mobile:
            item.changes.append(_("手机"))
        if user.is_party_member != s.is_party_member:
            item.changes.append(_("党员"))
        if teaching.get(user.id, set()) != set(s.teaching):
            item.changes.append(_("任教"))
        if any(heads.get(cid) != user.id for cid in s.heads):
            item.changes.append(_("班主任"))
        if item.changes:
            item.status = UPDATED
        out.items.append(item)
    in_file = set(numbers)
    absent_ids = {m.user_id: n for n, m in members.items() if n not in in_file}
    names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(list(absent_ids)))).all()
    )
    out.absent = sorted((n, names.get(uid, "")) for uid, n in absent_ids.items())
    return out


# ---- applying it ----------------------------------------------------------------------------------


def _case(column, values: dict[int, object]):
    return case(values, value=User.id, else_=column)


def apply(actor: User | None, school: School, the_plan: Plan, *, invite: bool = True) -> Applied:
    """Commit-ready writes of a plan without errors (RuleViolation if it has any): new accounts
    (no password; a one-time invitation each, INVITATION_DAYS valid, the token returned once),
    the teacher role at the school, staff numbers, the changed names, mobiles and Party flags,
    teaching assignments as the file lists them at this school (others of the school removed),
    head teachers of the classes the file names (`invite` False: no links; see
    invite_without_password). A fixed number of statements whatever the
    number of rows; one audit entry (counts and fields, no names or phones). Flushes, never
    commits. Two imports of one file at once: the unique indexes refuse the second (409)."""
    if the_plan.errors:
        raise RuleViolation(_("文件还有错误，改正后才能导入"))
    stamp = now()
    result = Applied(unchanged=the_plan.count(UNCHANGED))
    new = [i for i in the_plan.items if i.status == NEW]
    changed = [i for i in the_plan.items if i.status == UPDATED]
    conflict = _("教职工名单刚刚被其他人导入或修改过，请重新上传预览")
    with held(conflict, conflict=True):
        if new:
            rows = [
                {
                    "username": i.username,
                    "name": i.staff.name,
                    "name_key": text.name_sort_key(i.staff.name),
                    "phone": i.staff.mobile,
                    "title": "",
                    "is_party_member": i.staff.is_party_member,
                    "active": True,
                    "district_id": school.district_id,
                    "session_version": 1,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for i in new
            ]
            # No RETURNING: SQLite would send one INSERT per row to keep their order.
            db.session.execute(insert(User), rows)
            ids = dict(
                db.session.execute(
                    select(func.lower(User.username), User.id).where(
                        func.lower(User.username).in_([i.username for i in new])
                    )
                ).all()
            )
            for item in new:
                item.user_id = ids[item.username]
        everyone = new + changed + [i for i in the_plan.items if i.status == UNCHANGED]
        # Staff numbers for the new and for accounts made by hand before.
        have = set(
            db.session.scalars(
                select(StaffMember.user_id).where(
                    StaffMember.school_id == school.id,
                    StaffMember.user_id.in_([i.user_id for i in everyone]),
                )
            )
        )
        numbered = [i for i in everyone if i.user_id not in have]
        if numbered:
            db.session.execute(
                insert(StaffMember),
                [
                    {
                        "school_id": school.id,
                        "user_id": i.user_id,
                        "staff_number": i.staff.staff_number,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }  # fmt: skip
                    for i in numbered
                ],
            )
        teachers = set(
            db.session.scalars(
                select(UserRole.user_id).where(
                    UserRole.school_id == school.id,
                    UserRole.role == Role.TEACHER,
                    UserRole.user_id.in_([i.user_id for i in everyone]),
                )
            )
        )
        missing_role = [i.user_id for i in everyone if i.user_id not in teachers]
        if missing_role:
            db.session.execute(
                insert(UserRole),
                [
                    {"user_id": uid, "role": Role.TEACHER, "school_id": school.id}
                    for uid in missing_role
                ],  # fmt: skip
            )
    _update_users(changed, stamp)
    _set_teaching(school, new + changed, stamp)
    _set_heads(school, new + changed)
    if new and invite:
        result.created = _invite(
            actor, [(i.user_id, i.staff.staff_number, i.staff.name, i.username) for i in new], stamp
        )
    result.updated = len(changed)
    audit.record(
        actor,
        "staff.import",
        school,
        created=len(new),
        updated=len(changed),
        unchanged=result.unchanged,
        invitations=len(result.created),
        actor_name=None if actor is not None else export.CLI_ACTOR,
        fields=sorted({c for i in changed for c in i.changes}),
    )
    db.session.expire_all()
    return result


def _update_users(changed: list[PlanItem], stamp) -> None:
    if not changed:
        return
    by_id = {i.user_id: i.staff for i in changed}
    phones = {uid: s.mobile for uid, s in by_id.items() if s.mobile}
    values = {
        "name": _case(User.name, {uid: s.name for uid, s in by_id.items()}),
        "name_key": _case(
            User.name_key, {uid: text.name_sort_key(s.name) for uid, s in by_id.items()}
        ),
        "is_party_member": _case(
            User.is_party_member, {uid: s.is_party_member for uid, s in by_id.items()}
        ),
        "updated_at": stamp,
    }
    if phones:
        values["phone"] = _case(User.phone, phones)
    db.session.execute(
        update(User).where(User.id.in_(list(by_id))).values(**values),
        execution_options={"synchronize_session": False},
    )


def _set_teaching(school: School, items: list[PlanItem], stamp) -> None:
    """Each listed teacher's assignments at this school become the file's: one query, one
    DELETE, one INSERT."""
    if not items:
        return
    user_ids = [i.user_id for i in items]
    current = {
        (uid, cid, subject): aid
        for aid, uid, cid, subject in db.session.execute(
            select(Assignment.id, Assignment.teacher_id, Assignment.class_id, Assignment.subject)
            .join(SchoolClass, SchoolClass.id == Assignment.class_id)
            .where(SchoolClass.school_id == school.id, Assignment.teacher_id.in_(user_ids))
        )
    }
    wanted = {(i.user_id, cid, subject) for i in items for cid, subject in i.staff.teaching}
    gone = [aid for key, aid in current.items() if key not in wanted]
    if gone:
        db.session.execute(
            delete(Assignment).where(Assignment.id.in_(gone)),
            execution_options={"synchronize_session": False},
        )
    added = sorted(wanted - set(current))
    if added:
        db.session.execute(
            insert(Assignment),
            [
                {
                    "teacher_id": uid,
                    "class_id": cid,
                    "subject": subject,
                    "created_at": stamp,
                    "updated_at": stamp,
                }  # fmt: skip
                for uid, cid, subject in added
            ],
        )


def _set_heads(school: School, items: list[PlanItem]) -> None:
    heads = {cid: i.user_id for i in items for cid in i.staff.heads}
    if not heads:
        return
    db.session.execute(
        update(SchoolClass)
        .where(SchoolClass.id.in_(list(heads)), SchoolClass.school_id == school.id)
        .values(head_teacher_id=case(heads, value=SchoolClass.id)),
        execution_options={"synchronize_session": False},
    )


# ---- the links, to hand out -----------------------------------------------------------------------


def invitations_bytes(school: School, created: list[Created], link_for) -> bytes:
    """The new accounts' links as .xlsx (工号, 姓名, 用户名, 设置密码链接), to print or send;
    `link_for(token)` makes the absolute link."""
    wb = xlsx.new_workbook()
    ws = wb.active
    ws.title = "设置密码链接"
    xlsx.write_sheet(
        ws,
        ["工号", "姓名", "用户名", "设置密码链接"],
        [[c.staff_number, c.name, c.username, link_for(c.token)] for c in created],
        text_columns=(0,),
    )
    ws.column_dimensions["D"].width = 90
    return xlsx.to_bytes(wb)


# ---- reading a file (until the roster's generic reader takes the staff kind) ----------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
HEADER_ROWS = 5  # the header row is among the first rows (the template's note row comes first)


def _cell_text(value) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table(data: bytes, filename: str) -> list[list[str]]:
    import csv
    import zipfile

    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            table = []
            for row in ws.iter_rows(values_only=True):
                table.append([_cell_text(v) for v in row])
                if len(table) > MAX_ROWS + HEADER_ROWS:
                    break
            wb.close()
            return table
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
            raise RuleViolation(
                _("无法读取这个 Excel 文件，请用 Excel 另存为 .xlsx 后再上传"), field="file"
            ) from None
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise RuleViolation(_("这是旧版 .xls 文件，请用 Excel 另存为 .xlsx 后再上传"), field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RuleViolation(_("无法识别文件的编码，请另存为 .xlsx 或 UTF-8 的 .csv"), field="file")
    if "\x00" in decoded:
        raise RuleViolation(_("这不是 .xlsx 或 .csv 文件"), field="file")
    return [row for row in csv.reader(io.StringIO(decoded, newline=""))][: MAX_ROWS + HEADER_ROWS]


def read_file(data: bytes, filename: str) -> list[SheetRow]:
    """The rows of an uploaded staff list (.xlsx, or .csv in UTF-8 with or without BOM or in
    GBK/GB18030, recognised by content, not by name) under their COLUMNS headers, numbered as
    the spreadsheet shows them. RuleViolation (field "file") with a Chinese message for an empty
    file, an unreadable or truncated one, one without the 工号 and 姓名 headers, or more than
    MAX_ROWS rows."""
    if not data:
        raise RuleViolation(_("文件是空的"), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise RuleViolation(
            _("文件太大（最多 %(n)d MB）", n=MAX_FILE_BYTES // (1024 * 1024)), field="file"
        )
    table = _table(data, filename)
    index = next(
        (
            i
            for i, row in enumerate(table[:HEADER_ROWS])
            if all(r in {canonical_header(h) for h in row} for r in REQUIRED)
        ),
        None,
    )
    if index is None:
        raise RuleViolation(_("没有找到表头：需要“工号”和“姓名”两列"), field="file")
    headers = [canonical_header(h) for h in table[index]]
    body = table[index + 1 :]
    if len(body) > MAX_ROWS:
        raise RuleViolation(_("一次最多导入 %(n)d 行", n=MAX_ROWS), field="file")
    out = []
    for offset, row in enumerate(body):
        cells = {h: row[i] for i, h in enumerate(headers) if h in COLUMNS and i < len(row)}
        out.append(SheetRow(index + 2 + offset, cells))
    return out


def _invite(actor: User | None, users: list[tuple[int, str, str, str]], stamp) -> list[Created]:
    """One-time links for (user id, staff number, name, user name): one INSERT for all."""
    if not users:
        return []
    days = current_app.config["INVITATION_DAYS"]
    tokens = [secrets.token_urlsafe(32) for _u in users]
    db.session.execute(
        insert(Invitation),
        [
            {
                "user_id": uid,
                "token_hash": Invitation.hash_token(t),
                "created_by_id": actor.id if actor is not None else None,
                "expires_at": stamp + timedelta(days=days),
                "created_at": stamp,
                "updated_at": stamp,
            }  # fmt: skip
            for (uid, _n, _name, _u), t in zip(users, tokens, strict=True)
        ],
    )
    return [Created(n, name, u, t) for (_uid, n, name, u), t in zip(users, tokens, strict=True)]


def without_password(school: School) -> list[tuple[int, str, str, str]]:
    """The school's numbered staff whose account has no password yet (never used their link):
    (user id, staff number, name, user name) in staff-number order."""
    q = (
        select(User.id, StaffMember.staff_number, User.name, User.username)
        .join(User, User.id == StaffMember.user_id)
        .where(
            StaffMember.school_id == school.id,
            User.password_hash.is_(None),
            User.active.is_(True),
        )
        .order_by(StaffMember.staff_number)
    )
    return [tuple(r) for r in db.session.execute(q)]


def without_password_counts(school_ids, at) -> dict[int, tuple[int, int]]:
    """Per school, the numbered staff whose account has no password yet (as `without_password`)
    and how many of them hold a link still open at the instant `at` (unused, not expired; the
    others need a new one): {school id: (without password, with an open link)} in one grouped
    query; a school with none is left out."""
    ids = sorted(school_ids)
    if not ids:
        return {}
    open_link = (
        select(Invitation.id)
        .where(
            Invitation.user_id == User.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > at,
        )
        .exists()
    )
    rows = db.session.execute(
        select(
            StaffMember.school_id,
            func.count(func.distinct(User.id)),
            func.count(func.distinct(case((open_link, User.id)))),
        )
        .join(User, User.id == StaffMember.user_id)
        .where(
            StaffMember.school_id.in_(ids),
            User.password_hash.is_(None),
            User.active.is_(True),
        )
        .group_by(StaffMember.school_id)
    )
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def invite_without_password(actor: User | None, school: School) -> list[Created]:
    """New one-time links for every numbered staff member of the school without a password (the
    links of an import lost or expired, or an import through the generic pipeline, which shows
    no links): two statements and one audit entry. Earlier links stay valid until they expire."""
    created = _invite(actor, without_password(school), now())
    audit.record(
        actor, "staff.invitations", school, invitations=len(created),
        actor_name=None if actor is not None else export.CLI_ACTOR,
    )  # fmt: skip
    return created


# ---- the staff kind of the roster import (roster/kinds.py) ----------------------------------------

KEYS = {"工号": "staff_number", "姓名": "name", "手机": "mobile", "是否党员": "party",
        "任教班级及学科": "teaching", "班主任班级": "heads"}  # fmt: skip
WIDTHS = {"任教班级及学科": 40, "班主任班级": 16, "手机": 14}


def _kind_plan(school: School, table) -> kinds.Plan:
    """The import pipeline's plan of a staff file (kinds.Kind.plan): the rows of the parsed
    table checked and planned as `check_rows` and `plan`; a formula cell is a row error. The
    absent staff are named in a note (the pipeline's absent list is for students). The payload
    is this module's Plan without its error rows (the pipeline commits without them only when
    the admin confirms skipping them)."""
    rows, formula_errors = [], []
    for r in table.rows:
        reasons = [m for label, key in KEYS.items() if (m := values.formula_reason(label, r[key]))]
        if reasons:
            formula_errors += [RowError(r.number, m) for m in reasons]
            continue
        rows.append(SheetRow(r.number, {label: r.text(key) for label, key in KEYS.items()}))
    checked = check_rows(school, rows) if rows else Checked()
    checked.errors = formula_errors + [e for e in checked.errors if e.row or not formula_errors]
    own = plan(school, checked)
    by_row: dict[int, list[str]] = {}
    for e in own.errors:
        by_row.setdefault(e.row, []).append(e.message)
    notes = []
    if own.count(NEW):
        notes.append(
            _("新教师的账号导入后还没有密码：请在“导入教职工”页面为他们生成设置密码链接。")
        )
    if own.absent:
        notes.append(
            _(
                "名单里没有的教职工（不会删除）：%(names)s",
                names="、".join(f"{name}（{number}）" for number, name in own.absent),
            )  # fmt: skip
        )
    return kinds.Plan(
        kind=KIND,
        rows=len(table.rows),
        errors=[kinds.RowError(row, reasons) for row, reasons in sorted(by_row.items())],
        changes=[
            kinds.RowChange(
                i.staff.row,
                i.status,
                i.staff.staff_number,
                i.staff.name,
                [] if i.status == NEW else list(i.changes),
            )  # fmt: skip
            for i in own.items
        ],
        payload=Plan(items=own.items, absent=own.absent),
        notes=notes,
    )


def _kind_apply(actor, school: School, result: kinds.Plan) -> dict[str, int]:
    """The import pipeline's apply (kinds.Kind.apply): `apply` without invitations (the links
    could not be shown once from a background job); the staff import page makes them."""
    applied = apply(actor, school, result.payload, invite=False)
    return {"new": result.payload.count(NEW), "updated": applied.updated,
            "unchanged": applied.unchanged}  # fmt: skip


KIND_ENTRY = kinds.register(
    kinds.Kind(
        name=KIND,
        label=_l("教职工"),
        columns=tuple(
            kinds.Column(
                KEYS[label],
                label,
                tuple(a for a, c in ALIASES.items() if c == label),
                label in REQUIRED,
                example,
                WIDTHS.get(label, 12),
            )  # fmt: skip
            for label, example in zip(COLUMNS, EXAMPLE, strict=True)
        ),
        plan=_kind_plan,
        apply=_kind_apply,
        note=NOTE,
    )
)
