"""Dossier jobs give one result however often and by however many consumers they run (issue
22, item 2): a job queued twice is made once; expired files are removed (and counted) once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gridapp.core.audit import AuditEntry
from gridapp.core.time import now
from gridapp.dossiers import exports
from gridapp.extensions import db

from ..concurrency import race

pytestmark = pytest.mark.commits


def test_a_job_run_by_two_consumers_at_once_is_made_once(app, world):
    results = race(app, lambda: exports.make.call_local(world.dossier_job),
                   lambda: exports.make.call_local(world.dossier_job))  # fmt: skip
    assert results == [None, None]
    with app.app_context():
        job = db.session.get(exports.DossierJob, world.dossier_job)
        assert job.status == "done" and job.done == 1
        assert (
            db.session.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.action == "student.dossier.export"
                )
            )
            == 1
        )
        job.expires_at = now()
        db.session.commit()
    removed = race(app, exports.remove_expired, exports.remove_expired)
    assert sorted(removed) == [0, 1]
