"""The closed loop's periodic work: letters left without a case, reminders and escalation."""

from __future__ import annotations

from huey import crontab

from gridapp.core.tasks import periodic


@periodic(crontab(minute="*/15"))
def check_cases() -> dict:
    """Every quarter of an hour: open a case for any letter left without one (the letter was
    stored first), remind one working day before a deadline, escalate overdue cases, and send
    the in-app reminders of tomorrow's reception days (each once)."""
    from gridapp.cases import mailbox, services
    from gridapp.core.time import today
    from gridapp.reception import services as reception

    opened = mailbox.open_missing_cases()
    counts = services.check_deadlines()
    from gridapp.people import exports

    reminded = reception.remind_tomorrow(today())
    removed = exports.remove_expired()
    return {
        "letters": opened, **counts, "reception_reminders": reminded, "exports_removed": removed,
    }  # fmt: skip
