"""Entry point of the Huey consumer: `huey_consumer gridapp.worker.huey`."""

from gridapp.app import create_app
from gridapp.core import tasks
from gridapp.extensions import huey

app = create_app()
tasks.bind_app(app)

__all__ = ["huey", "app"]
