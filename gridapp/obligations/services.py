"""Each teacher's yearly obligations (六个一, seed 003 五(二)): what meets each of the six items
for a school year, computed for a whole school (or many) in a fixed number of grouped queries,
and the documents teachers upload for the items GridApp does not record, with their review.

What meets each item (`RULES`, shown on the pages beside each item):

| item | met by |
| --- | --- |
| 家访帮扶方案 (plan) | a support plan (一生一案) version the teacher wrote for a pairing of the school in the year, or an accepted document |
| 家访手册 (handbook) | at least HANDBOOK_VISITS door visits (上门家访) the teacher was at in the year, each with its notes, counted as the school counts records; or an accepted document (a paper handbook scanned) |
| 家访随笔 (essay) | an accepted document |
| 家长座谈会 (meeting) | a contact of the form 亲子家长会 the teacher was at in the year, counted as the school counts records |
| 帮扶对子 (pairing) | a pairing of the teacher at the school that was active on a day of the year |
| 帮扶实事 (help) | a support log entry (帮扶记录) of one of the teacher's pairings dated in the year, or an accepted document |

The year's days are its semesters' windows (`contacts.rules.semester_windows`: the holiday
before or after a semester counts as the school set it), from the first one's first day to the
last one's last day; a year without semesters runs from its first to its last day. Records count
as the school's `CountingSetting` says (`contacts.rules.counts`): withdrawn and returned records
never count; with "reviewed only", only reviewed ones.

Services never commit; the request does."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select, update

from gridapp.accounts.models import Role, User, UserRole
from gridapp.contacts import rules
from gridapp.contacts.models import (
    Contact,
    ContactForm,
    ContactStatus,
    ContactTeacher,
    CountingSetting,
    FiguresCount,
)
from gridapp.core import audit, storage
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.i18n import N_
from gridapp.core.i18n import gettext as _
from gridapp.core.time import SHANGHAI
from gridapp.extensions import db
from gridapp.obligations.models import (
    DOCUMENT_ITEMS,
    DocumentStatus,
    ObligationDocument,
    ObligationItem,
)
from gridapp.pairing.models import Pairing, SupportLogEntry, SupportPlanVersion
from gridapp.schools.models import School, SchoolYear, Semester

ITEMS = tuple(ObligationItem)
HANDBOOK_VISITS = 3  # door visits with notes that make a handbook (see the module's table)
SUBDIR = "obligations"
NOTE_LIMIT = 500
REASON_LIMIT = 500

# What meets each item, in words (the pages show it beside each item; module docstring).
RULES = {
    ObligationItem.PLAN: N_(
        "为结对学生制定或修订一份帮扶计划（一生一案），或上传家访帮扶方案并经学校认可"
    ),
    ObligationItem.HANDBOOK: N_(
        "本学年至少 %(n)d 次有记录内容的上门家访，或上传家访手册并经学校认可"
    ),
    ObligationItem.ESSAY: N_("上传一篇家访随笔并经学校认可"),
    ObligationItem.MEETING: N_("本学年参加一次亲子家长会，并在家访记录中登记"),
    ObligationItem.PAIRING: N_("本学年与一名帮扶对象结对（结对帮扶）"),
    ObligationItem.HELP: N_("在结对帮扶记录中登记一件帮扶实事，或上传帮扶实事材料并经学校认可"),
}


def rule_text(item: ObligationItem) -> str:
    """The rule of `item` in the current language (RULES)."""
    if item is ObligationItem.HANDBOOK:
        return _(RULES[item], n=HANDBOOK_VISITS)
    return _(RULES[item])


class ItemState:
    MET = "met"
    PENDING = "pending"  # a document waits for the school's review
    RETURNED = "returned"  # the latest document was returned; nothing meets the item yet
    MISSING = "missing"


STATE_LABELS = {
    ItemState.MET: N_("已完成"),
    ItemState.PENDING: N_("待审核"),
    ItemState.RETURNED: N_("已退回"),
    ItemState.MISSING: N_("未完成"),
}


@dataclass
class ItemStatus:
    """One item of one teacher's year: `state` (ItemState), `records` (how many of GridApp's own
    records count towards it: door visits, meetings, pairings, log entries, plan versions),
    `by_records` (those records meet it), `accepted` (an accepted document meets it),
    `document_id` (the latest document uploaded for it, if any) and `reason` (that document's
    return reason)."""

    item: ObligationItem
    state: str = ItemState.MISSING
    records: int = 0
    by_records: bool = False
    accepted: bool = False
    document_id: int | None = None
    reason: str = ""
    latest: DocumentStatus | None = None  # the latest document's state

    @property
    def met(self) -> bool:
        return self.state == ItemState.MET

    @property
    def label(self) -> str:
        return _(STATE_LABELS[self.state])


@dataclass(frozen=True)
class YearWindow:
    """A school year as the obligations read it: the school, the year, the first and last day
    whose records count (see the module's note) and whether only reviewed records count."""

    school_id: int
    year_id: int
    since: date
    until: date
    reviewed_only: bool = False


# ---- the year's days ---------------------------------------------------------------------------------


def _windows_from_rows(rows) -> dict[int, dict[int, YearWindow]]:
    by_school: dict[int, list] = {}
    setting: dict[int, tuple] = {}
    for sem, year, counts_for, figures_count in rows:
        by_school.setdefault(year.school_id, []).append((sem, year))
        setting[year.school_id] = (counts_for, figures_count)
    out: dict[int, dict[int, YearWindow]] = {}
    for school_id, pairs in by_school.items():
        counts_for, figures_count = setting[school_id]
        years = {year.id: year for _s, year in pairs}
        sems = [s for s, _y in pairs if s is not None]
        spans: dict[int, list[date]] = {}
        for sem, since, until in rules.semester_windows(sems, counts_for):
            spans.setdefault(sem.school_year_id, []).extend((since, until))
        for year in years.values():
            days = spans.get(year.id) or [year.starts_on, year.ends_on]
            out.setdefault(school_id, {})[year.id] = YearWindow(
                school_id, year.id, min(days), max(days),
                figures_count is FiguresCount.REVIEWED_ONLY,
            )  # fmt: skip
    return out


def year_windows(school_ids) -> dict[int, dict[int, YearWindow]]:
    """{school id: {school year id: YearWindow}} for every year of the schools: one query."""
    rows = db.session.execute(
        select(SchoolYear, Semester, School.break_counts_for, CountingSetting.figures_count)
        .join(School, School.id == SchoolYear.school_id)
        .outerjoin(Semester, Semester.school_year_id == SchoolYear.id)
        .outerjoin(CountingSetting, CountingSetting.school_id == School.id)
        .where(SchoolYear.school_id.in_(sorted(set(school_ids))))
        .order_by(SchoolYear.school_id, SchoolYear.starts_on, Semester.starts_on)
    ).all()
    return _windows_from_rows([(sem, year, cf, fc) for year, sem, cf, fc in rows])


def year_window(school_id: int, school_year: SchoolYear | int) -> YearWindow | None:
    """The window of one school year of school `school_id`; None when the year is not the
    school's."""
    year_id = school_year if isinstance(school_year, int) else school_year.id
    return year_windows([school_id]).get(school_id, {}).get(year_id)


def current_windows(school_ids, today: date) -> dict[int, YearWindow]:
    """{school id: the window of its current school year}: the year whose window holds `today`,
    else the latest begun, else the first; schools without a year are left out. One query."""
    out = {}
    for school_id, years in year_windows(school_ids).items():
        ordered = sorted(years.values(), key=lambda w: w.since)
        holding = [w for w in ordered if w.since <= today <= w.until]
        begun = [w for w in ordered if w.since <= today]
        out[school_id] = (holding or begun[-1:] or ordered[:1])[0]
    return out


def school_years(school_id: int) -> list[SchoolYear]:
    """The school's years, latest first."""
    return db.session.scalars(
        select(SchoolYear)
        .where(SchoolYear.school_id == school_id)
        .order_by(SchoolYear.starts_on.desc(), SchoolYear.id)
    ).all()


# ---- the status --------------------------------------------------------------------------------------


def _utc_start(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, time.min, SHANGHAI).astimezone(UTC)


def _in_windows(windows: list[YearWindow], school_col, day_col, counted=None):
    """A condition: `day_col` lies in the window of the row's school (one branch per school);
    `counted(w)` adds the school's counting rule."""
    return or_(
        *(
            and_(
                school_col == w.school_id,
                day_col >= w.since,
                day_col <= w.until,
                *([counted(w)] if counted else []),
            )
            for w in windows
        )
    )


def _counts(w: YearWindow):
    if w.reviewed_only:
        return Contact.status == ContactStatus.REVIEWED
    return Contact.status.not_in([ContactStatus.WITHDRAWN, ContactStatus.RETURNED])


def statuses(windows: list[YearWindow]) -> dict[int, dict[int, dict[ObligationItem, ItemStatus]]]:
    """{school id: {teacher id: {item: ItemStatus}}} for the given windows (one school year per
    school): every teacher holding the teacher role at the school now, plus anyone who uploaded
    a document for the year. Six queries whatever the number of schools and teachers (teachers,
    contacts, pairings, log entries, plan versions, documents). Rules: the module's table
    (seed 003 五(二))."""
    windows = list(windows)
    if not windows:
        return {}
    by_school = {w.school_id: w for w in windows}
    school_ids = sorted(by_school)
    rows: dict[int, dict[int, dict[ObligationItem, ItemStatus]]] = {s: {} for s in school_ids}

    def status(school_id: int, teacher_id: int) -> dict[ObligationItem, ItemStatus]:
        teacher = rows[school_id].setdefault(teacher_id, {})
        if not teacher:
            teacher.update({item: ItemStatus(item) for item in ITEMS})
        return teacher

    # 1. The teachers of each school.
    for school_id, teacher_id in db.session.execute(
        select(UserRole.school_id, UserRole.user_id).where(
            UserRole.school_id.in_(school_ids), UserRole.role == Role.TEACHER
        )
    ):
        status(school_id, teacher_id)
    # 2. Door visits with notes and parents' meetings the teacher was at, as the school counts.
    with_notes = and_(
        Contact.form == ContactForm.HOME_VISIT,
        func.length(func.trim(Contact.family_situation)) > 0,
    )
    for school_id, teacher_id, visits, meetings in db.session.execute(
        select(
            Contact.school_id,
            ContactTeacher.teacher_id,
            func.sum(case((with_notes, 1), else_=0)),
            func.sum(case((Contact.form == ContactForm.PARENT_CHILD_MEETING, 1), else_=0)),
        )
        .join(Contact, Contact.id == ContactTeacher.contact_id)
        .where(
            _in_windows(windows, Contact.school_id, Contact.contact_on, _counts),
            Contact.form.in_([ContactForm.HOME_VISIT, ContactForm.PARENT_CHILD_MEETING]),
        )
        .group_by(Contact.school_id, ContactTeacher.teacher_id)
    ):
        items = status(school_id, teacher_id)
        items[ObligationItem.HANDBOOK].records = int(visits or 0)
        items[ObligationItem.MEETING].records = int(meetings or 0)
    # 3. Pairings active on a day of the year.
    overlap = or_(
        *(
            and_(
                Pairing.school_id == w.school_id,
                Pairing.starts_on <= w.until,
                or_(Pairing.ends_on.is_(None), Pairing.ends_on >= w.since),
            )
            for w in windows
        )
    )
    for school_id, teacher_id, n in db.session.execute(
        select(Pairing.school_id, Pairing.teacher_id, func.count(Pairing.id))
        .where(overlap)
        .group_by(Pairing.school_id, Pairing.teacher_id)
    ):
        status(school_id, teacher_id)[ObligationItem.PAIRING].records = n
    # 4. Support log entries of the teacher's pairings dated in the year.
    for school_id, teacher_id, n in db.session.execute(
        select(Pairing.school_id, Pairing.teacher_id, func.count(SupportLogEntry.id))
        .join(Pairing, Pairing.id == SupportLogEntry.pairing_id)
        .where(_in_windows(windows, Pairing.school_id, SupportLogEntry.happened_on))
        .group_by(Pairing.school_id, Pairing.teacher_id)
    ):
        status(school_id, teacher_id)[ObligationItem.HELP].records = n
    # 5. Support plan versions the teacher wrote in the year (written_at: an instant, in UTC).
    plan_window = or_(
        *(
            and_(
                Pairing.school_id == w.school_id,
                SupportPlanVersion.written_at >= _utc_start(w.since),
                SupportPlanVersion.written_at < _utc_start(w.until + timedelta(days=1)),
            )
            for w in windows
        )
    )
    for school_id, teacher_id, n in db.session.execute(
        select(Pairing.school_id, SupportPlanVersion.written_by_id, func.count())
        .join(Pairing, Pairing.id == SupportPlanVersion.pairing_id)
        .where(plan_window, SupportPlanVersion.written_by_id.is_not(None))
        .group_by(Pairing.school_id, SupportPlanVersion.written_by_id)
    ):
        status(school_id, teacher_id)[ObligationItem.PLAN].records = n
    # 6. Documents of the year, oldest first: the latest one decides pending or returned.
    year_of = or_(
        *(
            and_(
                ObligationDocument.school_id == w.school_id,
                ObligationDocument.school_year_id == w.year_id,
            )
            for w in windows
        )
    )
    for doc_id, school_id, teacher_id, item, state, reason in db.session.execute(
        select(
            ObligationDocument.id, ObligationDocument.school_id, ObligationDocument.teacher_id,
            ObligationDocument.item, ObligationDocument.status, ObligationDocument.review_reason,
        )
        .where(year_of)
        .order_by(ObligationDocument.id)
    ):  # fmt: skip
        s = status(school_id, teacher_id)[item]
        s.document_id, s.reason = doc_id, reason if state is DocumentStatus.RETURNED else ""
        if state is DocumentStatus.ACCEPTED:
            s.accepted = True
        s.latest = state
    needs = {
        ObligationItem.PLAN: 1,
        ObligationItem.HANDBOOK: HANDBOOK_VISITS,
        ObligationItem.ESSAY: None,
        ObligationItem.MEETING: 1,
        ObligationItem.PAIRING: 1,
        ObligationItem.HELP: 1,
    }
    for teachers in rows.values():
        for items in teachers.values():
            for item, s in items.items():
                need = needs[item]
                s.by_records = need is not None and s.records >= need
                latest = s.latest
                if s.by_records or s.accepted:
                    s.state = ItemState.MET
                elif latest is DocumentStatus.SUBMITTED:
                    s.state = ItemState.PENDING
                elif latest is DocumentStatus.RETURNED:
                    s.state = ItemState.RETURNED
    return rows


def obligation_status(
    school_id: int, school_year: SchoolYear | int
) -> dict[int, dict[ObligationItem, ItemStatus]]:
    """{teacher id: {item: ItemStatus}} for school `school_id` and one of its school years (a
    SchoolYear or its id): the six items of seed 003 五(二) for every teacher of the school
    (the teacher role now) and anyone who uploaded for the year. Seven queries whatever the
    number of teachers. Raises LookupError for a year that is not the school's."""
    window = year_window(school_id, school_year)
    if window is None:
        raise LookupError("not a school year of this school")
    return statuses([window])[school_id]


def all_met(items: dict[ObligationItem, ItemStatus]) -> bool:
    return all(s.met for s in items.values())


# ---- the teachers, in Chinese name order --------------------------------------------------------------


@dataclass
class TeacherRow:
    """One teacher's line of a school's page: the teacher and their six items."""

    teacher_id: int
    name: str
    on_staff: bool
    items: dict = field(default_factory=dict)

    @property
    def met(self) -> int:
        return sum(1 for s in self.items.values() if s.met)

    @property
    def complete(self) -> bool:
        return self.met == len(ITEMS)


def teacher_rows(school_id: int, status: dict[int, dict]) -> list[TeacherRow]:
    """The rows of `status` (obligation_status) with the teachers' names, in Chinese name order
    (User.name_key, id): one query."""
    if not status:
        return []
    staff = select(UserRole.user_id).where(
        UserRole.school_id == school_id, UserRole.role == Role.TEACHER
    )
    people = db.session.execute(
        select(User.id, User.name, User.id.in_(staff))
        .where(User.id.in_(sorted(status)))
        .order_by(User.name_key, User.id)
    ).all()
    return [TeacherRow(uid, name, bool(on), status[uid]) for uid, name, on in people]


def item_counts(rows: list[TeacherRow]) -> dict[ObligationItem, int]:
    """{item: how many of `rows` have it met}."""
    return {item: sum(1 for r in rows if r.items[item].met) for item in ITEMS}


def filtered(rows: list[TeacherRow], item: str, state: str) -> list[TeacherRow]:
    """The rows whose `item` (an ObligationItem value, or "" for any) is in `state`: "met",
    "missing" (not met), or "" (any). With no item: "met" is all six met, "missing" is any not
    met."""
    chosen = ObligationItem(item) if item in {i.value for i in ITEMS} else None
    if state not in ("met", "missing"):
        return rows
    want = state == "met"
    if chosen is None:
        return [r for r in rows if r.complete == want]
    return [r for r in rows if r.items[chosen].met == want]


# ---- documents ---------------------------------------------------------------------------------------


@dataclass
class Upload:
    data: bytes
    kind: str  # pdf, jpg, png, docx
    name: str


DOCX_PARTS = ("[Content_Types].xml", "word/document.xml")


def clean_document(raw: bytes, filename: str) -> Upload:
    """An uploaded document checked by its content: a PDF (rewritten without its metadata and
    active content), a JPEG or PNG (re-encoded without EXIF), or a Word .docx (a zip holding a
    Word document and no macros), at most 5 MB (core.storage.MAX_BYTES). Raises RuleViolation
    (field "file") for an empty, oversized or other file."""
    from gridapp.cases.mailbox import clean_attachment

    name = storage.clean_filename(filename, _("文件"))
    if not raw:
        raise RuleViolation(_("“%(n)s”是空文件，请重新选择", n=name), field="file")
    if len(raw) > storage.MAX_BYTES:
        raise RuleViolation(_("“%(n)s”超过 5 MB，请压缩后再上传", n=name), field="file")
    if raw.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                names = set(z.namelist())
                if z.testzip() is not None:
                    raise zipfile.BadZipFile
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, NotImplementedError):
            names = set()
        macros = any(n.lower().endswith("vbaproject.bin") for n in names)
        if all(p in names for p in DOCX_PARTS) and not macros:
            return Upload(raw, "docx", name)
        raise RuleViolation(_("“%(n)s”不是有效的 Word（.docx）文档", n=name), field="file")
    try:
        cleaned = clean_attachment(raw, name)
    except RuleViolation as e:
        message = e.message
        if "PDF" not in message or "JPEG" in message:
            message = _("“%(n)s”不是 PDF、Word（.docx）、JPEG 或 PNG 文件", n=name)
        raise RuleViolation(message, field="file") from None
    kind = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}[cleaned.kind]
    return Upload(cleaned.data, kind, cleaned.name or name)


MIMETYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def upload_document(
    teacher: User, school_id: int, school_year_id: int, item: str, upload: Upload | None,
    note: str = "",
) -> ObligationDocument:  # fmt: skip
    """Store a teacher's document for `item` (one of DOCUMENT_ITEMS) of a school year of a school
    they teach at; it waits for a school leader's review. Raises RuleViolation: no file (field
    "file"), an item that takes no document (field "item"), a year not the school's (field
    "year"), a note over NOTE_LIMIT characters (field "note"). Audited
    (`obligations.document.upload`). Seed 003 五(二), 七.3."""
    try:
        chosen = ObligationItem(item)
    except ValueError:
        chosen = None
    if chosen not in DOCUMENT_ITEMS:
        raise RuleViolation(_("请选择要上传材料的项目"), field="item")
    year = db.session.get(SchoolYear, school_year_id)
    if year is None or year.school_id != school_id:
        raise RuleViolation(_("请选择本校的学年"), field="year")
    if len(note or "") > NOTE_LIMIT:
        raise RuleViolation(_("说明最多 %(n)d 个字", n=NOTE_LIMIT), field="note")
    if upload is None:
        raise RuleViolation(_("请选择要上传的文件"), field="file")
    doc = ObligationDocument(
        school_id=school_id, school_year_id=year.id, teacher_id=teacher.id, item=chosen,
        name=upload.name[:160], path=storage.store_file(upload.data, upload.kind, SUBDIR),
        kind=upload.kind, size=len(upload.data), note=(note or "").strip(),
        status=DocumentStatus.SUBMITTED,
    )  # fmt: skip
    db.session.add(doc)
    db.session.flush()
    audit.record(teacher, "obligations.document.upload", doc, item=chosen.value)
    return doc


def _review(doc: ObligationDocument, actor: User, to: DocumentStatus, reason: str, now) -> None:
    values = dict(status=to, review_reason=reason, reviewed_by_id=actor.id, reviewed_at=now)
    # The state change is a conditional UPDATE of the old state (two leaders at once: one wins),
    # sent on the connection so that it is not taken for a bulk write of every school's
    # figures (core.generations); the same values set on the object then raise this school's.
    done = (
        db.session.connection()
        .execute(
            update(ObligationDocument.__table__)
            .where(
                ObligationDocument.__table__.c.id == doc.id,
                ObligationDocument.__table__.c.status == DocumentStatus.SUBMITTED.value,
            )
            .values({k: (v.value if k == "status" else v) for k, v in values.items()})
        )
        .rowcount
    )
    if done != 1:
        raise IllegalTransition(_("这份材料已经审核过了"))
    for key, value in values.items():
        setattr(doc, key, value)
    db.session.flush()
    audit.record(actor, f"obligations.document.{to.value}", doc, item=doc.item.value)


def accept(actor: User, doc: ObligationDocument, now) -> None:
    """A school leader accepts a document waiting for review: it meets its item. Raises
    IllegalTransition when it was reviewed meanwhile (a conditional UPDATE of the old state).
    Audited (`obligations.document.accepted`)."""
    _review(doc, actor, DocumentStatus.ACCEPTED, "", now)


def return_document(actor: User, doc: ObligationDocument, reason: str, now) -> None:
    """A school leader returns a document waiting for review, with a reason the teacher sees.
    Raises RuleViolation (field "reason") without a reason or over REASON_LIMIT characters;
    IllegalTransition when it was reviewed meanwhile. Audited (`obligations.document.returned`)."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_("请写明退回的原因"), field="reason")
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(_("退回原因最多 %(n)d 个字", n=REASON_LIMIT), field="reason")
    _review(doc, actor, DocumentStatus.RETURNED, reason, now)


def documents(school_id: int, school_year_id: int, teacher_id: int) -> list[ObligationDocument]:
    """A teacher's documents for a school year at a school, newest first."""
    return db.session.scalars(
        select(ObligationDocument)
        .where(
            ObligationDocument.school_id == school_id,
            ObligationDocument.school_year_id == school_year_id,
            ObligationDocument.teacher_id == teacher_id,
        )
        .order_by(ObligationDocument.id.desc())
    ).all()


def pending_teachers(school_id: int, school_year_id: int) -> list[tuple[int, str, int]]:
    """The teachers with documents of the school's year waiting for review: (teacher id, name,
    how many), in Chinese name order. One query."""
    return [
        tuple(r)
        for r in db.session.execute(
            select(User.id, User.name, func.count(ObligationDocument.id))
            .join(ObligationDocument, ObligationDocument.teacher_id == User.id)
            .where(
                ObligationDocument.school_id == school_id,
                ObligationDocument.school_year_id == school_year_id,
                ObligationDocument.status == DocumentStatus.SUBMITTED,
            )
            .group_by(User.id, User.name, User.name_key)
            .order_by(User.name_key, User.id)
        )
    ]


def teacher_schools(user: User) -> list[tuple[int, str]]:
    """(id, name) of the schools where `user` holds the teacher role, in id order; one query
    only when there are several (a single school needs no choice)."""
    ids = sorted(user.school_ids_with(Role.TEACHER))
    if len(ids) < 2:
        return []
    return [tuple(r) for r in db.session.execute(
        select(School.id, School.name).where(School.id.in_(ids)).order_by(School.id)
    )]  # fmt: skip


def is_teacher_of(school_id: int, teacher_id: int) -> bool:
    """Whether user `teacher_id` holds the teacher role at school `school_id` now."""
    return (
        db.session.scalar(
            select(UserRole.user_id).where(
                UserRole.school_id == school_id,
                UserRole.user_id == teacher_id,
                UserRole.role == Role.TEACHER,
            )
        )
        is not None
    )
