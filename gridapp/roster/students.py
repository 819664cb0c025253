"""The "students" kind of the roster import: students with up to two guardians each, matched by
student number within the school; guardians matched by mobile across the district, which links
siblings into one family (each automatic link recorded as a roster.models.FamilyLink).

What a commit does with a row (rule source: issue 15, items 2–5):
- a student number new to the school: a new student in the class the row names, in the family
  of a guardian whose mobile matches (a sibling's) or in a new family;
- a known student number: the fields that differ are updated (an empty optional cell changes
  nothing: a file never erases what is stored); the class too (a move);
- each guardian of the row: the student's own guardian with that mobile (name and relation
  updated), else a guardian of the district with that mobile (linked, and the families joined),
  else a new guardian in the student's family; guardian 1 is the primary contact of a new
  student; a guardian linked before but not in the file stays linked; a mobile in several rows
  (siblings) is one guardian, named as in its first row;
- the ID number goes to StudentSensitive (privacy: shown masked, never in the audit log).
Nobody is deleted; students of the school absent from the file are listed (Plan.absent).

The SQL statements of `plan` and `apply` do not grow with the rows: bulk selects by key sets
(chunks of CHUNK keys), ORM inserts batched by SQLAlchemy's insertmanyvalues, updates by
primary key as executemany.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, insert, select, update

from gridapp.core import text
from gridapp.core.forms import mask_phone
from gridapp.core.i18n import gettext as _
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.core.models import utcnow
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import placements
from gridapp.people.models import (
    Family,
    Gender,
    Guardian,
    Relation,
    Student,
    StudentGuardian,
    StudentSensitive,
    StudentStatus,
)
from gridapp.roster import kinds, values
from gridapp.roster.kinds import (
    NEW,
    UNCHANGED,
    UPDATED,
    Absent,
    Column,
    Kind,
    Plan,
    RowChange,
    RowError,
)
from gridapp.roster.parse import Table
from gridapp.schools.models import Grade, School, SchoolClass

CHUNK = 5000  # keys per IN (...) list: well under both databases' limits on bound parameters
GUARDIANS = 2

COLUMNS = (
    Column(
        "student_number", "学号", ("学籍号", "学生学号", "学生编号", "学籍辅号"), True, "20260001"
    ),
    Column("name", "姓名", ("学生姓名", "学生", "姓名(学生)"), True, "阿卜杜拉·艾力", 14),
    Column("gender", "性别", ("学生性别",), True, "男", 6),
    Column("birth_on", "出生日期", ("出生年月日", "生日", "出生年月"), False, "2019-09-01"),
    Column(
        "id_number", "身份证号", ("身份证", "身份证号码", "证件号码", "公民身份号码"), False, "", 22
    ),  # fmt: skip
    Column("grade", "年级", ("所在年级",), False, "一年级", 8),
    Column("class", "班级", ("班别", "所在班级", "班级名称", "班级名"), True, "一年级（1）班", 14),
    Column(
        "address",
        "家庭住址",
        ("住址", "家庭地址", "现住址", "地址", "居住地址"),
        False,
        "南湖区禾兴路 1 号",
        24,
    ),  # fmt: skip
    Column(
        "community",
        "小区/村",
        ("小区", "村", "居住小区", "社区", "小区(村)", "小区或村"),
        False,
        "禾兴小区",
        12,
    ),  # fmt: skip
    Column(
        "guardian1_name",
        "监护人1姓名",
        ("监护人一姓名", "家长1姓名", "家长姓名", "监护人姓名", "联系人姓名", "家长一姓名"),
        False,
        "艾力·买买提",
        14,
    ),  # fmt: skip
    Column(
        "guardian1_relation",
        "监护人1关系",
        ("监护人一关系", "家长1关系", "关系1"),
        False,
        "父亲",
        10,
    ),  # fmt: skip
    Column(
        "guardian1_mobile",
        "监护人1手机",
        (
            "监护人一手机",
            "家长1手机",
            "家长手机",
            "家长电话",
            "监护人1电话",
            "监护人1手机号",
            "监护人1联系电话",
            "手机1",
            "家长联系电话",
        ),
        False,
        "13812345678",
        14,
    ),  # fmt: skip
    Column(
        "guardian2_name", "监护人2姓名", ("监护人二姓名", "家长2姓名", "家长二姓名"), False, "", 14
    ),  # fmt: skip
    Column(
        "guardian2_relation", "监护人2关系", ("监护人二关系", "家长2关系", "关系2"), False, "", 10
    ),  # fmt: skip
    Column(
        "guardian2_mobile",
        "监护人2手机",
        ("监护人二手机", "家长2手机", "监护人2电话", "监护人2手机号", "监护人2联系电话", "手机2"),
        False,
        "",
        14,
    ),  # fmt: skip
)

# Headers that name a guardian's part without saying which guardian: they belong to the guardian
# whose columns are to their left (学籍系统 exports: 监护人1姓名, 关系, 手机, 监护人2姓名, …).
_GENERIC = {
    "姓名": "name", "关系": "relation", "与学生关系": "relation", "称谓": "relation",
    "手机": "mobile", "手机号": "mobile", "手机号码": "mobile", "联系电话": "mobile",
    "电话": "mobile", "联系方式": "mobile",
}  # fmt: skip


def _contextual_header(name: str, keys: list[str]) -> str | None:
    part = _GENERIC.get(name)
    if part is None:
        return None
    group = next((k.split("_")[0] for k in reversed(keys) if k.startswith("guardian")), None)
    if group is None:
        return None if part == "name" else f"guardian1_{part}"
    key = f"{group}_{part}"
    return None if key in keys else key


_RELATIONS = {
    Relation.FATHER: ("父亲", "父", "爸爸", "father"),
    Relation.MOTHER: ("母亲", "母", "妈妈", "mother"),
    Relation.GRANDFATHER: ("祖父", "外祖父", "爷爷", "外公", "姥爷", "祖父/外祖父"),
    Relation.GRANDMOTHER: ("祖母", "外祖母", "奶奶", "外婆", "姥姥", "祖母/外祖母"),
    Relation.OTHER: ("其他", "其他监护人", "其它", "叔叔", "伯伯", "伯父", "姑姑", "舅舅", "阿姨",
                     "姨妈", "哥哥", "姐姐", "继父", "继母", "养父", "养母", "亲属", "监护人"),
}  # fmt: skip
RELATION_WORDS = {word: relation for relation, words in _RELATIONS.items() for word in words}
for _relation in Relation:
    RELATION_WORDS.setdefault(str(_relation.label), _relation)


def read_relation(label: str, cell) -> tuple[Relation | None, str]:
    """父亲 / 母亲 / 祖父 … as a Relation; an empty cell is "other"; an unknown word an error."""
    word = text.normalise_line(cell.text).replace(" ", "").lower()
    if not word:
        return Relation.OTHER, ""
    relation = RELATION_WORDS.get(word)
    if relation is None:
        return None, _("%(col)s“%(v)s”无法识别（如 父亲、母亲、祖父、祖母、其他）",
                       col=label, v=cell.text[:20])  # fmt: skip
    return relation, ""


@dataclass
class GuardianRow:
    slot: int  # 1 or 2: the file's guardian number
    name: str
    relation: Relation
    mobile: str


@dataclass
class StudentRow:
    """A valid row, every value in its normal form."""

    row: int
    student_number: str
    name: str
    gender: Gender
    birth_on: date | None
    id_number: str
    class_id: int
    class_name: str
    address: str
    community: str
    guardians: list[GuardianRow] = field(default_factory=list)


def _check_row(row, classes: dict[tuple[int, int], SchoolClass], on: date):
    """(StudentRow, []) or (None, reasons) for one data row of the file."""
    label = {c.key: c.label for c in COLUMNS}
    reasons = [r for key in label if (r := values.formula_reason(label[key], row[key]))]
    if reasons:
        return None, reasons
    number = text.normalise_code(row.text("student_number"))
    if not number:
        reasons.append(_("学号为空"))
    elif len(number) > 32:
        reasons.append(_("学号超过 32 个字符"))
    name, why = values.read_name(label["name"], row["name"], required=True)
    reasons += [why] if why else []
    gender, why = values.read_gender(label["gender"], row["gender"])
    reasons += [why] if why else []
    birth_on, why = values.read_date(label["birth_on"], row["birth_on"], on)
    reasons += [why] if why else []
    id_number, why = values.read_id_number(label["id_number"], row["id_number"])
    reasons += [why] if why else []
    if id_number:
        id_birth = values.id_birth_date(id_number)
        if birth_on is None and not why:
            birth_on = id_birth
        elif birth_on is not None and id_birth != birth_on:
            reasons.append(_("身份证号中的出生日期与出生日期列不一致"))
    school_class, why = _read_class(row, classes)
    reasons += [why] if why else []
    address, why = values.read_line(label["address"], row["address"], 200)
    reasons += [why] if why else []
    community, why = values.read_line(label["community"], row["community"], 100)
    reasons += [why] if why else []
    guardians = []
    for slot in range(1, GUARDIANS + 1):
        g_name, why_name = values.read_name(
            label[f"guardian{slot}_name"], row[f"guardian{slot}_name"], required=False
        )
        relation, why_rel = read_relation(
            label[f"guardian{slot}_relation"], row[f"guardian{slot}_relation"]
        )
        mobile, why_mobile = values.read_mobile(
            label[f"guardian{slot}_mobile"], row[f"guardian{slot}_mobile"]
        )
        given = any(row.text(f"guardian{slot}_{p}") for p in ("name", "relation", "mobile"))
        reasons += [w for w in (why_name, why_rel, why_mobile) if w]
        if not given or why_name or why_rel or why_mobile:
            continue
        if not g_name:
            reasons.append(_("%(col)s为空", col=label[f"guardian{slot}_name"]))
        elif not mobile:
            reasons.append(_("%(col)s为空", col=label[f"guardian{slot}_mobile"]))
        elif any(g.mobile == mobile for g in guardians):
            reasons.append(_("两位监护人的手机号相同"))
        else:
            guardians.append(GuardianRow(slot, g_name, relation, mobile))
    if reasons:
        return None, reasons
    return (
        StudentRow(
            row.number,
            number,
            name,
            gender,
            birth_on,
            id_number,
            school_class.id,
            school_class.name,
            address,
            community,
            guardians,
        ),  # fmt: skip
        [],
    )


def _read_class(row, classes) -> tuple[SchoolClass | None, str]:
    written = row.text("class")
    grade_written = row.text("grade")
    parsed = text.parse_class_name(written)
    grade_level = text.parse_grade(grade_written) if grade_written else None
    if grade_written and grade_level is None:
        return None, _("年级“%(v)s”无法识别", v=grade_written[:20])
    if parsed is None:
        number = text.parse_class_number(written)
        if number is None or grade_level is None:
            if not written:
                return None, _("班级为空")
            return None, _("班级“%(v)s”无法识别（如 三年级（2）班）", v=written[:30])
        parsed = (grade_level, number)
    elif grade_level is not None and grade_level != parsed[0]:
        return None, _("年级“%(g)s”与班级“%(c)s”不一致", g=grade_written[:20], c=written[:30])
    school_class = classes.get(parsed)
    if school_class is None:
        from gridapp.schools.models import class_name

        return None, _("本校没有班级“%(c)s”", c=class_name(*parsed))
    return school_class, ""


# ---- the plan ---------------------------------------------------------------------------------


@dataclass
class GuardianOp:
    """What happens to one guardian of a row: `guardian_id` an existing guardian (None: a new
    one, `new_ref` its place among the new guardians), `update` the fields to change, `link` a
    StudentGuardian to add, `primary` the new link's primary flag, `link_family` the family the
    match joined (a FamilyLink is recorded) or None."""

    data: GuardianRow
    guardian_id: int | None = None
    new_ref: int | None = None
    update: dict = field(default_factory=dict)
    link: bool = True
    primary: bool = False
    matched: bool = False  # matched by mobile outside the student's own guardians


@dataclass
class StudentOp:
    data: StudentRow
    student_id: int | None  # None: new
    family: tuple  # ("db", id) or ("new", n): before the union of families is resolved
    update: dict = field(default_factory=dict)
    sensitive: str | None = None  # the ID number to store, None for no change
    sensitive_exists: bool = False
    guardians: list[GuardianOp] = field(default_factory=list)


@dataclass
class Payload:
    ops: list[StudentOp]
    families: dict  # family ref → resolved ref (the union's representative)
    new_families: list  # ("new", n) refs that need a Family row
    merges: dict[int, int]  # db family id → db family id it joins
    district_id: int


class _Families:
    """A union-find over family refs: ("db", id) for a stored family, ("new", n) for one the
    import makes. A set's representative is its smallest stored family, else its first new one."""

    def __init__(self):
        self.parent: dict = {}
        self.count = 0

    def new(self) -> tuple:
        ref = ("new", self.count)
        self.count += 1
        self.parent[ref] = ref
        return ref

    def find(self, ref):
        self.parent.setdefault(ref, ref)
        while self.parent[ref] != ref:
            self.parent[ref] = self.parent[self.parent[ref]]
            ref = self.parent[ref]
        return ref

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a == b:
            return a
        keep, other = sorted((a, b), key=lambda r: (r[0] != "db", r[1]))
        self.parent[other] = keep
        return keep


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def plan(school: School, table: Table, on: date | None = None) -> Plan:
    """What importing `table` into `school` would do (kinds module docstring); writes nothing."""
    on = on or today()
    classes = {
        (level, sc.number): sc
        for sc, level in db.session.execute(
            select(SchoolClass, Grade.level)
            .join(Grade, Grade.id == SchoolClass.grade_id)
            # A graduated class (closed by the rollover) keeps its grade and number: the open one
            # is the class a file names.
            .where(SchoolClass.school_id == school.id, SchoolClass.closed_on.is_(None))
        ).all()
    }
    result = Plan(kind="students", rows=len(table.rows))
    rows: list[StudentRow] = []
    first_row: dict[str, int] = {}
    for row in table.rows:
        checked, reasons = _check_row(row, classes, on)
        number = (
            checked.student_number if checked else text.normalise_code(row.text("student_number"))
        )
        if number and number in first_row:
            reasons = [*reasons, _("学号与第 %(n)s 行重复", n=first_row[number])]
        elif number:
            first_row[number] = row.number
        if reasons:
            result.errors.append(RowError(row.number, reasons))
        else:
            rows.append(checked)
    rows = [r for r in rows if first_row.get(r.student_number) == r.row]
    _compare(school, rows, result, set(first_row))
    return result


def _compare(school: School, rows: list[StudentRow], result: Plan, seen: set[str]) -> None:
    numbers = [r.student_number for r in rows]
    existing: dict[str, Student] = {}
    for part in _chunks(numbers):
        for student in db.session.scalars(
            select(Student).where(Student.school_id == school.id, Student.student_number.in_(part))
        ):
            existing[student.student_number] = student
    ids = [s.id for s in existing.values()]
    own: dict[int, dict[str, Guardian]] = {}  # student id → mobile → guardian
    own_ids: dict[int, set[int]] = {}
    sensitive: dict[int, str] = {}
    for part in _chunks(ids):
        for student_id, guardian in db.session.execute(
            select(StudentGuardian.student_id, Guardian)
            .join(Guardian, Guardian.id == StudentGuardian.guardian_id)
            .where(StudentGuardian.student_id.in_(part))
        ).all():
            own_ids.setdefault(student_id, set()).add(guardian.id)
            if guardian.mobile:
                own.setdefault(student_id, {})[guardian.mobile] = guardian
        sensitive.update(
            db.session.execute(
                select(StudentSensitive.student_id, StudentSensitive.id_number).where(
                    StudentSensitive.student_id.in_(part)
                )
            ).all()
        )
    # Guardians also linked to a student of another school: this file does not rename them.
    shared: set[int] = set()
    own_guardian_ids = sorted({gid for ids_ in own_ids.values() for gid in ids_})
    for part in _chunks(own_guardian_ids):
        shared.update(
            db.session.scalars(
                select(StudentGuardian.guardian_id)
                .join(Student, Student.id == StudentGuardian.student_id)
                .where(StudentGuardian.guardian_id.in_(part), Student.school_id != school.id)
                .distinct()
            )
        )
    kept_names = 0
    mobiles = sorted({g.mobile for r in rows for g in r.guardians})
    district: dict[str, Guardian] = {}  # mobile → the district's guardian with it (lowest id)
    for part in _chunks(mobiles):
        for guardian in db.session.scalars(
            select(Guardian)
            .join(Family, Family.id == Guardian.family_id)
            .where(Family.district_id == school.district_id, Guardian.mobile.in_(part))
            .order_by(Guardian.id.desc())
        ):
            district[guardian.mobile] = guardian
    class_names = {
        cid: name
        for cid, name in db.session.execute(
            select(SchoolClass.id, SchoolClass.name).where(SchoolClass.school_id == school.id)
        ).all()
    }

    families = _Families()
    new_by_mobile: dict[str, tuple[int, tuple]] = {}  # mobile → (new guardian ref, family ref)
    new_guardians = 0
    first_seen: dict[str, GuardianRow] = {}
    ops: list[StudentOp] = []
    for r in rows:
        student = existing.get(r.student_number)
        family = ("db", student.family_id) if student is not None else families.new()
        op = StudentOp(r, student.id if student is not None else None, family)
        words: list[str] = []
        if student is not None:
            _student_changes(student, r, op, words, class_names)
            if r.id_number and sensitive.get(student.id, "") != r.id_number:
                op.sensitive = r.id_number
                op.sensitive_exists = student.id in sensitive
                words.append(
                    _("身份证号：已更新") if sensitive.get(student.id) else _("身份证号：新增")
                )
        elif r.id_number:
            op.sensitive = r.id_number
        mine = own.get(student.id, {}) if student is not None else {}
        for given in r.guardians:
            # A mobile given in several rows (siblings) is one guardian: the first row's name
            # and relation count, so the file agrees with itself when imported again.
            first = first_seen.setdefault(given.mobile, given)
            g = given if first is given else GuardianRow(given.slot, first.name, first.relation,
                                                          given.mobile)  # fmt: skip
            gop = GuardianOp(g)
            if g.mobile in mine:
                guardian = mine[g.mobile]
                gop.guardian_id, gop.link = guardian.id, False
                if guardian.id in shared:
                    kept_names += guardian.name != g.name or (
                        g.relation not in (guardian.relation, Relation.OTHER)
                    )
                else:
                    _guardian_changes(guardian, g, gop, words)
            elif g.mobile in district:
                # Someone else's guardian (a sibling's, maybe at another school): linked, and
                # their name stays as stored; a different name in the file is shown.
                guardian = district[g.mobile]
                gop.guardian_id, gop.matched = guardian.id, True
                family = families.union(family, ("db", guardian.family_id))
                words.append(_("监护人 %(name)s（%(phone)s）与本区已有家庭关联",
                               name=guardian.name, phone=mask_phone(g.mobile)))  # fmt: skip
                if guardian.name != g.name:
                    words.append(_("（文件中写作 %(name)s，以系统中的为准）", name=g.name))
            elif g.mobile in new_by_mobile:
                ref, g_family = new_by_mobile[g.mobile]
                gop.new_ref, gop.matched = ref, True
                family = families.union(family, g_family)
                words.append(_("监护人 %(name)s（%(phone)s）与本文件中的另一名学生同一家庭",
                               name=g.name, phone=mask_phone(g.mobile)))  # fmt: skip
            else:
                gop.new_ref = new_guardians
                new_guardians += 1
                new_by_mobile[g.mobile] = (gop.new_ref, family)
                if student is not None:
                    words.append(_("新增监护人 %(name)s（%(phone)s）",
                                   name=g.name, phone=mask_phone(g.mobile)))  # fmt: skip
            gop.primary = student is None and g.slot == min(x.slot for x in r.guardians)
            op.guardians.append(gop)
        op.family = family
        ops.append(op)
        action = NEW if student is None else (UPDATED if words else UNCHANGED)
        result.changes.append(
            RowChange(
                r.row,
                action,
                r.student_number,
                r.name,
                [r.class_name, *words] if student is None else words,
            )  # fmt: skip
        )

    resolved = {}
    merges: dict[int, int] = {}
    for ref in list(families.parent):
        rep = families.find(ref)
        resolved[ref] = rep
        if ref[0] == "db" and rep != ref:
            merges[ref[1]] = rep[1]
    # A stored family joined to another one is a change of the students already in it too.
    new_families = sorted({rep for rep in resolved.values() if rep[0] == "new"})
    result.payload = Payload(ops, resolved, new_families, merges, school.district_id)
    inactive = sum(
        1
        for r in rows
        if (s := existing.get(r.student_number)) is not None and s.status != StudentStatus.ACTIVE
    )
    if inactive:
        result.notes.append(
            _("%(n)s 名学生在系统中已不在读（转学、离校或毕业）：导入不改变学籍状态，如已返校请在学生的学籍页恢复在读",
              n=inactive)
        )  # fmt: skip
    if kept_names:
        result.notes.append(
            _("%(n)s 位监护人也是其他学校学生的监护人：他们的姓名和关系以系统中的为准，未按文件修改",
              n=kept_names)
        )  # fmt: skip
    if merges:
        result.notes.append(
            _("%(n)s 个已有家庭将因监护人手机号相同而合并（可在“家庭关联”中拆分）", n=len(merges))
        )
    result.absent = [
        Absent(sid, number, name, class_names.get(cid, ""))
        for sid, number, name, cid in db.session.execute(
            select(Student.id, Student.student_number, Student.name, Student.class_id)
            .where(Student.school_id == school.id, Student.status == StudentStatus.ACTIVE)
            .order_by(Student.class_id, Student.student_number)
        ).all()
        if number not in seen
    ]


def _student_changes(student: Student, r: StudentRow, op: StudentOp, words, class_names) -> None:
    def change(attr, new, label, shown_old=None, shown_new=None):
        old = getattr(student, attr)
        if new in (None, "") or old == new:
            return
        op.update[attr] = new
        words.append(
            _("%(what)s：%(old)s → %(new)s", what=label,
              old=shown_old if shown_old is not None else (old or "—"),
              new=shown_new if shown_new is not None else new)
        )  # fmt: skip

    change("name", r.name, _("姓名"))
    if student.gender != r.gender:
        op.update["gender"] = r.gender
        words.append(_("性别：%(old)s → %(new)s", old=student.gender.label, new=r.gender.label))
    if r.birth_on is not None and student.birth_on != r.birth_on:
        op.update["birth_on"] = r.birth_on
        words.append(_("出生日期：%(old)s → %(new)s",
                       old=student.birth_on.isoformat() if student.birth_on else "—",
                       new=r.birth_on.isoformat()))  # fmt: skip
    change("class_id", r.class_id, _("班级"), class_names.get(student.class_id, ""), r.class_name)
    change("address", r.address, _("家庭住址"))
    change("community", r.community, _("小区/村"))


def _guardian_changes(guardian: Guardian, g: GuardianRow, gop: GuardianOp, words) -> None:
    if g.name != guardian.name:
        gop.update["name"] = g.name
        words.append(_("监护人姓名：%(old)s → %(new)s", old=guardian.name, new=g.name))
    if g.relation != guardian.relation and g.relation != Relation.OTHER:
        gop.update["relation"] = g.relation
        words.append(_("监护人 %(name)s 关系：%(old)s → %(new)s", name=g.name,
                       old=guardian.relation.label, new=g.relation.label))  # fmt: skip


# ---- the commit -------------------------------------------------------------------------------


def apply(actor, school: School, result: Plan) -> dict[str, int]:
    """Write what `result` (this module's plan) says: add and flush, never commit. Returns
    {"new", "updated", "unchanged", "guardians", "links", "id_numbers"}."""
    from gridapp.roster.models import FamilyLink

    payload: Payload = result.payload
    stamp = utcnow()
    actor_id = getattr(actor, "id", None)
    # Families: the new ones first, then stored families joined to another one.
    ids = insert_ids(Family, [{"district_id": payload.district_id} for _ in payload.new_families])
    family_ids: dict[tuple, int] = dict(zip(payload.new_families, ids, strict=True))

    def family_of(ref) -> int:
        rep = payload.families.get(ref, ref)
        return family_ids[rep] if rep[0] == "new" else rep[1]

    if payload.merges:
        mapping = payload.merges
        for model in (Student, Guardian):
            db.session.execute(
                update(model)
                .where(model.family_id.in_(list(mapping)))
                .values(family_id=case(mapping, value=model.family_id), updated_at=stamp)
                .execution_options(synchronize_session=False)
            )
    # Students: new ones inserted, changed ones updated by primary key (with their family when
    # a guardian's mobile joined them to another one).
    class_years = dict(
        db.session.execute(
            select(SchoolClass.id, SchoolClass.enrolment_year).where(
                SchoolClass.school_id == school.id
            )
        ).all()
    )
    new_ops = [op for op in payload.ops if op.student_id is None]
    new_ids = insert_ids(
        Student,
        [
            {
                "school_id": school.id,
                "class_id": op.data.class_id,
                "family_id": family_of(op.family),
                "student_number": op.data.student_number,
                "name": op.data.name,
                "name_key": text.name_sort_key(op.data.name),
                "gender": op.data.gender,
                "birth_on": op.data.birth_on,
                "address": op.data.address,
                "community": op.data.community,
                "enrolment_year": class_years[op.data.class_id],
                "status": StudentStatus.ACTIVE,
                "created_at": stamp,
                "updated_at": stamp,
            }  # fmt: skip
            for op in new_ops
        ],
    )
    student_id = {id(op): sid for op, sid in zip(new_ops, new_ids, strict=True)}
    stored_ops = [op for op in payload.ops if op.student_id is not None]
    current = _families_of(Student, [op.student_id for op in stored_ops])
    updates = []
    for op in stored_ops:
        student_id[id(op)] = op.student_id
        values_ = dict(op.update)
        if "name" in values_:
            values_["name_key"] = text.name_sort_key(values_["name"])
        target = family_of(op.family)
        if current.get(op.student_id) != target:
            values_["family_id"] = target
        if values_:
            updates.append(values_ | {"id": op.student_id, "updated_at": stamp})
    # A student the file puts in another class moves from today in the class history (the
    # quota figures count them in the class of each date), before class_id changes.
    placements.move_students_in_bulk(
        {op.student_id: op.update["class_id"] for op in stored_ops if "class_id" in op.update},
        today(),
    )
    _update_by_pk(Student, updates)
    # Guardians: new ones, then changes to stored ones (a guardian matched by mobile in another
    # family belongs to the family it joined).
    new_refs: dict[int, dict] = {}
    guardian_updates = []
    for op in payload.ops:
        for gop in op.guardians:
            g = gop.data
            if gop.guardian_id is None and gop.new_ref not in new_refs:
                new_refs[gop.new_ref] = {
                    "family_id": family_of(op.family), "name": g.name,
                    "name_key": text.name_sort_key(g.name), "relation": g.relation,
                    "mobile": g.mobile, "other_phone": "", "workplace": "",
                    "created_at": stamp, "updated_at": stamp,
                }  # fmt: skip
            elif gop.guardian_id is not None and (gop.update or gop.matched):
                values_ = dict(gop.update)
                if "name" in values_:
                    values_["name_key"] = text.name_sort_key(values_["name"])
                if gop.matched:
                    values_["family_id"] = family_of(op.family)
                guardian_updates.append(values_ | {"id": gop.guardian_id})
    refs = list(new_refs)
    guardian_ids = dict(zip(refs, insert_ids(Guardian, [new_refs[r] for r in refs]), strict=True))
    current = _families_of(Guardian, [u["id"] for u in guardian_updates if "family_id" in u])
    guardian_updates = [
        {k: v for k, v in u.items() if k != "family_id" or current.get(u["id"]) != v}
        for u in _last_per_id(guardian_updates)
    ]
    _update_by_pk(Guardian, [u | {"updated_at": stamp} for u in guardian_updates if len(u) > 1])
    # Links, family links, ID numbers: inserts that need no id back.
    links, family_links, sensitive_new, sensitive_updates = [], [], [], []
    for op in payload.ops:
        sid = student_id[id(op)]
        for gop in op.guardians:
            gid = gop.guardian_id if gop.guardian_id is not None else guardian_ids[gop.new_ref]
            if gop.link:
                links.append({"student_id": sid, "guardian_id": gid, "is_primary": gop.primary})
            if gop.matched:
                family_links.append(
                    {
                        "school_id": school.id,
                        "student_id": sid,
                        "family_id": family_of(op.family),
                        "matched_guardian_id": gid,
                        "mobile": gop.data.mobile,
                        "created_by_id": actor_id,
                        "created_at": stamp,
                    }  # fmt: skip
                )
        if op.sensitive is not None:
            row = {"student_id": sid, "id_number": op.sensitive, "updated_at": stamp,
                   "updated_by_id": actor_id}  # fmt: skip
            if op.sensitive_exists:
                sensitive_updates.append(row)
            else:
                sensitive_new.append(row | {"created_at": stamp})
    for model, rows in ((StudentGuardian, links), (FamilyLink, family_links),
                        (StudentSensitive, sensitive_new)):  # fmt: skip
        if rows:
            db.session.execute(insert(model), rows)
    _update_by_pk(StudentSensitive, sensitive_updates)
    db.session.expire_all()
    counts = result.counts
    return {
        "new": counts["new"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "guardians": len(new_refs),
        "links": len(family_links),
        "id_numbers": len(sensitive_new) + len(sensitive_updates),
    }


def _families_of(model, ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for part in _chunks(ids):
        out.update(
            db.session.execute(select(model.id, model.family_id).where(model.id.in_(part))).all()
        )
    return out


def insert_ids(model, rows: list[dict]) -> list[int]:
    """Insert `rows` (dicts of column values, Python-side defaults applied) and return their
    new ids in the same order, in a number of statements that does not grow per row.

    PostgreSQL: INSERT … RETURNING in SQLAlchemy's insertmanyvalues batches, sorted by the
    parameters' order. SQLite has no column SQLAlchemy can sort such a batch by (it would send
    one INSERT per row): one executemany, then the last len(rows) ids of the table, which are
    these rows' in order, since SQLite gives each new row the highest rowid + 1 and this
    transaction holds the database's write lock from its first INSERT to its commit."""
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(db.session.scalars(stmt, rows))
    db.session.execute(insert(model), rows)
    last = db.session.scalars(select(model.id).order_by(model.id.desc()).limit(len(rows)))
    return sorted(last)


def _last_per_id(rows: list[dict]) -> list[dict]:
    out: dict = {}
    for row in rows:
        out[row["id"]] = out.get(row["id"], {}) | row
    return list(out.values())


def _update_by_pk(model, rows: list[dict]) -> None:
    """UPDATE … WHERE primary key = … for each dict, as one executemany per set of keys."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for group in groups.values():
        db.session.execute(update(model), group)


KIND = kinds.register(
    Kind(
        name="students",
        label=_l("学生及监护人"),
        columns=COLUMNS,
        plan=plan,
        apply=apply,
        note=_l(
            "填写说明：带 * 的列必填；学号在本校唯一，再次导入时按学号更新；班级写“三年级（2）班”"
            "或在“年级”列写年级、“班级”列写班号；出生日期如 2015-09-01；身份证号选填；"
            "监护人手机为 11 位手机号，同一手机号的监护人会把兄弟姐妹关联为一个家庭。"
            "以“示例”开头的行不会导入，可删除。"
        ),
        contextual_header=_contextual_header,
    )
)
