"""Entry point of the Huey consumer: `huey_consumer gridapp.worker.huey`."""

from gridapp.app import create_app
from gridapp.cases import tasks as case_tasks  # noqa: F401  (registers the periodic task)
from gridapp.core import tasks
from gridapp.extensions import huey

app = create_app()
tasks.bind_app(app)

__all__ = ["huey", "app"]
