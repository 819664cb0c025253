"""Background work with Huey: tasks run inside an application context of the right app."""

from __future__ import annotations

import functools
import logging
import sqlite3
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, has_app_context
from huey import crontab
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from gridapp.core.models import UTCDateTime
from gridapp.core.time import now
from gridapp.extensions import db, huey

log = logging.getLogger(__name__)

_app: Flask | None = None


def bind_app(app: Flask) -> None:
    """create_app binds each app it makes; the consumer binds its own on import of
    gridapp.worker. Tasks started outside an app context run in the app bound last."""
    global _app
    _app = app


def _queue_errors() -> tuple[type[BaseException], ...]:
    """What the queue's storage raises when it cannot be reached: Redis down or not answering,
    the SQLite queue file locked or unwritable."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


QUEUE_ERRORS = _queue_errors()


class Enqueue:
    """A Huey task whose call (putting it in the queue) never fails the request that makes it:
    when the queue cannot be reached (Redis down, issue 20 item 1) the call logs a warning and
    returns None. What the task was for stays in the database and is done later: a job row
    stays "queued" and `requeue_waiting_jobs` queues it again once the queue answers; the
    outbox's periodic sender picks up its messages; a snapshot is computed by the periodic
    refresh. Everything else (`call_local`, `s`, the task's name) is the Huey task's own."""

    def __init__(self, wrapper) -> None:
        self._wrapper = wrapper
        functools.update_wrapper(self, wrapper.func)

    def __call__(self, *args, **kwargs):
        try:
            result = self._wrapper(*args, **kwargs)
        except QUEUE_ERRORS as error:
            log.warning(
                "queue unreachable: %s%r not queued (%s); it is done once the queue answers",
                self._wrapper.name, args, error,
            )  # fmt: skip
            return None
        return result

    def __getattr__(self, name: str):
        return getattr(self._wrapper, name)


def task(*task_args, **task_kwargs):
    """Like huey.task, but the function runs in an app context and commits once at its end, and
    calling it never fails when the queue cannot be reached (`Enqueue`)."""

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

        return Enqueue(huey.task(*task_args, **task_kwargs)(run))

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


# Job models and their task, queued again when they wait too long (`requeue_waiting_jobs`).
_JOBS: list[tuple[type, Enqueue]] = []
WAITING = timedelta(minutes=2)


def requeue_when_waiting(model, job_task: Enqueue) -> None:
    """Register a job model (with `id`, `status` and `created_at`) and the task that runs one
    job by its id: a job still "queued" `WAITING` after it was created is queued again by the
    periodic `requeue_waiting_jobs` (its queueing failed, or the queue lost it). The task must
    claim the job (`claim_job`), so a job queued twice runs once."""
    _JOBS.append((model, job_task))


def requeue_jobs(older_than: timedelta = WAITING) -> int:
    """Queue again every registered job that has waited in "queued" for longer than
    `older_than`; returns how many were queued."""
    from sqlalchemy import select

    count = 0
    before = now() - older_than
    for model, job_task in _JOBS:
        waiting = select(model.id).where(model.status == "queued", model.created_at < before)
        for job_id in db.session.scalars(waiting).all():
            job_task(job_id)
            count += 1
    return count


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


@periodic(crontab(minute="*"), every=timedelta(minutes=1))
def requeue_waiting_jobs() -> int:
    """Every minute: jobs that have waited in "queued" for two minutes are queued again (their
    queueing failed while the queue was down, issue 20 item 1). Returns how many."""
    return requeue_jobs()
