"""Background work with Huey: tasks run inside an application context of the right app."""

from __future__ import annotations

import functools

from flask import Flask, current_app, has_app_context

from gridapp.extensions import huey

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """The web process binds its app; the consumer binds one on import of gridapp.worker."""
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
            app = _app or _create_app()
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

            app = _app or _create_app()
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


def _create_app() -> Flask:
    from gridapp.app import create_app

    app = create_app()
    bind_app(app)
    return app


@task()
def ping(message: str = "pong") -> str:
    """A no-op used by /healthz?worker=1 and the tests to see that tasks run."""
    _ = current_app.name
    return message
