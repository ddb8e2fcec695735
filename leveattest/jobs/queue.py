"""The analysis queue: one job per session attempt, in the same database as the sessions.

A job is enqueued in the submitting request's transaction (so a session is never
"received" without its job, nor the other way round); the unique constraint on
``(kind, session_id, attempt)`` makes concurrent submits produce exactly one job.

Workers *lease* a job: ``claim`` marks it running with a random lease token and a
``lease_until``; the worker's heartbeat renews the lease while it analyses
(:func:`renew_lease`), so a job whose worker died is claimable again within one lease
(seconds, not minutes). A worker writes its results only while its lease token is still
the job's (:func:`lock_lease`), so a job that was taken over is completed exactly once.
On PostgreSQL claiming uses ``FOR UPDATE SKIP LOCKED`` (workers on many machines);
on SQLite ``BEGIN IMMEDIATE`` serialises the claim.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.jobs.models import Job
from leveattest.sessions.errors import JobLeaseLostError

ANALYSE = "analyse"


@dataclass(frozen=True)
class ClaimedJob:
    job_id: int
    session_id: str
    attempt: int
    lease_token: str
    tries: int


def enqueue_analysis(db: Session, clock: Clock, session_id: str, attempt: int) -> Job:
    now = clock.now()
    job = Job(
        kind=ANALYSE,
        session_id=session_id,
        attempt=attempt,
        status="queued",
        created_at=now,
        run_after=now,
        tries=0,
    )
    db.add(job)
    db.flush()
    return job


def claim(
    db: Session,
    clock: Clock,
    lease_seconds: float,
    *,
    session_id: str | None = None,
    attempt: int | None = None,
) -> ClaimedJob | None:
    """Lease the oldest runnable job (queued, or running with an expired lease).

    With ``session_id`` and ``attempt`` (the procrastinate task), only that job, whatever
    its ``run_after`` (procrastinate decides when a retry runs).
    """
    now = clock.now()
    runnable = or_(Job.status == "queued", and_(Job.status == "running", Job.lease_until < now))
    query = select(Job).where(runnable).order_by(Job.id).limit(1)
    if session_id is None:
        query = query.where(Job.run_after <= now)
    else:
        query = query.where(Job.session_id == session_id, Job.attempt == attempt)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = db.scalars(query).first()
    if job is None:
        return None
    job.status = "running"
    job.lease_token = secrets.token_hex(16)
    job.lease_until = now + timedelta(seconds=lease_seconds)
    job.tries += 1
    db.flush()
    return ClaimedJob(job.id, job.session_id, job.attempt, job.lease_token, job.tries)


def renew_lease(db: Session, clock: Clock, claimed: ClaimedJob, lease_seconds: float) -> bool:
    """Extend the lease while this worker still holds it (the heartbeat); False if lost."""
    renewed = db.execute(
        update(Job)
        .where(
            Job.id == claimed.job_id,
            Job.status == "running",
            Job.lease_token == claimed.lease_token,
        )
        .values(lease_until=clock.now() + timedelta(seconds=lease_seconds))
    )
    return bool(getattr(renewed, "rowcount", 0))


def attempt_job(db: Session, session_id: str, attempt: int) -> Job | None:
    """The ledger row of one session attempt, if any."""
    return db.scalars(
        select(Job).where(Job.kind == ANALYSE, Job.session_id == session_id, Job.attempt == attempt)
    ).one_or_none()


def lock_lease(db: Session, claimed: ClaimedJob) -> Job:
    """The job row, locked, if this worker still holds the lease; else ``JobLeaseLostError``."""
    query = select(Job).where(Job.id == claimed.job_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    job = db.scalars(query).one_or_none()
    if job is None or job.status != "running" or job.lease_token != claimed.lease_token:
        raise JobLeaseLostError(job_id=claimed.job_id)
    return job


def finish(job: Job, clock: Clock, status: str = "done", error: str | None = None) -> None:
    job.status, job.finished_at, job.lease_token, job.last_error = (
        status,
        clock.now(),
        None,
        error,
    )


def retry_later(job: Job, clock: Clock, error: str, delay_seconds: int) -> None:
    """Give the lease back; the job runs again after ``delay_seconds``."""
    job.status, job.lease_token, job.lease_until, job.last_error = "queued", None, None, error
    job.run_after = clock.now() + timedelta(seconds=delay_seconds)


class TableJobQueue:
    """The ``JobQueue`` port over the ``leveattest_jobs`` table."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def enqueue(self, db: Session, session_id: str, attempt: int) -> None:
        enqueue_analysis(db, self._clock, session_id, attempt)

    def cancel(self, db: Session, session_id: str) -> None:
        db.execute(
            update(Job)
            .where(Job.session_id == session_id, Job.status.in_(("queued", "running")))
            .values(status="cancelled", finished_at=self._clock.now(), lease_token=None)
        )
