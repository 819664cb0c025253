"""Marking and ending a student's focus categories from the student page (issue 21 item 5):
the section and its two forms are one fragment (`people/_partials/focus_section.html`) that the
student page includes and htmx swaps; routes on the people blueprint."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user, login_required

from gridapp.core.forms import form_status, fresh, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, real_user
from gridapp.core.time import today
from gridapp.extensions import db
from gridapp.people import focus
from gridapp.people.forms import FocusEndForm, FocusMarkForm
from gridapp.people.models import FocusCategory, Student
from gridapp.people.permissions import can_mark_focus, load_student
from gridapp.people.views import bp


def _marking_student(student_id: int) -> Student:
    """The student, for those who mark their focus categories (`can_mark_focus`); 404 for
    anyone else, a subject teacher and a student of another school included."""
    student = load_student(student_id, Need.VIEW)
    if not can_mark_focus(real_user(current_user), student):
        abort(404)
    return student


def section_context(user, student: Student, mark_form=None, end_form=None) -> dict:
    """What `people/_partials/focus_section.html` needs: the open categories the user may see
    (a sensitive one shown is audited: the caller commits), the mark form and the end form
    (fresh unless given: a form shown again keeps its input)."""
    entries = focus.shown_entries(user, student)
    mark_form = mark_form or fresh(FocusMarkForm, on=today())
    end_form = end_form or fresh(FocusEndForm, on=today())
    _fill_choices(user, student, mark_form, end_form, entries)
    return {
        "student": student,
        "focus_entries": entries,
        "mark_form": mark_form,
        "end_form": end_form,
    }


def commit_if_audited(context: dict) -> None:
    """Commit the audit record `section_context` wrote when it showed a sensitive category (a
    page that shows the section commits nothing else)."""
    if any(e.category.sensitive for e in context["focus_entries"]):
        db.session.commit()


def _fill_choices(user, student, mark_form, end_form, entries) -> None:
    pick = [("", _("请选择"))]
    mark_form.category.choices = pick + [
        (c.value, c.label) for c in focus.category_choices(user, student)
    ]
    end_form.category.choices = pick + [(e.category.value, e.category.label) for e in entries]


def _section(student: Student, form, **forms):
    user = real_user(current_user)
    status = form_status(form)
    context = section_context(user, student, **forms)
    commit_if_audited(context)
    return page_or_fragment(
        "people/focus.html", "people/_partials/focus_section.html", status_code=status, **context
    )


def _message(verb: str):
    def message(entry) -> str:
        return _("%(v)s：%(c)s", v=verb, c=FocusCategory(entry.category).label)

    return message


@bp.route("/students/<int:student_id>/focus/mark", methods=["GET", "POST"])
@login_required
def mark_focus(student_id: int):
    """Mark the student as a focus student of a category from a date, with the reason; for
    the class's head teacher and the school's leaders (404 for anyone else)."""
    student = _marking_student(student_id)
    if request.method == "GET":
        return _section(student, None)
    form = FocusMarkForm()
    done = submit(
        form,
        lambda: focus.mark_focus(
            current_user, student, form.category.data, form.on.data, form.reason.data, today()
        ),
        then=url_for("archives.student", student_id=student.id) + "#focus-section",
        message=_message(_("已标记为重点对象")),
    )
    return done or _section(student, form, mark_form=form)


@bp.route("/students/<int:student_id>/focus/end", methods=["GET", "POST"])
@login_required
def end_focus(student_id: int):
    """End one of the student's open focus categories on a date, with the reason; for the
    class's head teacher and the school's leaders (404 for anyone else)."""
    student = _marking_student(student_id)
    if request.method == "GET":
        return _section(student, None)
    form = FocusEndForm()
    done = submit(
        form,
        lambda: focus.end_focus(
            current_user, student, form.category.data, form.on.data, form.reason.data, today()
        ),
        then=url_for("archives.student", student_id=student.id) + "#focus-section",
        message=_message(_("已解除重点对象")),
    )
    return done or _section(student, form, end_form=form)
