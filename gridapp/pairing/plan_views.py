"""The support plan's pages: writing a new version (/pairings/<id>/plan) and the versions with
the difference of two (/pairings/<id>/plan/versions?a=1&b=3). Audited as views of sensitive
data."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from gridapp.core import text
from gridapp.core.forms import form_page, submit
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg
from gridapp.core.permissions import Need
from gridapp.core.time import today
from gridapp.pairing import plans
from gridapp.pairing.detail_views import view_audited
from gridapp.pairing.models import HelpKind
from gridapp.pairing.permissions import load_pairing
from gridapp.pairing.plan_forms import EMPTY_ROWS, PlanForm
from gridapp.pairing.views import _me, bp


def _base_version(value) -> int:
    number = text.small_id(value)
    return number if number is not None else 0


def _fill(form: PlanForm, pairing, current) -> None:
    """A fresh form: the current version's content, its actions and empty rows below them."""
    form.base_version.data = str(current.version if current else 0)
    form.review_on.data = plans.default_review_on(pairing.school_id, today())
    if current is None:
        return
    form.situation.data = current.situation
    for kind, field in form.goal_fields():
        field.data = (current.goals or {}).get(kind.value, "")
    rows = plans.action_rows(current)
    while len(form.actions.entries) < min(len(rows) + EMPTY_ROWS, form.actions.max_entries):
        form.actions.append_entry()
    for entry, row in zip(form.actions.entries, rows, strict=False):
        entry.form.kind.data = row["kind"].value if row["kind"] else HelpKind.THOUGHT.value
        entry.form.what.data = row["what"]
        entry.form.due_on.data = row["due_on"]
    if current.review_on >= today():
        form.review_on.data = current.review_on


def _data(form: PlanForm) -> plans.PlanData:
    return plans.PlanData(
        situation=form.situation.data or "",
        goals={kind: field.data or "" for kind, field in form.goal_fields()},
        actions=[
            (e.form.kind.data, e.form.what.data or "", e.form.due_on.data)
            for e in form.actions.entries
        ],
        review_on=form.review_on.data,
        note=form.note.data or "",
        base_version=_base_version(form.base_version.data),
    )


@bp.route("/pairings/<int:pairing_id>/plan", methods=["GET", "POST"])
@login_required
def plan_form(pairing_id: int):
    """Write the plan (a new version): the paired teacher while the pairing is active."""
    user = _me()
    pairing = load_pairing(pairing_id, Need.EDIT)
    current = plans.latest(pairing.id)
    if request.method == "GET":
        view_audited(user, pairing)
        form = PlanForm(formdata=None)
        _fill(form, pairing, current)
    else:
        form = PlanForm()
        done = submit(
            form,
            lambda: plans.revise(user, pairing, _data(form), today()),
            then=url_for(".pairing_page", pairing_id=pairing.id) + "#plan",
            message=lambda v: _("帮扶计划已保存为第 %(n)d 版", n=v.version),
        )
        if done:
            return done
        # Room to add rows when all the rows sent were filled.
        rows = form.actions
        if len(rows.entries) < rows.max_entries and all(
            (e.form.what.data or "").strip() for e in rows.entries
        ):
            rows.append_entry()
    return form_page(
        "pairing/plan_form.html", form, pairing=pairing, current=current, kinds=list(HelpKind)
    )


@bp.get("/pairings/<int:pairing_id>/plan/versions")
@login_required
def plan_versions(pairing_id: int):
    """The plan's versions, and the difference of two (`a` older, `b` newer; by default the
    latest and the one before it)."""
    user = _me()
    pairing = load_pairing(pairing_id, Need.VIEW)
    view_audited(user, pairing)
    all_versions = plans.versions(pairing.id)
    by_number = {v.version: v for v in all_versions}
    a, b = int_arg("a"), int_arg("b")
    if a not in by_number or b not in by_number:
        a, b = (all_versions[1].version, all_versions[0].version) if len(all_versions) > 1 else (
            None, None)  # fmt: skip
    if a is not None and a > b:
        a, b = b, a
    difference = plans.diff(by_number[a], by_number[b]) if a is not None and a != b else None
    return render_template(
        "pairing/plan_versions.html",
        pairing=pairing,
        versions=all_versions,
        a=a,
        b=b,
        difference=difference,
    )
