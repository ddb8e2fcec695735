"""The sweep: no submitted session waits for ever.

Every ``job_sweep_every_seconds`` a worker looks for sessions that have been ``received``
or ``analysing`` for longer than ``analysis_deadline_seconds`` and whose attempt has no
live job: no ledger row, a ledger row that is finished although the session is not, a
lease that expired, or (on PostgreSQL) a queued row with no procrastinate job left to run
it. Each is queued again and an alert-worthy ``jobs.session_requeued`` warning is logged:
it means a worker or the engine lost a job, which the heartbeat and procrastinate's
stalled-job detection should have caught first.

Safe on several workers at once: the ledger rows are locked ``FOR UPDATE SKIP LOCKED``
on PostgreSQL (SQLite serialises writers). Re-queuing is idempotent: the attempt's ledger
row stays the one row of that attempt, and its results are written once under its lease.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.core.logging import fingerprint, get_logger
from leveattest.jobs.models import Job
from leveattest.jobs.queue import attempt_job, enqueue_analysis, retry_later
from leveattest.sessions.context import SessionContext
from leveattest.sessions.models import SessionState, VerificationSession

log = get_logger("leveattest.jobs.sweep")
WAITING = (SessionState.RECEIVED, SessionState.ANALYSING)
BATCH = 200

# PostgreSQL: does procrastinate still hold a job that will run this attempt?
Redelivery = Callable[[Session, str, int], bool]


def sweep_stuck_sessions(ctx: SessionContext, *, redeliver: Redelivery | None = None) -> int:
    """Queue again every overdue session without a live job; returns how many.

    ``redeliver(db, session_id, attempt)`` (procrastinate) makes sure a job will run the
    attempt and returns False when one was already waiting (a backlog, not a loss).
    """
    now = ctx.clock.now()
    cutoff = now - timedelta(seconds=ctx.session_settings.analysis_deadline_seconds)
    requeued = 0
    with ctx.unit_of_work() as db:
        overdue = db.execute(
            select(VerificationSession.id, VerificationSession.attempt)
            .where(VerificationSession.state.in_(WAITING), VerificationSession.updated_at < cutoff)
            .order_by(VerificationSession.updated_at)
            .limit(BATCH)
        ).all()
        postgres = db.get_bind().dialect.name == "postgresql"
        for session_id, attempt in overdue:
            if postgres and not _lock_ledger(db, session_id, attempt):
                continue  # another worker is sweeping or claiming it right now
            job = attempt_job(db, session_id, attempt)
            if job is not None and job.status == "running" and _live(job, now):
                continue
            if job is not None and job.status == "queued" and redeliver is None:
                continue  # the polling workers will take it (a backlog, not a loss)
            was = "missing" if job is None else job.status
            if job is None:
                enqueue_analysis(db, ctx.clock, session_id, attempt)
            elif job.status != "queued":
                retry_later(job, ctx.clock, "stalled", delay_seconds=0)
            if redeliver is not None and not redeliver(db, session_id, attempt) and was == "queued":
                continue  # procrastinate already has it waiting
            row = db.get(VerificationSession, session_id)
            if row is not None:
                row.updated_at = now  # the deadline starts again
            requeued += 1
            log.warning(
                "jobs.session_requeued",
                session=fingerprint(session_id),
                attempt=attempt,
                job_was=was,
            )
    return requeued


def _live(job: Job, now: datetime) -> bool:
    return job.lease_until is not None and job.lease_until > now


def _lock_ledger(db: Session, session_id: str, attempt: int) -> bool:
    """Lock the attempt's ledger row, skipping it when someone else holds it."""
    locked = db.scalars(
        select(Job.id)
        .where(Job.session_id == session_id, Job.attempt == attempt)
        .with_for_update(skip_locked=True)
    ).first()
    if locked is not None:
        return True
    return attempt_job(db, session_id, attempt) is None  # no row at all: nothing to skip
