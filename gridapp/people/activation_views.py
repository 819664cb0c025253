"""Reaching parents: a class's activation letters (PDF) and codes by SMS, the school's outbox, and
the guardian's own activation page (/activate, anonymous). Rules in people/activation.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from gridapp.accounts.models import Role
from gridapp.core import outbox, storage, text
from gridapp.core.errors import abort_with
from gridapp.core.forms import CodeField, Form, attempt, form_page, submit
from gridapp.core.htmx import page_or_fragment
from gridapp.core.i18n import gettext as _
from gridapp.core.i18n import lazy_gettext as _l
from gridapp.core.pagination import paginate
from gridapp.core.permissions import Need, require
from gridapp.core.time import now
from gridapp.extensions import db, limiter, posted_field
from gridapp.people import activation
from gridapp.people import letters as letter_jobs
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import load_class, load_school

bp = Blueprint("activation", __name__)


class ActivateForm(Form):
    code = CodeField(_l("激活码"), [DataRequired(_l("请输入激活通知上的激活码")), Length(max=40)])
    last_four = StringField(
        _l("手机号后四位"), [DataRequired(_l("请输入您手机号的后四位")), Length(max=20)]
    )
    password = PasswordField(_l("新密码"), [DataRequired(_l("请输入新密码")), Length(max=200)])
    confirm = PasswordField(_l("再次输入新密码"), [DataRequired(_l("请再次输入新密码"))])

    def validate_last_four(self, field):
        from wtforms import ValidationError

        digits = text.normalise_number(field.data)
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            raise ValidationError(_l("请输入4位数字"))

    def validate_confirm(self, field):
        from wtforms import ValidationError

        if field.data != self.password.data:
            raise ValidationError(_l("两次输入的密码不一致"))


class IssueForm(Form):
    confirm = BooleanField(_l("我已知晓：重新生成将使旧的激活码失效"))
    reissue = BooleanField(_l("为这些家长重新生成（旧通知作废）"))

    def validate_confirm(self, field):
        from wtforms import ValidationError

        if not field.data:
            raise ValidationError(_l("请先勾选确认：重新生成将使旧的激活码失效"))


# ---- the guardian's activation ---------------------------------------------------------------------


def _activation_limit() -> str:
    return current_app.config["ACTIVATION_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["ACTIVATION_CODE_RATE_LIMIT"]


def _code_key() -> str:
    return "activate-code:" + activation.normalise_activation_code(posted_field("code"))[:40]


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(_activation_limit, methods=["POST"])
@limiter.limit(_code_limit, methods=["POST"], key_func=_code_key)
def activate():
    """A guardian activates their account with the letter's code and the last four digits of
    their mobile number, sets a password and is signed in (issue 15 item 7)."""
    form = ActivateForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = activation.normalise_activation_code(request.args["code"])[:40]

    def run():
        user = activation.activate(form.code.data, form.last_four.data, form.password.data)
        return user

    done, user = attempt(form, run)
    if done:
        from flask import flash

        from gridapp.accounts.services import sign_in

        logout_user()
        sign_in(user)
        db.session.commit()  # the new session's row

        from gridapp.core.htmx import redirect_303

        flash(_("激活成功！以后请用用户名 %(u)s 和您设置的密码登录。", u=user.username), "success")
        return redirect_303(url_for("reports.home"))
    return form_page("people/activate.html", form)


# ---- a class's letters ----------------------------------------------------------------------------


def load_letters_class(class_id: int) -> SchoolClass:
    """The class whose letters the user may issue: its school's admin and principal, and its
    head teacher (they hand the letters out); 404 for anyone else."""
    school_class = load_class(class_id, Need.VIEW, related=("school",))
    require(activation.may_issue_letters(current_user, school_class))
    return school_class


def _letters_page(school_class: SchoolClass, form=None, sms_form=None):
    recipients = activation.class_recipients(school_class)
    return render_template(
        "people/activation_letters.html",
        school_class=school_class,
        recipients=recipients,
        messages=activation.code_messages(school_class, recipients),
        form=form or IssueForm(formdata=None),
        sms_form=sms_form or IssueForm(formdata=None, prefix="sms"),
        sms_ready=outbox.channel_url(outbox.Channel.SMS) is not None,
        sms_missing=outbox.not_configured_text(outbox.Channel.SMS),
        eligible=sum(1 for r in recipients if not r.skipped),
        held=[r for r in recipients if r.held and not r.skipped],
        job=letter_jobs.latest_job(school_class.id),
        is_admin=current_user.has_role(Role.SCHOOL_ADMIN, school_class.school_id),
        now=now(),
    ), (422 if (form and form.errors) or (sms_form and sms_form.errors) else 200)


@bp.get("/classes/<int:class_id>/letters")
@login_required
def letters(class_id: int):
    return _letters_page(load_letters_class(class_id))


@bp.post("/classes/<int:class_id>/letters")
@login_required
def letters_pdf(class_id: int):
    """New codes for the class's guardians (in this request's transaction) and a background job
    that prints their letters as one PDF (a letter a page); answers with the job's page."""
    school_class = load_letters_class(class_id)
    form = IssueForm()
    url = url_for("activation.activate", _external=True)
    done = submit(
        form,
        lambda: letter_jobs.start(
            current_user._get_current_object(), school_class, url, bool(form.reissue.data)
        ),
        then=lambda job: url_for("activation.letters_job", class_id=class_id, job_id=job.id),
        after=lambda job: letter_jobs.make(job.id),  # after the commit: the job is in the database
    )
    return done or _letters_page(school_class, form=form)


def _class_job(class_id: int, job_id: int) -> letter_jobs.LetterJob:
    """A letters job of the class, for those who may issue its letters; 404 otherwise."""
    school_class = load_letters_class(class_id)
    job = db.session.get(letter_jobs.LetterJob, job_id) if 0 < job_id < 2**31 else None
    if job is None or job.class_id != school_class.id:
        abort(404)
    return job


@bp.get("/classes/<int:class_id>/letters/jobs/<int:job_id>")
@login_required
def letters_job(class_id: int, job_id: int):
    """The letters job's progress (polled by htmx until done) and its download."""
    job = _class_job(class_id, job_id)
    return page_or_fragment(
        "people/activation_letters_job.html", "people/_partials/letters_job.html", job=job
    )


@bp.get("/classes/<int:class_id>/letters/jobs/<int:job_id>/file")
@login_required
def letters_job_file(class_id: int, job_id: int):
    """The finished PDF, until it is removed after 24 hours; every download audited."""
    job = _class_job(class_id, job_id)
    if job.status != "done" or job.expired or not job.file:
        abort_with(410, _("文件已过期或尚未生成，请重新生成激活通知"))
    path = storage.existing(
        letter_jobs.letters_dir() / job.file, _("文件已丢失，请重新生成激活通知")
    )
    letter_jobs.downloaded(current_user._get_current_object(), job)
    db.session.commit()
    name, fallback = letter_jobs.job_filename(job)
    response = send_file(path, mimetype="application/pdf", max_age=0)
    response.headers["Content-Disposition"] = storage.content_disposition(name, fallback)
    response.headers["Cache-Control"] = "no-store"  # the codes are in it
    return response


@bp.post("/classes/<int:class_id>/letters/sms")
@login_required
def letters_sms(class_id: int):
    """New codes for the class's guardians, each sent by SMS through the outbox."""
    school_class = load_letters_class(class_id)
    form = IssueForm(prefix="sms")
    url = url_for("activation.activate", _external=True)
    done = submit(
        form,
        lambda: activation.send_codes(current_user._get_current_object(), school_class, url),
        then=url_for("activation.letters", class_id=class_id),
        message=lambda n: _("已将 %(n)d 条激活短信放入发送队列", n=n),
    )
    return done or _letters_page(school_class, sms_form=form)


# ---- the school's outbox --------------------------------------------------------------------------


def _outbox_school(school_id: int):
    school = load_school(school_id, Need.VIEW)
    require(current_user.has_role(Role.SCHOOL_ADMIN, school.id))
    return school


@bp.get("/schools/<int:school_id>/outbox")
@login_required
def outbox_page(school_id: int):
    """The school's messages by SMS and email, newest first, with their status and the last
    error of a failed try; failed ones can be retried (school admin)."""
    school = _outbox_school(school_id)
    q = (
        select(outbox.OutboxMessage)
        .where(outbox.OutboxMessage.school_id == school.id)
        .order_by(outbox.OutboxMessage.id.desc())
    )
    missing = [
        outbox.not_configured_text(c) for c in outbox.Channel if outbox.channel_url(c) is None
    ]
    return render_template(
        "people/outbox.html", school=school, page=paginate(q, per_page=50), missing=missing
    )


@bp.post("/schools/<int:school_id>/outbox/<int:message_id>/retry")
@login_required
def outbox_retry(school_id: int, message_id: int):
    school = _outbox_school(school_id)
    message = db.session.scalar(
        select(outbox.OutboxMessage).where(
            outbox.OutboxMessage.id == message_id, outbox.OutboxMessage.school_id == school.id
        )
    )
    require(message is not None)
    form = Form()
    return submit(
        form,
        lambda: outbox.retry(message),
        then=url_for("activation.outbox_page", school_id=school.id),
        message=lambda ok: _("已重新放入发送队列") if ok else _("这条消息已不是发送失败状态"),
    ) or _redirect_outbox(school.id)


def _redirect_outbox(school_id: int):
    from gridapp.core.htmx import redirect_303

    return redirect_303(url_for("activation.outbox_page", school_id=school_id))
