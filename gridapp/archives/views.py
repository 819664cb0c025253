"""The student page, the archive page (一生一档) and the sensitive record."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user, login_required

from gridapp.archives import services
from gridapp.archives.timeline import SOURCES
from gridapp.core import audit
from gridapp.core.forms import form_page, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import Need, can, real_user
from gridapp.extensions import db
from gridapp.pairing import school_lists as pairing_lists
from gridapp.pairing.forms import NeedMarkForm
from gridapp.pairing.services import may_mark_need
from gridapp.people import services as people
from gridapp.people.focus_views import commit_if_audited, section_context
from gridapp.people.forms import SensitiveForm
from gridapp.people.models import Student, StudentSensitive
from gridapp.people.permissions import can_mark_focus, load_student
from gridapp.reviews import services as reviews
from gridapp.schools.models import Semester

bp = Blueprint("archives", __name__)


def _is_staff_viewer(student: Student) -> bool:
    return student.school_id in current_user.staff_school_ids


@bp.get("/students/<int:student_id>")
@login_required
def student(student_id: int):
    """The student: profile, family, siblings; a parent also sees the published reviews."""
    student = load_student(student_id, Need.VIEW)
    links, siblings = people.family_of(student)
    staff_view = _is_staff_viewer(student)
    if not staff_view:
        # A parent sees only the children linked to them, not a step-sibling's half-sibling.
        siblings = [s for s in siblings if can(current_user, Need.VIEW, s)]
    # 1+N pairing: the head teacher of the class and the school's leaders see where the student
    # stands and add them to those in need or propose their removal (pairing.need_views).
    marks_need = staff_view and may_mark_need(current_user, student)
    # Focus categories (issue 21 item 5): the head teacher and the school's leaders mark and end
    # them here (people.focus_views); a sensitive one shown is audited.
    focus = None
    if staff_view and can_mark_focus(real_user(current_user), student):
        focus = section_context(real_user(current_user), student)
        commit_if_audited(focus)
    return render_template(
        "archives/student.html",
        focus=focus,
        need=pairing_lists.need_state(student) if marks_need else None,
        need_form=NeedMarkForm(formdata=None) if marks_need else None,
        reviews=[] if staff_view else reviews.published_for(student.id),
        student=student,
        links=links,
        siblings=siblings,
        can_edit=can(current_user, Need.EDIT, student),
        can_manage=can(current_user, Need.MANAGE, student),
        staff_view=staff_view,
        visible_sibling_ids={s.id for s in siblings if can(current_user, Need.VIEW, s)},
    )


@bp.get("/students/<int:student_id>/archive")
@login_required
def archive_page(student_id: int):
    """The archive: profile, family, focus categories and the timeline of everything done for the
    student, filtered by kind and semester (the timeline is swapped by htmx)."""
    student = services.archive_student(student_id)
    viewer = services.viewer_of(current_user._get_current_object(), student)
    kind = request.args.get("kind", "")
    kinds = {kind} if kind in SOURCES else None
    semester = None
    semester_id = int_arg("semester")
    if semester_id:
        semester = db.session.get(Semester, semester_id)
        if semester is None or semester.school_id != student.school_id:
            semester = None
    tab = request.args.get("tab") or ("timeline" if kind or semester else "family")
    tab = tab if tab in ("family", "timeline") else "family"
    # The timeline is read only for its tab; the family tab shows the focus categories, and a
    # sensitive one shown is a view of sensitive data.
    ctx = services.archive_context(
        student, viewer, kinds, semester, with_timeline=tab == "timeline"
    )
    sensitive = (
        tab == "family" and viewer.sensitive and any(f.category.sensitive for f in ctx["focus"])
    )
    # The pairing's entries (plan and support log) are sensitive too: each view is audited.
    pairing = any(e.kind == "pairing" for e in ctx["entries"])
    # A contact's private notes on the family (seed 002 §7) are audited like the rest.
    notes = [e.notes for e in ctx["entries"] if e.notes is not None]
    # A grid family log's text and a focus category or its reason (issue 20 item 3).
    grid_logs = sum(1 for e in ctx["entries"] if e.shows == "grid_log")
    focus_shown = sum(1 for e in ctx["entries"] if e.shows == "focus")
    if sensitive or pairing or notes or grid_logs or focus_shown:
        audit.record(viewer.user, "student.archive.view", student,
                     sensitive=sensitive or None, pairing=pairing or None,
                     contact_notes=notes or None, grid_logs=grid_logs or None,
                     focus=focus_shown or None)  # fmt: skip
        db.session.commit()
    sections = services.dossier_sections_for(viewer.user, student)
    if "pairing" not in sections:  # no pairing filter for those who may not see pairings
        ctx["kinds"] = {k: label for k, label in ctx["kinds"].items() if k != "pairing"}
    return page_or_fragment(
        "archives/archive.html", "archives/_partials/archive_tab.html",
        kind=kind, semester_id=semester.id if semester else None, sections=sections,
        tab=tab, **ctx,
    )  # fmt: skip


@bp.post("/students/<int:student_id>/sensitive")
@login_required
def reveal_sensitive(student_id: int):
    """The sensitive record, revealed on a click by someone entitled; every reveal audited."""
    student = services.entitled_student(student_id)
    record = people.reveal_sensitive(current_user, student)
    db.session.commit()
    return render_template("archives/_partials/sensitive.html", student=student, record=record)


@bp.route("/students/<int:student_id>/sensitive/edit", methods=["GET", "POST"])
@login_required
def edit_sensitive(student_id: int):
    """Edit the sensitive record (entitled viewers only; every reveal and change audited)."""
    student = services.entitled_student(student_id)
    if request.method == "POST":
        form = SensitiveForm()
        done = submit(
            form, lambda: people.update_sensitive(current_user, student, form.values()),
            then=url_for(".archive_page", student_id=student.id), message=_("敏感信息已保存"),
        )  # fmt: skip
        if done:
            return done
    else:
        found = people.reveal_sensitive(current_user, student)
        db.session.commit()
        form = SensitiveForm(
            formdata=None,
            **{n: getattr(found, n) if found else "" for n in StudentSensitive.FIELDS},
        )
    return form_page("archives/sensitive_edit.html", form, student=student)
