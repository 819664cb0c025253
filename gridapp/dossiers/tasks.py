"""The dossiers' periodic work: exported files are deleted after 24 hours."""

from __future__ import annotations

from huey import crontab

from gridapp.core.tasks import periodic


@periodic(crontab(minute="*/15"))
def remove_expired_dossiers() -> int:
    """Every quarter of an hour: delete the expired export files; returns how many."""
    from gridapp.dossiers import exports

    return exports.remove_expired()
