"""Background work with Huey: tasks run inside an application context of the right app."""

from __future__ import annotations

import functools

from flask import Flask, current_app, has_app_context

from gridapp.extensions import huey

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """create_app binds each app it makes; the consumer binds its own on import of
    gridapp.worker. Tasks started outside an app context run in the app bound last."""
    global _app
    _app = app


def task(*task_args, **task_kwargs):
    """Like huey.task, but the function runs in an app context and commits once at its end."""

    def decorator(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            from gridapp.extensions import db

            if has_app_context():
                return fn(*args, **kwargs)
            app = _bound_app()
            with app.app_context():
                try:
                    result = fn(*args, **kwargs)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise

        return huey.task(*task_args, **task_kwargs)(run)

    return decorator


def periodic(schedule):
    """Like huey.periodic_task, with the same app context and single commit as `task`."""

    def decorator(fn):
        @functools.wraps(fn)
        def run():
            from gridapp.extensions import db

            app = _bound_app()
            with app.app_context():
                try:
                    result = fn()
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise

        return huey.periodic_task(schedule)(run)

    return decorator


def _bound_app() -> Flask:
    """The bound app; core never builds one (the app imports core, not the other way round)."""
    if _app is None:
        raise RuntimeError("no app bound: create_app() or gridapp.worker binds one")
    return _app


@task()
def ping(message: str = "pong") -> str:
    """A no-op used by /healthz?worker=1 and the tests to see that tasks run."""
    _ = current_app.name
    return message
