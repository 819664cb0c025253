"""The public principal's mailbox: write a letter (no login), get a tracking code, follow the
answer and rate it. Nothing internal is ever shown here."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, render_template, request, session, url_for
from flask_login import current_user

from gridapp.accounts.models import Role
from gridapp.cases import mailbox
from gridapp.cases import services as cases
from gridapp.cases.forms import LetterForm, RateForm, TrackForm
from gridapp.cases.models import Case, CaseCategory
from gridapp.core.errors import IllegalTransition, RuleViolation
from gridapp.core.forms import reload_to
from gridapp.core.htmx import redirect_303
from gridapp.core.i18n import gettext as _
from gridapp.extensions import db, limiter

bp = Blueprint("mailbox", __name__)
log = logging.getLogger(__name__)


def _schools():
    return mailbox.school_choices()


def _letter_form(form: LetterForm | None = None) -> LetterForm:
    form = form or LetterForm()
    form.school_id.choices = [("", _("请选择学校"))] + [(s.id, s.name) for s in _schools()]
    return form


def _render_form(form: LetterForm, status: int = 200, error: str | None = None):
    token = mailbox.new_captcha()
    db.session.commit()
    form.captcha_token.data = token
    form.captcha.data = ""  # a new picture needs a new answer; everything else is kept
    return render_template("cases/mailbox.html", form=form, token=token, error=error), status


@bp.route("/mailbox", methods=["GET", "POST"])
@limiter.limit(
    mailbox.rate_limit,
    methods=["POST"],
    # Letters sent count; a form sent back with a mistake does not use up the allowance.
    deduct_when=lambda response: response.status_code == 303,
)
def write():
    form = _letter_form()
    if request.method == "GET":
        school = request.args.get("school", type=int)
        if school:
            form.school_id.data = school
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, 422)
    if not mailbox.check_captcha(form.captcha_token.data, form.captcha.data):
        db.session.commit()  # the challenge is used up either way
        form.captcha.errors = [_("验证码不对，请看新的图片重新输入")]
        return _render_form(form, 422)
    files = [f for f in request.files.getlist("attachments") if f and f.filename]
    data = mailbox.LetterData(
        school_id=form.school_id.data,
        category=CaseCategory(form.category.data),
        subject=form.subject.data,
        content=form.content.data,
        anonymous=form.anonymous.data,
        name=form.name.data or "",
        phone=form.phone.data or "",
        child_class=form.child_class.data or "",
    )
    try:
        if len(files) > mailbox.MAX_ATTACHMENTS:
            raise RuleViolation(
                _("最多 %(n)d 个附件", n=mailbox.MAX_ATTACHMENTS), field="attachments"
            )
        data.uploads = [mailbox.clean_attachment(f.read(), f.filename) for f in files]
        guardian = (
            current_user._get_current_object()
            if current_user.is_authenticated and current_user.has_role(Role.GUARDIAN)
            else None
        )
        letter, code = mailbox.store_letter(data, guardian)
    except RuleViolation as e:
        db.session.rollback()
        form.add_violation(e)
        return _render_form(form, 422)
    db.session.commit()  # the letter is safe before anything else runs
    try:
        mailbox.open_case(letter)
        db.session.commit()
    except Exception:  # the periodic task opens the case later; the letter is kept
        db.session.rollback()
        log.exception("case for letter %s not opened; the periodic task retries", letter.id)
    session["mailbox_receipt"] = {
        "code": mailbox.pretty(code),
        "school": dict(_schools()).get(letter.school_id, ""),
        "subject": letter.subject,
        "category": letter.category.value,
        "at": letter.created_at.isoformat(),
    }
    return redirect_303(url_for(".receipt"))


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
    """A new captcha picture (the "another picture" link): a fragment with its token."""
    token = mailbox.new_captcha()
    db.session.commit()
    return render_template("cases/_partials/captcha.html", token=token)


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
