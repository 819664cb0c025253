"""The application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from werkzeug.routing import IntegerConverter

from gridapp import config as config_module


class GridApp(Flask):
    from gridapp.core.templating import LocalizedEnvironment as jinja_environment


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    app = GridApp(
        __name__.split(".")[0],
        template_folder=str(config_module.ROOT / "templates"),
        static_folder=str(config_module.ROOT / "static"),
        instance_path=str(config_module.INSTANCE),
    )
    app.config.from_object(config_module.Config)
    if isinstance(config, type):
        app.config.from_object(config)
    elif config:
        app.config.update(config)
    config_module.finish(app.config)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from gridapp.core.sessions import SessionInterface

    app.session_interface = SessionInterface()
    # Every <int:...> of a URL is an id or a small number: one past what the database stores
    # is no route at all (404), never an overflow in a query (a security review found two).
    app.url_map.converters["int"] = IdConverter
    _init_extensions(app)
    _register_permissions()
    _register_blueprints(app)
    _limit_only_where_declared(app)
    _register_template_helpers(app)
    _register_security_headers(app)

    from gridapp import cli
    from gridapp.core import errors

    errors.register(app)
    cli.register(app)
    return app


class IdConverter(IntegerConverter):
    """werkzeug's int converter bounded to 0..2**31 - 1 (the ids' column type)."""

    def __init__(self, map, fixed_digits=0, min=0, max=2**31 - 1, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _init_extensions(app: Flask) -> None:
    from gridapp.extensions import babel, csrf, db, htmx, huey, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(config_module.ROOT / "gridapp" / "translations"),
    )
    huey.immediate = bool(app.config["HUEY_IMMEDIATE"])
    from gridapp.core import tasks

    tasks.bind_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None  # the login page says why on its own
    login_manager.session_protection = "basic"

    from gridapp.accounts.services import load_user_for_session

    login_manager.user_loader(load_user_for_session)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "savepoint")
        def _begin_before_savepoint(conn, _name):
            # Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE; a
            # SAVEPOINT outside one starts its own, which RELEASE then commits, so a request
            # that failed later kept what its savepoint wrote. Open the transaction first, for
            # writing (the savepoint is there to write; busy_timeout waits for the lock).
            raw = conn.connection.dbapi_connection
            if not raw.in_transaction:
                raw.execute("BEGIN IMMEDIATE")


def _limit_only_where_declared(app: Flask) -> None:
    """Limits live only on the views that declare them (login, mailbox, tracking, guest booking),
    whose decorators check them. Flask-Limiter's request-wide check looks for default,
    application and blueprint limits, of which there are none, on every request (about 4 % of
    the class page's CPU: README, "Private-API layers"), so it is left out. Its after-request
    hook stays: it applies the mailbox's `deduct_when`. Declaring a limit of those kinds later
    must put the check back. Private to Flask-Limiter (capped below 4.2 for them):
    `Limiter._check_request_limit` and `LimitManager._blueprint_limits`; a release that renames
    them fails here at start-up and in tests/core/test_limiter_hook.py."""
    from gridapp.extensions import limiter

    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits or manager._blueprint_limits:
        raise RuntimeError("default, application or blueprint rate limits need the limiter's hook")
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _select_locale() -> str:
    from gridapp.core.i18n import current_lang

    return current_lang()


def _register_permissions() -> None:
    """Each domain registers the permission policies of its models (and what it preloads with
    the signed-in user) in its own permissions module; core/permissions.py only decides by them."""
    from gridapp.cases import permissions as cases  # noqa: F401
    from gridapp.contacts import permissions as contacts  # noqa: F401
    from gridapp.grids import permissions as grids  # noqa: F401
    from gridapp.obligations import permissions as obligations  # noqa: F401
    from gridapp.pairing import permissions as pairing  # noqa: F401
    from gridapp.pairing import reminders as pairing_reminders  # noqa: F401  (worklist section)
    from gridapp.parent_school import permissions as parent_school  # noqa: F401
    from gridapp.people import permissions as people  # noqa: F401
    from gridapp.reception import permissions as reception  # noqa: F401
    from gridapp.schedules import notes as schedule_notes  # noqa: F401  (worklist notes)
    from gridapp.schedules import permissions as schedules  # noqa: F401
    from gridapp.schools import permissions as schools  # noqa: F401
    from gridapp.surveys import permissions as surveys  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from gridapp.accounts.views import bp as accounts_bp
    from gridapp.archives.views import bp as archives_bp
    from gridapp.cases import (
        contact_views,  # noqa: F401  (routes on the cases blueprint; the contact page's section)
        desk_views,  # noqa: F401  (routes on the cases blueprint)
        settings_views,  # noqa: F401  (routes on the cases blueprint)
    )
    from gridapp.cases.mailbox_views import bp as mailbox_bp
    from gridapp.cases.views import bp as cases_bp
    from gridapp.contacts import list_views, review_views  # noqa: F401  (routes on the contacts blueprint)
    from gridapp.contacts.views import bp as contacts_bp
    from gridapp.core.views import bp as core_bp
    from gridapp.dossiers.views import bp as dossiers_bp
    from gridapp.grids import (
        activity_views,  # noqa: F401  (routes on the grids blueprint)
        division_views,  # noqa: F401  (routes on the grids blueprint)
    )
    from gridapp.grids.views import bp as grids_bp
    from gridapp.obligations.views import bp as obligations_bp
    from gridapp.pairing import (
        detail_views,  # noqa: F401  (routes on the pairing blueprint)
        my_views,  # noqa: F401  (routes on the pairing blueprint)
        need_views,  # noqa: F401  (routes on the pairing blueprint)
        plan_views,  # noqa: F401  (routes on the pairing blueprint)
        school_views,  # noqa: F401  (routes on the pairing blueprint)
    )
    from gridapp.pairing.views import bp as pairing_bp
    from gridapp.parent_school import course_views  # noqa: F401  (routes on its blueprint)
    from gridapp.parent_school.views import bp as parent_school_bp
    from gridapp.people import (
        focus_views,  # noqa: F401  (routes on the people blueprint)
        guardian_views,  # noqa: F401  (routes on the people blueprint)
        status_views,  # noqa: F401  (routes on the people blueprint)
        student_views,  # noqa: F401  (routes on the people blueprint)
    )
    from gridapp.people.account_views import admin_bp as accounts_admin_bp
    from gridapp.people.activation_views import bp as activation_bp
    from gridapp.people.class_views import bp as classes_bp
    from gridapp.people.views import bp as people_bp
    from gridapp.reception import host_views  # noqa: F401  (routes on the reception blueprint)
    from gridapp.reception.views import bp as reception_bp
    from gridapp.reports.views import bp as reports_bp
    from gridapp.reviews.views import bp as reviews_bp
    from gridapp.roster import (
        export_views,  # noqa: F401  (routes on the roster blueprint)
        import_views,  # noqa: F401  (routes on the roster blueprint)
        rollover_views,  # noqa: F401  (routes on the roster blueprint)
        staff_views,  # noqa: F401  (routes on the roster blueprint)
    )
    from gridapp.roster.views import bp as roster_bp
    from gridapp.schedules import trip_views  # noqa: F401  (routes on the schedules blueprint)
    from gridapp.schedules.views import bp as schedules_bp
    from gridapp.schools.views import bp as schools_bp
    from gridapp.surveys import leader_views  # noqa: F401  (routes on the surveys blueprint)
    from gridapp.surveys.views import bp as surveys_bp

    for bp in (
        core_bp,
        accounts_bp,
        accounts_admin_bp,
        schools_bp,
        people_bp,
        classes_bp,
        activation_bp,
        contacts_bp,
        grids_bp,
        cases_bp,
        mailbox_bp,
        reception_bp,
        reviews_bp,
        roster_bp,
        pairing_bp,
        surveys_bp,
        obligations_bp,
        parent_school_bp,
        schedules_bp,
        archives_bp,
        dossiers_bp,
        reports_bp,
    ):
        app.register_blueprint(bp)


def _register_template_helpers(app: Flask) -> None:

    from gridapp.core import time as gtime
    from gridapp.core.forms import mask_id_number, mask_phone
    from gridapp.nav import navigation

    app.jinja_env.filters["datetime"] = gtime.format_datetime
    app.jinja_env.filters["date"] = gtime.format_date
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from gridapp.core import i18n
    from gridapp.core.urls import cached_url, layout_urls, static_url, url_with

    # Templates use the fast-path gettext too (newstyle: autoescaping and %(name)s variables).
    app.jinja_env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    app.jinja_env.globals["_"] = i18n.template_gettext
    app.jinja_env.globals.update(
        nav_items=navigation,
        current_locale=i18n.current_lang,
        languages=app.config["LANGUAGES"],
        url_with=url_with,
        cached_url=cached_url,
        static_url=static_url,
        layout_urls=layout_urls,
    )


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:  # over HTTPS (behind nginx: X-Forwarded-Proto with the proxy fix)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        response.vary.add("HX-Request")
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        if getattr(g, "_permission_cache", None) is not None:
            g._permission_cache.clear()
        return response
