"""Marks on students in need (issue 16 item 1): the head teacher of the class or a school leader
adds a student to those in need or proposes taking one out, with a reason; a leader confirms or
rejects a head teacher's mark on the school's pairing page. Routes of the pairing blueprint."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import login_required

from gridapp.core.forms import form_page, fresh, reload_to, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.permissions import Need, require
from gridapp.pairing import school_lists, services
from gridapp.pairing.forms import DecideMarkForm, NeedMarkForm
from gridapp.pairing.models import NeedDecision
from gridapp.pairing.permissions import load_need_mark
from gridapp.pairing.school_views import _leader_school, school_page
from gridapp.pairing.views import _me, bp
from gridapp.people.permissions import load_student


@bp.route("/students/<int:student_id>/need", methods=["GET", "POST"])
@login_required
def student_need(student_id: int):
    """Where the student stands (in need by a focus category or a mark, a mark waiting for a
    leader, the pairing) and the form to add them or propose their removal. For the head teacher
    of the class and the school's leaders (services.may_mark_need); anyone else 404."""
    student, user = load_student(student_id, Need.VIEW), _me()
    require(services.may_mark_need(user, student))
    state = school_lists.need_state(student)
    if request.method == "POST":
        form = NeedMarkForm()
        done = submit(
            form,
            lambda: services.mark_need(
                user, student, NeedDecision(form.decision.data), form.reason.data or ""
            ),
            then=url_for("archives.student", student_id=student.id),
            message=lambda mark: (
                _("已提交，待学校领导确认") if mark.status.value == "proposed" else _("已保存")
            ),
        )
        if done:
            return done
    else:
        decision = NeedDecision.EXCLUDE if state.in_need else NeedDecision.INCLUDE
        form = fresh(NeedMarkForm, decision=decision.value)
    return form_page("pairing/need_mark.html", form, student=student, state=state)


@bp.route("/schools/<int:school_id>/pairing/marks/<int:mark_id>/decide", methods=["GET", "POST"])
@login_required
def decide_mark(school_id: int, mark_id: int):
    """A leader confirms ("1") or rejects ("0") a head teacher's mark; decided already: 409."""
    school, user = _leader_school(school_id), _me()
    mark = load_need_mark(mark_id, Need.MANAGE)
    if mark.school_id != school.id:
        abort(404)
    if request.method == "GET":
        return reload_to(url_for(".school_pairing", school_id=school.id))
    form = DecideMarkForm()
    done = submit(
        form,
        lambda: services.decide_mark(user, mark, form.confirm.data == "1"),
        then=url_for(".school_pairing", school_id=school.id),
        message=_("已同意") if form.confirm.data == "1" else _("已退回"),
    )
    return done or school_page(school, form, decided=mark.id)
