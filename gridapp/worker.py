"""Entry point of the Huey consumer: `huey_consumer gridapp.worker.huey`. Importing each package's
tasks module registers its periodic task."""

from gridapp.app import create_app
from gridapp.cases import tasks as case_tasks  # noqa: F401
from gridapp.core import outbox, tasks  # noqa: F401  (outbox: its periodic retries)
from gridapp.dossiers import tasks as dossier_tasks  # noqa: F401
from gridapp.extensions import huey
from gridapp.reception import tasks as reception_tasks  # noqa: F401
from gridapp.reports import tasks as report_tasks  # noqa: F401

app = create_app()
tasks.bind_app(app)

__all__ = ["huey", "app"]
