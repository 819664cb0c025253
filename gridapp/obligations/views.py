"""Pages of the yearly obligations (六个一, seed 003 五(二)): a teacher's own (/my/obligations:
what is met and by what, uploads for the rest), the school's table for its leaders
(/schools/<id>/obligations, with filters and `format=xlsx`), one teacher's items for the
leaders with the documents to review, and a document's download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.accounts.models import User
from gridapp.core import audit, storage
from gridapp.core.forms import ActionForm, form_status, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import Need, real_user, require
from gridapp.core.time import now, today
from gridapp.core.xlsx import wants_xlsx
from gridapp.extensions import db
from gridapp.obligations import export, services
from gridapp.obligations.forms import ReturnForm, UploadForm
from gridapp.obligations.models import DOCUMENT_ITEMS, DUTIES
from gridapp.obligations.permissions import load_document, load_teaching_school, may_review
from gridapp.obligations.services import ItemState
from gridapp.schools.models import School
from gridapp.schools.permissions import is_school_leader, load_school

bp = Blueprint("obligations", __name__)


def _year(school_id: int, year_id: int | None = None):
    """The school's years, the one chosen (`year_id`, else `?year=`: another school's or an
    unknown id is 404; not a number is ignored), else the current one, and its window."""
    years = services.school_years(school_id)
    windows = services.year_windows([school_id]).get(school_id, {})
    chosen = year_id or (int_arg("year") if request.args.get("year", "").strip() else None)
    if chosen is not None:
        found = [y for y in years if y.id == chosen]
        if not found:
            abort(404)
        return years, found[0], windows.get(chosen)
    current = services.current_windows([school_id], today()).get(school_id)
    if current is None:
        return years, None, None
    return years, next(y for y in years if y.id == current.year_id), current


def _items_context(school: School, window, teacher_id: int):
    status = services.statuses([window])[school.id] if window else {}
    items = status.get(teacher_id) or {i: services.ItemStatus(i) for i in services.ITEMS}
    return {
        "items": items,
        "duties": DUTIES,
        "rule_text": services.rule_text,
        "document_items": DOCUMENT_ITEMS,
        "handbook_visits": services.HANDBOOK_VISITS,
    }


# ---- a teacher's own ----------------------------------------------------------------------------------


def _my_school(user: User) -> School:
    if request.args.get("school", "").strip() and int_arg("school") is None:
        abort(404)
    return load_teaching_school(user, int_arg("school"))


@bp.route("/my/obligations", methods=["GET", "POST"])
@login_required
def my_obligations():
    """A teacher's six items for a school year of their school (`?school=`, `?year=`): each
    item's state, what meets it (with links), their documents; and the upload of a document
    for an item that takes one. A refused upload comes back at 422 with the file kept."""
    user = real_user(current_user)
    school = _my_school(user)
    years, year, window = _year(school.id)
    form = UploadForm()
    form.set_choices()
    chosen = []
    if request.method == "POST":
        require(year is not None)
        chosen = storage.chosen_files(request.files.getlist("file"), form.kept_file.data)[-1:]
        form.kept_file.data = [c.token for c in chosen]

        def upload():
            upload = services.clean_document(chosen[0].data, chosen[0].name) if chosen else None
            doc = services.upload_document(
                user, school.id, year.id, form.item.data or "", upload, form.note.data or ""
            )
            storage.discard_on_commit(chosen)
            return doc

        done = submit(
            form, upload,
            then=url_for(".my_obligations", school=school.id, year=year.id),
            message=_("材料已上传，等待学校审核"),
        )  # fmt: skip
        if done:
            return done
        if form.file.errors:  # the file itself was refused: it is not kept, another is chosen
            chosen, form.kept_file.data = [], []
    else:
        wanted = request.args.get("item", "")
        if wanted in {i.value for i in DOCUMENT_ITEMS}:
            form.item.data = wanted
    context = _items_context(school, window, user.id)
    if request.method == "GET" and not form.item.data:
        # The first item still to do: neither met nor waiting for the review of an upload.
        states = {i: context["items"][i].state for i in DOCUMENT_ITEMS}
        missing = [i for i, s in states.items() if s not in (ItemState.MET, ItemState.PENDING)]
        form.item.data = (missing or list(DOCUMENT_ITEMS))[0].value
    docs = services.documents(school.id, year.id, user.id) if year else []
    return render_template(
        "obligations/my.html", school=school, years=years, year=year, window=window, form=form,
        chosen=chosen, docs=docs, schools=services.teacher_schools(user),
        **context,
    ), form_status(form)  # fmt: skip


# ---- the school's ----------------------------------------------------------------------------------


def _leader_school(school_id: int) -> School:
    school = load_school(school_id, Need.VIEW)
    require(is_school_leader(real_user(current_user), school.id))
    return school


@bp.get("/schools/<int:school_id>/obligations")
@login_required
def school_obligations(school_id: int):
    """One row per teacher of the school (Chinese name order) with their six items for the
    chosen year, the count per item, filters by item and state; `format=xlsx` the same rows.
    The school's leaders only."""
    school = _leader_school(school_id)
    years, year, window = _year(school.id)
    status = services.statuses([window])[school.id] if window else {}
    rows = services.teacher_rows(school.id, status)
    item = request.args.get("item", "")
    if item not in {i.value for i in services.ITEMS}:
        item = ""
    state = request.args.get("state", "")
    if state not in ("met", "missing"):
        state = ""
    shown = services.filtered(rows, item, state)
    if wants_xlsx() and year is not None:
        data = export.workbook(real_user(current_user), school, year, shown, rows)
        db.session.commit()
        return data
    return render_template(
        "obligations/school.html", school=school, years=years, year=year, rows=shown,
        total=len(rows), counts=services.item_counts(rows),
        complete=sum(1 for r in rows if r.complete), items=services.ITEMS, item=item,
        state=state, pending=services.pending_teachers(school.id, year.id) if year else [],
    )  # fmt: skip


def _teacher_page(school: School, teacher_id: int, review_form=None, doc=None):
    years, year, window = _year(school.id, doc.school_year_id if doc else None)
    status = services.statuses([window])[school.id] if window else {}
    if teacher_id not in status and not services.is_teacher_of(school.id, teacher_id):
        abort(404)  # not a teacher of the school, nor anyone who uploaded for the year
    teacher = db.session.get(User, teacher_id)
    context = _items_context(school, window, teacher_id)
    docs = services.documents(school.id, year.id, teacher_id) if year else []
    return render_template(
        "obligations/teacher.html", school=school, years=years, year=year, window=window,
        teacher=teacher, docs=docs, review_form=review_form, review_doc_id=doc.id if doc else None,
        fresh_return=fresh(ReturnForm),
        reviews=may_review(real_user(current_user), school.id, teacher_id), **context,
    ), form_status(review_form)  # fmt: skip


@bp.get("/schools/<int:school_id>/obligations/teachers/<int:teacher_id>")
@login_required
def teacher_obligations(school_id: int, teacher_id: int):
    """One teacher's six items for the chosen year, with their documents to accept or return.
    The school's leaders only; a teacher not of the school: 404."""
    school = _leader_school(school_id)
    return _teacher_page(school, teacher_id)


# ---- documents -------------------------------------------------------------------------------------


@bp.get("/obligations/documents/<int:document_id>")
@login_required
def document(document_id: int):
    """The document's file, for its teacher and the school's leaders (404 for anyone else).
    Audited: a handbook may describe families."""
    user = real_user(current_user)
    doc = load_document(document_id, Need.VIEW)
    path = storage.existing(storage.path_of(doc.path, services.SUBDIR), _("文件已丢失，请重新上传"))
    audit.record(user, "obligations.document.view", doc, item=doc.item.value)
    db.session.commit()
    inline = doc.kind in ("pdf", "jpg", "png")
    return Response(
        path.read_bytes(),
        mimetype=services.MIMETYPES[doc.kind],
        headers={
            "Content-Disposition": storage.content_disposition(
                doc.name, f"document-{doc.id}.{doc.kind}", inline=inline
            ),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _review_target(doc) -> str:
    return url_for(
        ".teacher_obligations", school_id=doc.school_id, teacher_id=doc.teacher_id,
        year=doc.school_year_id,
    )  # fmt: skip


@bp.route("/obligations/documents/<int:document_id>/accept", methods=["GET", "POST"])
@login_required
def accept(document_id: int):
    """A leader accepts a document waiting for review (409 once reviewed)."""
    user = real_user(current_user)
    doc = load_document(document_id, Need.MANAGE)
    target = _review_target(doc)
    if request.method == "GET":
        return reload_to(target)
    form = ActionForm()
    done = submit(form, lambda: services.accept(user, doc, now()), then=target,
                  message=_("已认可这份材料"))  # fmt: skip
    if done:
        return done
    return _teacher_page(doc.school, doc.teacher_id, form, doc)


@bp.route("/obligations/documents/<int:document_id>/return", methods=["GET", "POST"])
@login_required
def return_document(document_id: int):
    """A leader returns a document waiting for review with a reason (422 without one, 409 once
    reviewed)."""
    user = real_user(current_user)
    doc = load_document(document_id, Need.MANAGE)
    target = _review_target(doc)
    if request.method == "GET":
        return reload_to(target)
    form = ReturnForm()
    done = submit(
        form, lambda: services.return_document(user, doc, form.reason.data or "", now()),
        then=target, message=_("已退回，教师会看到退回原因"),
    )  # fmt: skip
    if done:
        return done
    return _teacher_page(doc.school, doc.teacher_id, form, doc)
