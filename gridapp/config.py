"""Configuration from the environment, with embedded defaults that need nothing else installed."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("GRIDAPP_INSTANCE", ROOT / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into instance/ (never committed)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'gridapp.db'}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = None  # filled lazily in create_app so tests need no instance/ folder
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    MAX_CONTENT_LENGTH = 32 * 1024 * 1024  # the largest legitimate upload is a few photos
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a teacher may leave a visit form open for a school day
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A signed-in browser left idle this long is signed out (accounts.services, issue 20 item 2).
    SESSION_IDLE_MINUTES = int(os.environ.get("GRIDAPP_SESSION_IDLE_MINUTES") or 120)
    # The dashboards' cases, pairing and reception figures are reused this many seconds (at
    # most 60) per process: reports.activity.school_activity.
    DASHBOARD_ACTIVITY_MAX_AGE = 60
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    RATELIMIT_STORAGE_URI = None  # set from REDIS_URL in create_app
    # GRIDAPP_REDIS_PREFIX names the app's Redis keys (the rate limits here, Huey's queue in
    # extensions.py) so that two installations or test topologies can share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("GRIDAPP_REDIS_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down or not answering (issue 20 item 1): the limits are counted in this process's
    # memory meanwhile (Flask-Limiter logs the switch, and switches back when Redis answers),
    # and a storage error never fails the request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT = "10 per minute"
    MAILBOX_RATE_LIMIT = "5 per hour"  # letters per IP
    TRACK_RATE_LIMIT = "30 per hour"  # tracking-code lookups per IP (guessing)
    RECEPTION_GUEST_RATE_LIMIT = "30 per hour"  # booking attempts without an account, per IP
    PARENT_SCHOOL_CODE_RATE_LIMIT = "20 per hour"  # sign-in codes tried, per IP and per account
    # How old the kept coverage totals of a school may be when a page reads many schools
    # (reports.snapshots; the background task refreshes them every three minutes), seconds.
    FIGURES_MAX_AGE = 300

    # werkzeug's method name; verification reads the method from each stored hash.
    PASSWORD_HASH_METHOD = "scrypt"
    INVITATION_DAYS = 7
    # Parents' activation codes (people/activation.py): days a letter's code stays valid, and
    # tries of the /activate form per IP and per code (guessing the phone's last four digits).
    ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
    ACTIVATION_RATE_LIMIT = "30 per hour"
    ACTIVATION_CODE_RATE_LIMIT = "5 per hour"
    # The outbox's adapters (core/outbox.py): None = the development sink, or "not configured"
    # in production; "" or "off" = not configured.
    MAIL_URL = os.environ.get("MAIL_URL")
    SMS_URL = os.environ.get("SMS_URL")
    MAIL_FROM = os.environ.get("MAIL_FROM") or None
    OUTBOX_MAX_ATTEMPTS = 6
    PAGE_SIZE = 20
    HUEY_IMMEDIATE = False
    TESTING = False
    # Behind a reverse proxy that sets X-Forwarded-For / -Proto (README, production).
    PROXY_FIX = os.environ.get("GRIDAPP_PROXY_FIX", "").lower() in ("1", "true")


class TestConfig(Config):
    TESTING = True
    HUEY_IMMEDIATE = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key"
    # Tests move the clock by days to make deadlines pass: a browser is not idle for that
    # (tests/accounts/test_sessions.py sets its own).
    SESSION_IDLE_MINUTES = 10 * 365 * 24 * 60
    DASHBOARD_ACTIVITY_MAX_AGE = 0  # every test reads the dashboards' live figures
    RATELIMIT_STORAGE_URI = "memory://"
    # One PBKDF2 round: 78 ms of scrypt per login or password change is the suite's time, not
    # what it tests (tests/accounts/test_password_hashing.py checks production's method).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


def finish(config: dict) -> None:
    """Fill what depends on the environment at start-up rather than at import."""
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key()
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        opts = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.setdefault("connect_args", {"timeout": 30})
        config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    else:
        opts = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.setdefault("pool_pre_ping", True)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        # A Redis that does not answer costs a request at most these seconds, not a hang.
        options = {"socket_connect_timeout": 1, "socket_timeout": 1}
        config["RATELIMIT_STORAGE_OPTIONS"] = options | dict(
            config.get("RATELIMIT_STORAGE_OPTIONS") or {}
        )
