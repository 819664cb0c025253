"""Flask extensions, created here and initialised in create_app."""

import os

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from huey import RedisHuey, SqliteHuey

from gridapp.config import INSTANCE
from gridapp.core.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
limiter = Limiter(key_func=lambda: client_ip(), default_limits=[])


def _make_huey():
    """Huey's storage is chosen at import, since tasks register on it: Redis when REDIS_URL is set,
    its keys named after GRIDAPP_REDIS_PREFIX (default "gridapp": Huey cleans it to [a-z0-9])."""
    if os.environ.get("GRIDAPP_HUEY_IMMEDIATE"):
        return SqliteHuey("gridapp", immediate=True, filename=":memory:")
    if url := os.environ.get("REDIS_URL"):
        from redis import ConnectionPool

        # A Redis that does not answer costs the request that queues a task at most a second
        # or two (core.tasks.Enqueue then leaves the work for later); the consumer's blocking
        # read waits 1 s, under the socket timeout.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        return RedisHuey(os.environ.get("GRIDAPP_REDIS_PREFIX") or "gridapp", connection_pool=pool)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("gridapp", filename=str(INSTANCE / "huey.db"))


huey = _make_huey()


def client_ip() -> str:
    """The client's address, the same for the audit log and the rate limits: the connection's
    peer, which Werkzeug's ProxyFix replaces with nginx's X-Forwarded-For only when the proxy is
    configured as trusted (GRIDAPP_PROXY_FIX=true, app.py). A header the client writes itself
    (X-Real-IP, X-Forwarded-For without the setting) is never taken (issue 20 item 4)."""
    return get_remote_address() or "-"


def posted_field(name: str) -> str:
    """The posted form's field `name` ("" when absent), for a rate limit's key function. A body
    that cannot be read (over MAX_CONTENT_LENGTH: 413; a malformed one) gives "" here, and the
    view answers it as it does: a key function that raised would make Flask-Limiter take its
    storage for unreachable and count every limit in this process's memory (its fallback) for a
    while, apart from the other servers (found by an oversized sign-in)."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    try:
        return request.form.get(name) or ""
    except HTTPException:
        return ""
