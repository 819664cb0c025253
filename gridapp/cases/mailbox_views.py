"""The principal's mailbox: write a letter (no login needed), get a tracking code, follow the
answer and rate it. Nothing internal is ever shown here."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, g, render_template, request, session, url_for
from flask_login import current_user

from gridapp.accounts.models import Role
from gridapp.cases import mailbox
from gridapp.cases import services as cases
from gridapp.cases.forms import LetterForm, ParentLetterForm, RateForm, TrackForm
from gridapp.cases.models import Case, CaseCategory
from gridapp.core import storage
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.forms import reload_to, submit
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.core.pagination import int_arg
from gridapp.extensions import db, limiter
from gridapp.people.services import children_of, guardian_of

bp = Blueprint("mailbox", __name__)
log = logging.getLogger(__name__)


def _schools():
    """The school choices, read once a request (the form's choices and the receipt's name)."""
    if "mailbox_schools" not in g:
        g.mailbox_schools = mailbox.school_choices()
    return g.mailbox_schools


def _letter_form(form: LetterForm | None = None) -> LetterForm:
    form = form or LetterForm()
    form.school_id.choices = [("", _("请选择学校"))] + [(s.id, s.name) for s in _schools()]
    return form


def _parent_form(children) -> ParentLetterForm:
    form = ParentLetterForm()
    form.student_id.choices = [("", _("请选择孩子"))] + [
        (s.id, f"{s.name}（{s.school.name} {s.school_class.name}）") for s in children
    ]
    return form


def _hotlines(form, children=()):
    """The hotlines (校长热线, seed 004 §15) the mailbox shows and whether to show them open:
    a signed-in parent's children's schools (loaded with the children); otherwise the school
    chosen (open) or every school that publishes one (folded)."""
    if children:
        schools = {s.school_id: s.school for s in children}
        return [s for s in schools.values() if s.hotline_phone], True
    published = [s for s in _schools() if s.hotline_phone]
    chosen = [s for s in published if s.id == form.school_id.data]
    return (chosen, True) if chosen else (published, False)


def _render_form(form, status: int = 200, error: str | None = None, chosen=(), **context):
    children = context.pop("children", ())
    hotlines, hotlines_open = _hotlines(form, children)
    token = None
    if isinstance(form, LetterForm):
        # Any challenge the form was sent with ends here: each is answered once.
        token = mailbox.new_captcha(replacing=form.captcha_token.data)
        db.session.commit()
        form.captcha_token.data = token
        # A new challenge needs a new answer (the field shows raw_data first); all else is kept.
        form.captcha.data, form.captcha.raw_data = "", []
    # The attachments chosen are kept too (core.storage): the form lists them by name.
    form.kept_attachments.data = [c.token for c in chosen]
    return render_template(
        "cases/mailbox.html", form=form, token=token, error=error,
        question=mailbox.captcha_question(token) if token else None, chosen=list(chosen),
        hotlines=hotlines, hotlines_open=hotlines_open, **context,
    ), status  # fmt: skip


def _chosen(form) -> list[storage.Chosen]:
    """The attachments as the writer chose them (kept from an earlier try, and new ones), kept
    in pending storage at once: a letter shown again with an error still has them."""
    return storage.chosen_files(request.files.getlist("attachments"), form.kept_attachments.data)


def _uploads(chosen: list[storage.Chosen]) -> list:
    if len(chosen) > mailbox.MAX_ATTACHMENTS:
        raise RuleViolation(_("最多 %(n)d 个附件", n=mailbox.MAX_ATTACHMENTS), field="attachments")
    uploads = [mailbox.clean_attachment(c.data, c.name) for c in chosen]
    storage.discard_on_commit(chosen)  # stored with the letter once it commits
    return uploads


def _signed_in_parent():
    """The signed-in parent with children, who writes with what GridApp knows; else None."""
    if not (current_user.is_authenticated and current_user.has_role(Role.GUARDIAN)):
        return None, []
    user = current_user._get_current_object()
    children = children_of(user)
    return (user, children) if children else (None, [])


def _sent(result) -> None:
    """After the letter is committed: open its case (its own commit; the periodic task retries
    a failure, the letter is kept) and keep the receipt for the page that shows the code once."""
    letter, code = result
    # Read before the case's commit expires the letter (one load of it, not two).
    letter_id = letter.id
    receipt = {
        "code": mailbox.pretty(code),
        "school": next((s.name for s in _schools() if s.id == letter.school_id), ""),
        "subject": letter.subject,
        "category": letter.category.value,
        "at": letter.created_at.isoformat(),
    }
    try:
        mailbox.open_case(letter)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("case for letter %s not opened; the periodic task retries", letter_id)
    session["mailbox_receipt"] = receipt


@bp.route("/mailbox", methods=["GET", "POST"])
@limiter.limit(
    mailbox.rate_limit,
    methods=["POST"],
    # Letters sent count; a form sent back with a mistake does not use up the allowance.
    deduct_when=lambda response: response.status_code == 303,
)
def write():
    """Write to the principal. A signed-in parent picks one of their children (school, class,
    name and phone follow from the account; no captcha); anyone else fills in the school, who
    they are (unless anonymous) and the captcha."""
    parent, children = _signed_in_parent()
    if parent is not None:
        return _write_as_parent(parent, children)
    form = _letter_form()
    if request.method == "GET":
        school = int_arg("school")
        if school:
            form.school_id.data = school
        return _render_form(form)
    chosen = _chosen(form)

    def action():
        mailbox.use_captcha(form.captcha_token.data, form.captcha.data)
        data = mailbox.LetterData(
            school_id=form.school_id.data,
            category=CaseCategory(form.category.data),
            subject=form.subject.data,
            content=form.content.data,
            anonymous=form.anonymous.data,
            name=form.name.data or "",
            phone=form.phone.data or "",
            child_class=form.child_class.data or "",
            uploads=_uploads(chosen),
        )
        # A parent account without linked children writes here, and still sees the letter.
        guardian = current_user._get_current_object() if current_user.is_authenticated else None
        return mailbox.store_letter(data, guardian if guardian and guardian.is_guardian else None)

    sent = submit(form, action, then=url_for(".receipt"), after=_sent)
    return sent or _render_form(form, 422, chosen=chosen)


def _write_as_parent(user, children):
    form = _parent_form(children)
    if request.method == "GET":
        school = int_arg("school")
        mine = [s.id for s in children if s.school_id == school] or [s.id for s in children]
        if len(mine) == 1:
            form.student_id.data = mine[0]
        return _render_form(form, guardian=guardian_of(user), children=children)
    chosen = _chosen(form)

    def action():
        data = mailbox.parent_letter(
            user, form.student_id.data, CaseCategory(form.category.data), form.subject.data,
            form.content.data, form.anonymous.data,
        )  # fmt: skip
        data.uploads = _uploads(chosen)
        return mailbox.store_letter(data, user)

    sent = submit(form, action, then=url_for(".receipt"), after=_sent)
    return sent or _render_form(
        form, 422, chosen=chosen, guardian=guardian_of(user), children=children
    )


@bp.get("/mailbox/receipt")
def receipt():
    """The tracking code, shown once (it is not stored anywhere we could show it from again)."""
    data = session.pop("mailbox_receipt", None)
    if data is None:
        return redirect_303(url_for(".track"))
    return render_template(
        "cases/mailbox_receipt.html", receipt=data, category=CaseCategory(data["category"])
    )


@bp.get("/mailbox/captcha")
def captcha():
    """A new captcha (the "another picture" link): a fragment with its token, its picture and
    its question."""
    token = mailbox.new_captcha()
    db.session.commit()
    return render_template(
        "cases/_partials/captcha.html", token=token, question=mailbox.captcha_question(token)
    )


@bp.get("/mailbox/captcha/<token>.png")
def captcha_image(token: str):
    png = mailbox.captcha_png(token[:64])
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _tracking_page(form, letter=None, status=200, rate_form=None):
    case = letter.case if letter is not None else None
    merged = case is not None and case.merged_into_id is not None
    if merged:  # handled together with the same opinion: its progress is this letter's
        case = db.session.get(Case, case.merged_into_id)
    replies = []
    if case is not None:
        replies = mailbox.public_replies(case.id)
    if rate_form is None and case is not None:
        rate_form = RateForm(code=form.code.data)
    return render_template(
        "cases/mailbox_track.html",
        form=form,
        letter=letter,
        case=case,
        replies=replies,
        rate_form=rate_form,
        merged=merged,
        may_rate=not merged
        and case is not None and case.reply and case.rating is None
        and case.status in (cases.S.REPLIED, cases.S.ARCHIVED),
    ), status  # fmt: skip


@bp.route("/mailbox/track", methods=["GET", "POST"])
@limiter.limit(mailbox.track_limit, methods=["POST"])
def track():
    """Status and public replies of a letter, by its code (sent in the form, not in the URL)."""
    form = TrackForm()
    if request.method == "GET":
        return _tracking_page(form)
    if not form.validate_on_submit():
        return _tracking_page(form, status=422)
    letter = mailbox.find_letter(form.code.data)
    if letter is None:
        form.code.errors = [_("没有找到这个查询码，请核对后再输入")]
        return _tracking_page(form, status=404)
    return _tracking_page(form, letter)


@bp.route("/mailbox/track/rating", methods=["GET", "POST"])
@limiter.limit(mailbox.track_limit, methods=["POST"])
def rate():
    """A parent rates the reply (by the code, sent in the form); shown again on the tracking
    page with any error. A reload of this address goes to the tracking page."""
    if request.method == "GET":
        return reload_to(url_for(".track"))
    rate_form = RateForm()
    letter = mailbox.find_letter(rate_form.code.data or "")
    form = TrackForm(code=rate_form.code.data)
    if letter is None or letter.case is None:
        form.code.errors = [_("没有找到这个查询码，请核对后再输入")]
        return _tracking_page(form, status=404)
    if not rate_form.validate_on_submit():
        return _tracking_page(form, letter, 422, rate_form)
    try:
        reopened = cases.rate(letter.case, rate_form.rating.data, rate_form.comment.data or "")
    except IllegalTransition as e:
        rate_form.form_errors.append(str(e))
        return _tracking_page(form, letter, 409, rate_form)
    except RuleViolation as e:
        rate_form.add_violation(e)
        return _tracking_page(form, letter, 422, rate_form)
    db.session.commit()
    message = _("感谢评价。学校将重新办理您的意见。") if reopened else _("感谢您的评价。")
    return render_template("cases/mailbox_rated.html", message=message)
