"""What ``/readyz`` reports of the job engine: a read-only look at ``leveattest_jobs``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leveattest.jobs.models import Job


@dataclass(frozen=True)
class JobsHealth:
    queued: int
    running: int
    oldest_queued_age_seconds: float | None  # None when nothing is queued
    # running jobs whose lease is no longer renewed: their worker died (taken over soon)
    stalled: int = 0

    def to_json(self) -> dict[str, int | float | None]:
        return {
            "queued": self.queued,
            "running": self.running,
            "stalled": self.stalled,
            "oldest_queued_age_seconds": self.oldest_queued_age_seconds,
        }


def jobs_health(db: Session, now: datetime) -> JobsHealth:
    """Queued and running jobs, and how long the oldest queued one has waited."""
    counts = dict(
        db.execute(
            select(Job.status, func.count())
            .where(Job.status.in_(("queued", "running")))
            .group_by(Job.status)
        ).all()
    )
    oldest = db.scalar(select(func.min(Job.created_at)).where(Job.status == "queued"))
    age = None if oldest is None else round(max((now - oldest).total_seconds(), 0.0), 1)
    stalled = db.scalar(select(func.count()).where(Job.status == "running", Job.lease_until < now))
    return JobsHealth(
        int(counts.get("queued", 0)), int(counts.get("running", 0)), age, int(stalled or 0)
    )
