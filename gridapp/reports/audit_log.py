"""The audit log read in words (issue 18 item 8): the names of a page's people and objects
resolved in batch, each entry as a Chinese sentence of who did what to whom with its details in
words, and the filtered log as .xlsx for the bureau's inspections (itself audited)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from gridapp.accounts.models import Role, User
from gridapp.cases.models import CannedReply, CaseCategory, CaseSource
from gridapp.contacts.models import ContactForm, ContactStudent, FiguresCount
from gridapp.core import audit
from gridapp.core.audit import AuditEntry
from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.time import local
from gridapp.core.xlsx import new_workbook, write_sheet
from gridapp.core.xlsx import to_bytes as workbook_bytes
from gridapp.dossiers.exports import DossierJob
from gridapp.extensions import db
from gridapp.grids.models import Grid, GridLog, GuidanceActivity
from gridapp.obligations.models import ObligationItem
from gridapp.pairing.models import NeedMark, NeedMarkStatus, Pairing
from gridapp.parent_school.models import ParentCourse
from gridapp.people.models import FocusCategory, Guardian, Student, StudentStatus
from gridapp.reception.models import Booking, ReceptionDay
from gridapp.reports import audit_words
from gridapp.reports.audit_words import ACTIONS, DETAIL_LABELS, FIELD_NAMES, KIND_NAMES
from gridapp.reviews.models import AcademicReview
from gridapp.roster.models import Rollover
from gridapp.schools.models import (
    BreakCountsFor,
    OfficialDay,
    School,
    SchoolClass,
    SchoolClosure,
    SchoolYear,
    Semester,
)
from gridapp.surveys.models import Survey

EXPORT_LIMIT = 20_000  # rows in one export, newest first (the page says so beyond it)
_CHUNK = 500  # ids per IN (…) when resolving names

# Detail keys holding an id, and the kind of name they resolve to.
_ID_KEYS = {
    "student_id": "students",
    "teacher_id": "users",
    "assignee_id": "users",
    "user_id": "users",
    "class_id": "school_classes",
    "from_class_id": "school_classes",
    "to_class_id": "school_classes",
    "family_id": "families",
    "family": "families",
    "school_year_id": "school_years",
    "semester_id": "semesters",
}
# The sentence's placeholders filled from a detail.
_PLACEHOLDERS = {
    "student": "student_id",
    "teacher": "teacher_id",
    "class_name": "class_id",
    "family": "family_id",
}
# Enumerations whose stored values a detail holds.
_ENUMS: dict[str, tuple[type[enum.Enum], ...]] = {
    "roles": (Role,),
    "source": (CaseSource,),
    "form": (ContactForm,),
    "category": (FocusCategory, CaseCategory),
    "categories": (FocusCategory,),
    "from_status": (StudentStatus,),
    "to_status": (StudentStatus,),
    "status": (StudentStatus,),
    "mark": (NeedMarkStatus,),
    "figures_count": (FiguresCount,),
    "break_counts_for": (BreakCountsFor,),
    "item": (ObligationItem,),
}
# Details said in the sentence itself when true, then left out of the details.
_SUFFIXES = {"sensitive": ("student.dossier.export", "student.dossier.batch",
                           "student.archive.view")}  # fmt: skip


def _student_names(model, id_column=None):
    """A loader of the names of the students of `model`'s rows (by its `student_id`)."""
    id_column = id_column if id_column is not None else model.id
    return lambda ids: (
        select(id_column, Student.name)
        .join(Student, Student.id == model.student_id)
        .where(id_column.in_(ids))
    )


def _first(rows) -> dict[int, str]:
    return {i: str(v) for i, v in rows}


def _joined(rows) -> dict[int, str]:
    out: dict[int, list[str]] = defaultdict(list)
    for i, v in rows:
        if v not in out[i]:
            out[i].append(v)
    return {i: "、".join(v) for i, v in out.items()}


def _quoted(rows) -> dict[int, str]:
    return {i: f"“{v}”" for i, v in rows}


def _dates(rows) -> dict[int, str]:
    return {i: on.isoformat() for i, on in rows}


# kind -> (statement for a chunk of ids giving (id, text) rows, how the rows become names)
_LOADERS = {
    "users": (lambda ids: select(User.id, User.name).where(User.id.in_(ids)), _first),
    "students": (lambda ids: select(Student.id, Student.name).where(Student.id.in_(ids)), _first),
    "guardians": (
        lambda ids: select(Guardian.id, Guardian.name).where(Guardian.id.in_(ids)), _first),
    "school_classes": (
        lambda ids: select(SchoolClass.id, SchoolClass.name).where(SchoolClass.id.in_(ids)),
        _first),
    "schools": (lambda ids: select(School.id, School.name).where(School.id.in_(ids)), _first),
    "school_years": (
        lambda ids: select(SchoolYear.id, SchoolYear.name).where(SchoolYear.id.in_(ids)), _first),
    "families": (
        lambda ids: select(Student.family_id, Student.name)
        .where(Student.family_id.in_(ids)).order_by(Student.id), _joined),
    "contacts": (
        lambda ids: select(ContactStudent.contact_id, Student.name)
        .join(Student, Student.id == ContactStudent.student_id)
        .where(ContactStudent.contact_id.in_(ids)).order_by(ContactStudent.id), _joined),
    "pairings": (_student_names(Pairing), _first),
    "need_marks": (_student_names(NeedMark), _first),
    "academic_reviews": (_student_names(AcademicReview), _first),
    # A booking by a signed-in parent names the student; a guest's, the name they gave.
    "reception_bookings": (
        lambda ids: select(Booking.id, func.coalesce(Student.name, Booking.guest_name))
        .outerjoin(Student, Student.id == Booking.student_id).where(Booking.id.in_(ids)),
        _first),
    "reception_days": (
        lambda ids: select(ReceptionDay.id, ReceptionDay.on).where(ReceptionDay.id.in_(ids)),
        _dates),
    "official_days": (
        lambda ids: select(OfficialDay.id, OfficialDay.on).where(OfficialDay.id.in_(ids)), _dates),
    "school_closures": (
        lambda ids: select(SchoolClosure.id, SchoolClosure.on).where(SchoolClosure.id.in_(ids)),
        _dates),
    "grids": (
        lambda ids: select(Grid.id, SchoolClass.name + Grid.name)
        .join(SchoolClass, SchoolClass.id == Grid.class_id).where(Grid.id.in_(ids)), _first),
    "grid_logs": (
        lambda ids: select(GridLog.id, Student.name)
        .join(Student, Student.family_id == GridLog.family_id)
        .where(GridLog.id.in_(ids)).order_by(Student.id), _joined),
    "guidance_activities": (
        lambda ids: select(GuidanceActivity.id, GuidanceActivity.topic)
        .where(GuidanceActivity.id.in_(ids)), _quoted),
    "surveys": (
        lambda ids: select(Survey.id, Survey.title).where(Survey.id.in_(ids)), _quoted),
    "parent_courses": (
        lambda ids: select(ParentCourse.id, ParentCourse.title)
        .where(ParentCourse.id.in_(ids)), _quoted),
    "canned_replies": (
        lambda ids: select(CannedReply.id, CannedReply.title).where(CannedReply.id.in_(ids)),
        _quoted),
    "semesters": (
        lambda ids: select(Semester.id, SchoolYear.name, Semester.number)
        .join(SchoolYear, SchoolYear.id == Semester.school_year_id)
        .where(Semester.id.in_(ids)), None),
    "rollovers": (
        lambda ids: select(Rollover.id, School.name)
        .join(School, School.id == Rollover.school_id).where(Rollover.id.in_(ids)), _first),
    "dossier_jobs": (
        lambda ids: select(DossierJob.id, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == DossierJob.class_id)
        .where(DossierJob.id.in_(ids)), _first),
}  # fmt: skip

# What a parent without an account (or an anonymous writer) may do: their actor is "a parent".
_BY_PARENTS = ("letter.create", "reception.book", "reception.cancel", "case.rate")

# What an object is called when its name cannot be found (or must not be: an anonymous letter).
_NOUNS = {
    "users": N_("一位用户"),
    "students": N_("一名学生"),
    "guardians": N_("一位家长"),
    "contacts": N_("一户家庭"),
    "letters": N_("一封来信"),
    "dossier_jobs": N_("一批学生"),
    "obligation_documents": N_("一份材料"),
}


def _semester_names(rows) -> dict[int, str]:
    return {
        i: f"{year}{_('第一学期') if number == 1 else _('第二学期')}" for i, year, number in rows
    }


@dataclass
class Names:
    """The names of one page's (or one export's) people and objects: kind -> id -> text."""

    by_kind: dict[str, dict[int, str]] = field(default_factory=dict)

    def get(self, kind: str, object_id) -> str | None:
        if kind == "cases" and object_id is not None:
            return _("意见 #%(n)s", n=object_id)
        if not isinstance(object_id, int):
            return None
        return self.by_kind.get(kind, {}).get(object_id)


def resolve(entries: Iterable[AuditEntry]) -> Names:
    """The names behind `entries`: actors, objects, detail ids and schools, one query per kind
    of name (in chunks of 500 ids), never one per entry. Returns Names."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for e in entries:
        if e.actor_id is not None:
            wanted["users"].add(e.actor_id)
        if e.school_id is not None:
            wanted["schools"].add(e.school_id)
        if e.object_type in _LOADERS and isinstance(e.object_id, int):
            wanted[e.object_type].add(e.object_id)
        for key, kind in _ID_KEYS.items():
            value = (e.detail or {}).get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                wanted[kind].add(value)
    names = Names()
    for kind, ids in wanted.items():
        statement, shape = _LOADERS[kind]
        shape = shape or _semester_names
        found: dict[int, str] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            rows = db.session.execute(statement(ordered[start : start + _CHUNK])).all()
            found.update(shape(rows))
        names.by_kind[kind] = found
    return names


# ---- one entry in words ---------------------------------------------------------------------------


@dataclass
class Line:
    """One entry as the page and the export show it: `at` in Asia/Shanghai."""

    entry: AuditEntry
    at: datetime
    actor: str
    action: str
    sentence: str
    details: list[tuple[str, str]]
    school: str


def action_name(key: str) -> str:
    """The Chinese name of an action key (translated); an unknown key as stored."""
    found = ACTIONS.get(key)
    return _(found.name) if found else key


def _actor(e: AuditEntry, names: Names) -> str:
    name = names.get("users", e.actor_id)
    if name:
        return name
    if e.action in _BY_PARENTS:
        return _("一位家长")
    if e.actor_name == "cli":
        return _("命令行")
    if e.actor_name:
        return f"“{e.actor_name}”"
    return _("系统")


def _subject(e: AuditEntry, names: Names) -> str:
    if e.object_type == "users" and e.object_id is not None and e.object_id == e.actor_id:
        return _("自己")
    if e.object_type == "letters":
        return _(_NOUNS["letters"])  # anonymity: never the writer
    name = names.get(e.object_type, e.object_id)
    if name:
        return name
    if e.object_type in _NOUNS:
        return _(_NOUNS[e.object_type])
    if e.school_id is not None and e.object_type in ("", "schools"):
        return names.get("schools", e.school_id) or _("本校")
    return _("一条记录")


def _label(enums: tuple[type[enum.Enum], ...], value) -> str:
    for cls in enums:
        try:
            return cls(value).label
        except ValueError:
            continue
    return str(value)


def _value(key: str, value, names: Names) -> str:
    """A detail's value in words: 是/否, names for ids, labels for enumerations, Chinese names
    for sections, fields and kinds; lists joined with 、."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key in _ID_KEYS and isinstance(value, int):
        return names.get(_ID_KEYS[key], value) or f"#{value}"
    if key in ("case", "into") and isinstance(value, int):
        return names.get("cases", value)
    if key == "action" and isinstance(value, str):
        return action_name(value)
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v, names) for v in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{_detail_label(k)} {_value(k, v, names)}" for k, v in value.items())
    if key in _ENUMS:
        return _label(_ENUMS[key], value)
    if key == "sections":
        return _(audit_words.SECTION_NAMES[value]) if value in audit_words.SECTION_NAMES else value
    if key in ("fields", "notes"):
        return _(FIELD_NAMES[value]) if value in FIELD_NAMES else str(value)
    if key == "kind":
        return _(KIND_NAMES[value]) if value in KIND_NAMES else str(value)
    return str(value)


def _detail_label(key: str) -> str:
    if key in DETAIL_LABELS:
        return _(DETAIL_LABELS[key])
    try:
        return _("%(c)s办理期限（工作日）", c=CaseCategory(key).label)
    except ValueError:
        return key


class _Filled(dict):
    def __missing__(self, key):
        return "—"


def describe(e: AuditEntry, names: Names) -> Line:
    """The entry `e` in words with the `names` of its page (`resolve`): the sentence of who did
    what to whom (audit_words.ACTIONS; an unknown key reads "…执行了 key"), and the details
    not said in it as (label, value in words) pairs."""
    detail = dict(e.detail or {})
    action = ACTIONS.get(e.action)
    values = _Filled(actor=_actor(e, names), subject=_subject(e, names))
    used = set()
    if action is not None:
        sentence = _(action.sentence)
        for placeholder, key in _PLACEHOLDERS.items():
            if f"%({placeholder})s" in action.sentence:
                values[placeholder] = _value(key, detail.get(key), names)
                used.add(key)
        sentence = sentence % values
        for key, actions in _SUFFIXES.items():
            if e.action in actions:
                used.add(key)
                if detail.get(key) is True:
                    sentence += _("（含敏感信息）")
    else:
        sentence = _("%(actor)s执行了 %(action)s", actor=values["actor"], action=e.action)
    # A detail that only says the subject again (a pairing's student, a reception day's date)
    # is left out.
    details = [
        (_detail_label(k), words)
        for k, v in detail.items()
        if k not in used and (words := _value(k, v, names)) != values["subject"]
    ]
    return Line(
        entry=e,
        at=local(e.at),
        actor=values["actor"],
        action=action_name(e.action),
        sentence=sentence,
        details=details,
        school=names.get("schools", e.school_id) or "",
    )


def lines(entries: list[AuditEntry]) -> list[Line]:
    """`entries` in words, their names resolved in one batch."""
    names = resolve(entries)
    return [describe(e, names) for e in entries]


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's options: (group name, [(key, action name)]) in the registry's order."""
    groups: dict[str, list[tuple[str, str]]] = {g: [] for g in audit_words.GROUPS}
    for key, action in ACTIONS.items():
        groups[action.group].append((key, _(action.name)))
    return [(_(g), items) for g, items in groups.items() if items]


# ---- the export -----------------------------------------------------------------------------------


def export(actor: User, entries: list[AuditEntry], filters: dict[str, str]) -> bytes:
    """The entries (newest first, at most EXPORT_LIMIT: the caller limits the query) as .xlsx:
    time (a date-time in Asia/Shanghai), person, action, what happened in words, details, school,
    IP and the action's key. Text through core.xlsx.write_sheet (no cell runs as a formula:
    a typed sign-in name may start with "="). Writes one audit entry (`audit.export`: the filters
    and the number of rows, never the rows). The caller checks the permission and commits."""
    rows = []
    for line in lines(entries):
        rows.append([
            line.at.replace(tzinfo=None),
            line.actor,
            line.action,
            line.sentence,
            "；".join(f"{k}：{v}" for k, v in line.details),
            line.school,
            line.entry.ip,
            line.entry.action,
        ])  # fmt: skip
    headers = [_("时间"), _("操作人"), _("操作"), _("记录"), _("详情"), _("学校"), "IP",
               _("操作代码")]  # fmt: skip
    wb = new_workbook()
    ws = wb.active
    ws.title = _("审计日志")[:31]
    count = write_sheet(ws, headers, rows)
    for (cell,) in ws.iter_rows(min_row=2, max_col=1, max_row=count + 1):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["D"].width = 48
    ws.column_dimensions["E"].width = 40
    audit.record(actor, "audit.export", None, rows=count,
                 filters={k: v for k, v in filters.items() if v} or None)  # fmt: skip
    return workbook_bytes(wb)
