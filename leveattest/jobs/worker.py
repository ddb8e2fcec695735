"""The analysis worker: lease a job, run the pipeline outside any transaction, then write
the results and the state change in ONE transaction (only while the lease is still ours).

A worker that dies mid-job loses nothing: its heartbeat stops, its lease expires within
``job_lease_seconds`` and another worker runs the job again; the dead worker's late
results, if any, are refused (``job_lease_lost``). A job whose attempt is held by a live
worker is ``busy`` (the caller tries again later), never "done". Database outages are
transient: the polling loop backs off and goes on. Analysis never runs in a request:
only here, in a worker process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session

from leveattest.core.errors import LeveattestError
from leveattest.core.logging import fingerprint, get_logger
from leveattest.core.metrics import JOBS_GIVEN_UP, JOBS_RETRIED, observe_outcome
from leveattest.jobs.heartbeat import LeaseHeartbeat
from leveattest.jobs.queue import (
    ClaimedJob,
    attempt_job,
    claim,
    finish,
    lock_lease,
    retry_later,
)
from leveattest.jobs.scheduled import SCHEDULE, RegisterJobs
from leveattest.jobs.scheduled import run_job as run_scheduled_job
from leveattest.jobs.sweep import sweep_stuck_sessions
from leveattest.persistence.outage import DATABASE_UNAVAILABLE_ERRORS, Backoff, OutageEpisode
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import PipelineOutcome
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.decision import apply_outcome, finalise
from leveattest.sessions.errors import JobLeaseLostError
from leveattest.sessions.models import FINAL_STATES, SessionState
from leveattest.sessions.parts import CHIP_TAGS

log = get_logger("leveattest.jobs.worker")
RETRYING = "retrying"
LEASE_LOST = "lease_lost"
BUSY = "busy"  # the attempt is being analysed by a live worker: try again later
_RUNNABLE = frozenset({SessionState.RECEIVED, SessionState.ANALYSING})


class Analyser(Protocol):
    """The verification pipeline as the worker sees it (``leveattest.pipeline.runner.Pipeline``)."""

    def run(self, inputs: SessionInputs) -> PipelineOutcome: ...


def load_inputs(ctx: SessionContext, session_id: str, attempt: int) -> SessionInputs:
    """Decrypt the attempt's uploads into the pipeline's input."""
    with ctx.unit_of_work() as db:
        uploads = repository.live_uploads(db, session_id, attempt)
        scope = repository.get_session(db, session_id).expected_person_fp
        aa = repository.nonce(db, session_id, attempt, "aa")
        liveness = repository.nonce(db, session_id, attempt, "liveness")
    owner = blob_owner(session_id, attempt)
    by_slot = {u.slot: u for u in uploads}

    def blob(slot: str) -> bytes | None:
        return ctx.blobs.get(owner, slot) if slot in by_slot else None

    chip = {name: data for name in CHIP_TAGS if (data := blob(name)) is not None}
    frames = sorted((u for u in uploads if u.category == "liveness"), key=lambda u: u.slot)
    signature = blob("AA_SIGNATURE")
    return SessionInputs(
        session_id=session_id,
        chip_files=chip,
        aa_challenge=aa.value if aa is not None and signature is not None else None,
        aa_signature=signature,
        page_image=blob("PAGE"),
        selfie=blob("SELFIE"),
        liveness_frames=[(u.captured_at_ms or 0, ctx.blobs.get(owner, u.slot)) for u in frames],
        liveness_challenge=liveness.challenge if liveness is not None else None,
        attempt=attempt,
        replay_scope=scope,
    )


def run_once(ctx: SessionContext, analyser: Analyser) -> str | None:
    """Run at most one job; returns the session's new state (or a job outcome), None if idle."""
    return _run(ctx, analyser)


def run_job(ctx: SessionContext, analyser: Analyser, session_id: str, attempt: int) -> str | None:
    """Run the job of one session attempt (the procrastinate task); None if not runnable."""
    return _run(ctx, analyser, session_id=session_id, attempt=attempt)


def _run(
    ctx: SessionContext,
    analyser: Analyser,
    *,
    session_id: str | None = None,
    attempt: int | None = None,
) -> str | None:
    settings = ctx.session_settings
    with ctx.unit_of_work() as db:
        claimed = claim(
            db, ctx.clock, settings.job_lease_seconds, session_id=session_id, attempt=attempt
        )
        if claimed is None:
            return _not_claimed(db, session_id, attempt)
        job = lock_lease(db, claimed)
        row = repository.get_session(db, claimed.session_id, for_update=True)
        if row.state not in _RUNNABLE or row.attempt != claimed.attempt:
            finish(job, ctx.clock, "cancelled")
            return "cancelled"
        if claimed.tries > settings.job_max_tries:
            finish(job, ctx.clock, "failed", job.last_error)
            row.state, row.reasons = SessionState.NEEDS_REVIEW, ["analysis_failed"]
            row.advice, row.updated_at = [], ctx.clock.now()
            log.warning("job.given_up", job=claimed.job_id, session=fingerprint(row.id))
            JOBS_GIVEN_UP.inc()
            return str(row.state)
        row.state, row.updated_at = SessionState.ANALYSING, ctx.clock.now()
    log.info("job.claimed", job=claimed.job_id, tries=claimed.tries, pid=os.getpid())
    started = time.perf_counter()
    try:
        with LeaseHeartbeat(ctx, claimed):
            outcome = analyser.run(load_inputs(ctx, claimed.session_id, claimed.attempt))
    except DATABASE_UNAVAILABLE_ERRORS:
        raise  # the job keeps its lease until it expires; the caller backs off
    except Exception as exc:  # noqa: BLE001 - the worker boundary: nothing may kill the loop
        code = exc.code if isinstance(exc, LeveattestError) else "internal_error"
        _give_back(ctx, claimed, code)
        log.warning("job.error", job=claimed.job_id, code=code, error_type=type(exc).__name__)
        return RETRYING
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    try:
        state = complete(ctx, claimed, outcome)
    except JobLeaseLostError:
        # cancelled (consent withdrawn) or taken over after the lease expired: not ours
        log.info("job.lease_lost", job=claimed.job_id, elapsed_ms=elapsed_ms)
        return LEASE_LOST
    log.info("job.done", job=claimed.job_id, state=state, elapsed_ms=elapsed_ms)
    observe_outcome(str(outcome.decision), [str(r) for r in outcome.reasons], outcome.timings_ms)
    return state


def _not_claimed(db: Session, session_id: str | None, attempt: int | None) -> str | None:
    """Nothing to claim: idle (polling), finished or unknown (None), or held by a live
    worker (``BUSY``: the procrastinate task is retried later instead of "succeeding")."""
    if session_id is None or attempt is None:
        return None
    job = attempt_job(db, session_id, attempt)
    if job is not None and job.status in ("queued", "running"):
        return BUSY
    return None


def complete(ctx: SessionContext, claimed: ClaimedJob, outcome: PipelineOutcome) -> str:
    """Write results, state and job completion in one transaction; then shred if final."""
    with ctx.unit_of_work() as db:
        job = lock_lease(db, claimed)
        row = repository.get_session(db, claimed.session_id, for_update=True)
        if row.state != SessionState.ANALYSING or row.attempt != claimed.attempt:
            finish(job, ctx.clock, "cancelled")
            return "cancelled"
        apply_outcome(db, ctx, row, outcome)
        finish(job, ctx.clock)
        state = SessionState(row.state)
    if state in FINAL_STATES:
        finalise(ctx, claimed.session_id)
    return str(state)


def _give_back(ctx: SessionContext, claimed: ClaimedJob, code: str) -> None:
    try:
        with ctx.unit_of_work() as db:
            job = lock_lease(db, claimed)
            retry_later(job, ctx.clock, code, delay_seconds=min(300, 5 * 2**claimed.tries))
        JOBS_RETRIED.labels(code=code).inc()
    except LeveattestError:
        log.warning("job.lease_lost", job=claimed.job_id)


def work(
    ctx: SessionContext,
    analyser: Analyser,
    should_stop: Callable[[], bool],
    *,
    register_jobs: RegisterJobs | None = None,
) -> None:
    """Poll for jobs until ``should_stop()``: sleeps when idle, sweeps stuck sessions every
    ``job_sweep_every_seconds``, runs the scheduled jobs (``scheduled.SCHEDULE``: each at
    start, then every hour or day), and rides out database outages (one log line per
    outage, back-off up to ``worker_restart_max_backoff_seconds``). A stop request lets
    the current job finish."""
    settings = ctx.session_settings
    next_sweep = time.monotonic()
    next_scheduled = {job.name: next_sweep for job in SCHEDULE}
    outage = OutageEpisode("worker")
    backoff = Backoff(ceiling=settings.worker_restart_max_backoff_seconds)
    while not should_stop():
        try:
            if time.monotonic() >= next_sweep:
                sweep_stuck_sessions(ctx)
                next_sweep = time.monotonic() + settings.job_sweep_every_seconds
            for job in SCHEDULE:
                if time.monotonic() >= next_scheduled[job.name]:
                    run_scheduled_job(ctx, register_jobs, job)
                    next_scheduled[job.name] = time.monotonic() + job.every_seconds
            result = run_once(ctx, analyser)
        except DATABASE_UNAVAILABLE_ERRORS as exc:
            outage.failed(exc)
            _sleep_unless(should_stop, backoff.next_delay())
            continue
        outage.succeeded()
        backoff.reset()
        if result is None:
            _sleep_unless(should_stop, settings.worker_poll_seconds)


def _sleep_unless(should_stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not should_stop() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.2))
