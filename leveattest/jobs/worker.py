"""The analysis worker: lease a job, run the pipeline outside any transaction, then write
the results and the state change in ONE transaction (only while the lease is still ours).

A worker that dies mid-job loses nothing: its lease expires and another worker runs the
job again; the dead worker's late results, if any, are refused (``job_lease_lost``).
Analysis never runs in a request: only here, in a worker process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from leveattest.core.errors import LeveattestError
from leveattest.core.logging import fingerprint, get_logger
from leveattest.jobs.queue import ClaimedJob, claim, finish, lock_lease, retry_later
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import PipelineOutcome
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.decision import apply_outcome, finalise
from leveattest.sessions.errors import JobLeaseLostError
from leveattest.sessions.models import FINAL_STATES, SessionState
from leveattest.sessions.parts import CHIP_TAGS
from leveattest.sessions.retention import run_retention

log = get_logger("leveattest.jobs.worker")
RETRYING = "retrying"
LEASE_LOST = "lease_lost"
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
            return None
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
            return str(row.state)
        row.state, row.updated_at = SessionState.ANALYSING, ctx.clock.now()
    started = time.perf_counter()
    try:
        outcome = analyser.run(load_inputs(ctx, claimed.session_id, claimed.attempt))
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
    return state


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
    except LeveattestError:
        log.warning("job.lease_lost", job=claimed.job_id)


def work(
    ctx: SessionContext,
    analyser: Analyser,
    should_stop: Callable[[], bool],
    *,
    retention_every_seconds: float = 3600.0,
) -> None:
    """Poll for jobs until ``should_stop()``; sleeps when idle; runs retention hourly."""
    next_retention = time.monotonic()
    while not should_stop():
        if time.monotonic() >= next_retention:
            run_retention(ctx)
            next_retention = time.monotonic() + retention_every_seconds
        if run_once(ctx, analyser) is None:
            time.sleep(ctx.session_settings.worker_poll_seconds)
