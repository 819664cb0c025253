"""Error pages in Chinese for every status a user can meet, and the exceptions services raise."""

from __future__ import annotations

import contextlib
import json

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from gridapp.core.htmx import wants_fragment
from gridapp.core.i18n import gettext as _


class RuleViolation(Exception):
    """A business rule refused the change; `field` names the form field to show it beside, and
    `more_fields` the others it is also shown beside (several fields left empty)."""

    def __init__(self, message: str, field: str | None = None, more_fields: tuple = ()):
        super().__init__(message)
        self.message = message
        self.field = field
        self.more_fields = tuple(more_fields)


class IllegalTransition(Exception):
    """A state machine was asked for a move it does not allow (answered with 409)."""


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("请求的内容无法识别，请返回后重试。")),
        403: (_("无权访问"), _("您没有权限执行此操作。")),
        404: (_("页面不存在"), _("您要找的页面不存在，或者您没有查看它的权限。")),
        405: (_("请求方式不允许"), _("此页面不接受这种请求方式。")),
        409: (_("操作冲突"), _("当前状态下不能执行此操作，请刷新页面后再试。")),
        410: (_("内容已过期"), _("您要的内容已经过期，请重新生成。")),
        413: (_("内容过大"), _("上传的内容超过了允许的大小，请压缩或减少文件后重试。")),
        422: (_("内容有误"), _("提交的内容有误，请检查后重试。")),
        429: (_("操作过于频繁"), _("您的操作过于频繁，请稍后再试。")),
        500: (_("服务器出错"), _("服务器遇到了问题，我们已经记录。请稍后再试。")),
        503: (_("服务暂不可用"), _("服务暂时不可用，请稍后再试。")),
    }


def error_page(status: int, detail: str | None = None):
    """The error page for `status` (with our own `detail` if given).

    htmx swaps every 4xx answer (base.html's `responseHandling`), so a form that is shown again
    with its errors, at 404/409/422, appears where it was sent. An error page is not such an
    answer: to an htmx request other than a boosted link it says its message in an error toast
    (`HX-Trigger: toast-error`), swaps nothing (`HX-Reswap: none`) and leaves the address as it
    was (`HX-Push-Url: false`), so what the user typed stays on the page. A boosted link (a GET
    navigation) gets the whole error page for a 4xx, as without JavaScript; 5xx answers are not
    swapped and also come as a toast.
    """
    messages = _messages()
    title, text = messages.get(status, messages[400] if status < 500 else messages[500])
    if detail:
        text = detail
    fragment = wants_fragment()
    template = "errors/_partials/error.html" if fragment else "errors/error.html"
    response = render_template(template, status=status, title=title, text=text)
    headers = {}
    htmx = bool(request.headers.get("HX-Request"))
    if htmx and (fragment or request.method != "GET" or status >= 500):
        headers.update(json_toast(title, text))
    return response, status, headers


def json_toast(title: str, text: str) -> dict[str, str]:
    """The htmx headers of an error said in a toast, swapping nothing and keeping the address.
    json.dumps escapes to ASCII: header values must be latin-1 on the wire."""
    return {
        "HX-Trigger": json.dumps({"toast-error": f"{title}：{text}"}),
        "HX-Reswap": "none",
        "HX-Push-Url": "false",
    }


def register(app: Flask) -> None:
    app.wsgi_app = RetryLostDatabase(app.wsgi_app)

    @app.errorhandler(DBAPIError)
    def database_lost(e: DBAPIError):
        """The database did not answer or dropped the connection (restarted, a connection
        killed, a lock waited out): a Chinese 503, never a 500; the transaction is rolled back,
        so nothing is half-written. A GET is run once more by RetryLostDatabase. Any other
        database error is a 500 as before."""
        from gridapp.extensions import db

        try:
            db.session.rollback()
        except DBAPIError:  # the connection is gone: the pool lets it go
            with contextlib.suppress(DBAPIError):
                db.session().invalidate()
        if not (isinstance(e, OperationalError) or e.connection_invalidated):
            app.logger.error("database error on %s %s", request.method, request.path, exc_info=e)
            return error_page(500)
        app.logger.warning(
            "database unavailable on %s %s: %s", request.method, request.path, e.orig
        )
        title, text = _("服务暂不可用"), _("数据库暂时无法连接，您的操作没有保存。请稍后再试。")
        headers = {"Retry-After": "5", RETRY_HEADER: "1"}
        if request.headers.get("HX-Request"):
            headers.update(json_toast(title, text))
        # Rendered without the context processors: they would load the signed-in user from the
        # database that just failed (and the error page would fail in turn, a bare 500).
        page = app.jinja_env.get_template("errors/unavailable.html").render(
            title=title, text=text, brand=_("家校协同育人平台"), again=_("重试"),
            again_url=request.full_path if request.method == "GET" else "/",
        )  # fmt: skip
        return page, 503, headers

    @app.teardown_appcontext
    def drop_a_lost_connection(exc):
        """Runs before Flask-SQLAlchemy's own teardown (registered after it): a session whose
        connection was lost cannot roll back, and its error there would end the request in a
        bare 500 after the answer was made. Invalidated instead; the pool opens a new one."""
        from gridapp.extensions import db

        try:
            db.session.remove()
        except DBAPIError:
            with contextlib.suppress(DBAPIError):
                db.session().invalidate()
            with contextlib.suppress(DBAPIError):
                db.session.remove()

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_page(400, _("表单已过期或来源无法验证，请返回上一页刷新后重新提交。"))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code in (301, 302, 303, 307, 308) or e.code is None:
            return e
        if e.code >= 500 and getattr(e, "original_exception", None) is not None:
            app.logger.error(
                "unhandled error on %s %s",
                request.method,
                request.path,
                exc_info=e.original_exception,
            )
        detail = e.description if getattr(e, "_gridapp_detail", False) else None
        return error_page(e.code, detail)

    @app.errorhandler(IllegalTransition)
    def conflict(e):
        return error_page(409, str(e) or None)

    @app.errorhandler(IntegrityError)
    def concurrent_change(e):
        """Two people changed the same thing at once and the database refused the second: a
        409 with a Chinese message, never a 500 (the first change stands, nothing half-saved)."""
        from gridapp.extensions import db

        db.session.rollback()
        app.logger.warning("integrity error on %s %s: %s", request.method, request.path, e.orig)
        return error_page(409, _("这条信息刚刚被其他人修改过，请刷新页面后再试。"))


RETRY_HEADER = "X-GridApp-Retry"


class RetryLostDatabase:
    """WSGI middleware: a GET or HEAD whose database connection was lost under it (answered 503
    by `database_lost`, which marks the answer with RETRY_HEADER) is run once more, on a fresh
    connection (the pool has dropped the lost one). A POST is never run again: its 503 tells the
    user that nothing was saved (the transaction was rolled back). Issue 20 item 1."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self._strip(self.wsgi_app, environ, start_response)
        seen: dict = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None  # Flask never writes through it

        body = self.wsgi_app(environ, capture)
        if seen["status"].startswith("503") and any(k == RETRY_HEADER for k, _v in seen["headers"]):
            if hasattr(body, "close"):
                body.close()
            return self._strip(self.wsgi_app, environ, start_response)
        start_response(seen["status"], _without_marker(seen["headers"]), seen["exc_info"])
        return body

    @staticmethod
    def _strip(wsgi_app, environ, start_response):
        def strip(status, headers, exc_info=None):
            return start_response(status, _without_marker(headers), exc_info)

        return wsgi_app(environ, strip)


def _without_marker(headers):
    return [(k, v) for k, v in headers if k != RETRY_HEADER]


def abort_with(status: int, message: str):
    """Abort with a Chinese message of our own shown on the error page."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[status](description=message)
    exc._gridapp_detail = True
    raise exc
