"""The dossiers' periodic work: exported files are deleted after 24 hours (the dossier exports
and, by the same clean-up, a class's activation letters: people/letters.py)."""

from __future__ import annotations

from huey import crontab

from gridapp.core.tasks import periodic


@periodic(crontab(minute="*/15"))
def remove_expired_dossiers() -> int:
    """Every quarter of an hour: delete the expired export files (dossiers, activation letters);
    returns how many."""
    from gridapp.dossiers import exports
    from gridapp.people import letters

    return exports.remove_expired() + letters.remove_expired()
