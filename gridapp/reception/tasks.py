"""Reception's periodic work: the in-app reminders of tomorrow's reception days."""

from __future__ import annotations

from huey import crontab

from gridapp.core.tasks import periodic


@periodic(crontab(minute="*/15"))
def remind_reception() -> int:
    """Every quarter of an hour: remind parents and hosts of tomorrow's bookings (each once)."""
    from gridapp.core.time import today
    from gridapp.reception import services

    return services.remind_tomorrow(today())
