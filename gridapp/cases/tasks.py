"""The closed loop's periodic work: letters left without a case, reminders and escalation."""

from __future__ import annotations

from huey import crontab

from gridapp.core.tasks import periodic


@periodic(crontab(minute="*/15"))
def check_cases() -> dict:
    """Every quarter of an hour: open a case for any letter left without one (the letter was
    stored first), remind one working day before a deadline, and escalate overdue cases."""
    from gridapp.cases import mailbox, services

    opened = mailbox.open_missing_cases()
    counts = services.check_deadlines()
    return {"letters": opened, **counts}
