"""Background work with Huey: tasks run inside an application context of the right app."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.models import UTCDateTime
from gridapp.core.time import now
from gridapp.extensions import db, huey

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


class PeriodicRun(db.Model):
    """One run of a periodic task for one period (the quarter of an hour it was scheduled in).
    Every Huey consumer schedules the periodic tasks; the unique key lets one of them run each
    period and the others find it taken. Written in the run's own transaction: a run that fails
    leaves no row, so the next consumer (or the next period) does the work."""

    __tablename__ = "periodic_runs"
    __table_args__ = (UniqueConstraint("task", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    period: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)


def claim_job(model, job_id: int):
    """Take a queued background job for this run: a conditional UPDATE of its status from
    "queued" to "running", committed at once so that a second consumer (a retry, another worker)
    finds it taken. Returns the job row, or None when it was already claimed or is gone.
    `model` is a job model with `id` and `status` columns (dossier exports, class letters,
    roster imports)."""
    from sqlalchemy import update

    started = db.session.execute(
        update(model)
        .where(model.id == job_id, model.status == "queued")
        .values(status="running")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return db.session.get(model, job_id) if started == 1 else None


def remove_expired_files(model, folder) -> int:
    """Delete the files of `model`'s jobs whose `expires_at` has passed (`folder`: a Path holding
    them) and return how many this run removed. Each job's file is let go by a conditional UPDATE
    (`file = <its name>`), so two runs at once remove (and count) each file once. `model` has
    `id`, `file` and `expires_at` columns (dossier exports, class letters)."""
    from sqlalchemy import select, update

    count = 0
    expired = select(model).where(model.expires_at < now(), model.file != "")
    for job in db.session.scalars(expired).all():
        name = job.file
        gone = db.session.execute(
            update(model)
            .where(model.id == job.id, model.file == name)
            .values(file="")
            .execution_options(synchronize_session=False)
        ).rowcount
        if gone != 1:
            continue
        (folder / name).unlink(missing_ok=True)
        count += 1
    return count


def period_start(at: datetime, every: timedelta) -> datetime:
    """The start (UTC) of the period of length `every` that holds the instant `at`."""
    step = int(every.total_seconds())
    seconds = int(at.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, UTC)


def claim_period(task: str, every: timedelta) -> bool:
    """Take this period's run of `task` in the current transaction; False when another consumer
    has taken it (committed, or still running: the insert waits for it on PostgreSQL and for
    the write lock on SQLite)."""
    at = now()
    try:
        with db.session.begin_nested():
            db.session.add(PeriodicRun(task=task, period=period_start(at, every), started_at=at))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def periodic(schedule, every: timedelta = timedelta(minutes=15)):
    """Like huey.periodic_task, with the same app context and single commit as `task`, run once
    per period of length `every` (the schedule's interval) however many consumers schedule it:
    a consumer that finds the period taken returns None and does nothing. The work itself must
    also give the same result when run again (see each package's tasks.py)."""

    def decorator(fn):
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def run():
            app = _bound_app()
            with app.app_context():
                try:
                    if not claim_period(name, every):
                        db.session.rollback()
                        return None
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
