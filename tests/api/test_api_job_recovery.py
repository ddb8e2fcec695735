"""Jobs whose worker died, was slow or lost its database: no session is ever lost.

In-process with a fixed clock (the real processes are killed in tests/faults). Every test
runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time

import pytest
from api_helpers import Harness, auth, certificates, later
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from leveattest.jobs.heartbeat import heartbeat_interval
from leveattest.jobs.models import Job
from leveattest.jobs.queue import attempt_job, claim
from leveattest.jobs.sweep import sweep_stuck_sessions
from leveattest.jobs.worker import BUSY, run_job, work
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import PipelineOutcome
from leveattest.sessions.models import SessionState, VerificationSession


def _submitted(harness: Harness, index: int = 0) -> str:
    started = harness.ready(index)
    sid = str(started["session_id"])
    response = harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    assert response.status_code == 202
    return sid


def _job(harness: Harness, sid: str) -> Job:
    with harness.ctx.unit_of_work() as db:
        job = attempt_job(db, sid, 1)
        assert job is not None
        db.expunge(job)
        return job


def _state(harness: Harness, sid: str) -> str:
    with harness.ctx.unit_of_work() as db:
        row = db.get(VerificationSession, sid)
        assert row is not None
        return row.state


def test_a_job_held_by_a_live_worker_is_busy_not_done(harness: Harness):
    sid = _submitted(harness)
    with harness.ctx.unit_of_work() as db:  # a live worker holds the attempt
        assert claim(db, harness.clock, 30, session_id=sid, attempt=1) is not None
    assert run_job(harness.ctx, harness.pipeline, sid, 1) == BUSY
    assert _job(harness, sid).status == "running"
    assert harness.pipeline.seen == []


def test_a_finished_attempt_is_nothing_to_do(harness: Harness):
    sid = _submitted(harness)
    assert run_job(harness.ctx, harness.pipeline, sid, 1) == SessionState.APPROVED
    assert run_job(harness.ctx, harness.pipeline, sid, 1) is None
    assert len(harness.pipeline.seen) == 1
    assert certificates(harness.register) == [(sid, "leveattest-app")]


def test_a_dead_workers_job_is_taken_over_after_one_lease(harness: Harness):
    sid = _submitted(harness)
    lease = harness.ctx.session_settings.job_lease_seconds
    with harness.ctx.unit_of_work() as db:  # worker A claims, then is SIGKILLed
        assert claim(db, harness.clock, lease, session_id=sid, attempt=1) is not None
    assert run_job(harness.ctx, harness.pipeline, sid, 1) == BUSY
    later(harness.clock, seconds=lease + 0.5)
    assert run_job(harness.ctx, harness.pipeline, sid, 1) == SessionState.APPROVED
    assert _job(harness, sid).tries == 2
    assert certificates(harness.register) == [(sid, "leveattest-app")]


class _SlowPipeline:
    """Analyses for longer than a lease, while the (fixed) clock moves on."""

    def __init__(self, harness: Harness, seconds: float, lease: float) -> None:
        self.harness, self.seconds, self.lease = harness, seconds, lease
        self.seen_by_rival: list[str | None] = []

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            later(self.harness.clock, seconds=self.lease / 4)
            time.sleep(self.seconds / 8)
        # a rival worker now finds the lease renewed, not expired
        self.seen_by_rival.append(
            run_job(self.harness.ctx, self.harness.pipeline, inputs.session_id, inputs.attempt)
        )
        return self.harness.pipeline.run(inputs)


def test_the_heartbeat_keeps_a_long_analysis_leased(harness: Harness):
    settings = harness.ctx.session_settings
    harness.ctx.session_settings = settings.model_copy(
        update={"job_lease_seconds": 2.0, "job_heartbeat_seconds": 0.1}
    )
    sid = _submitted(harness)
    slow = _SlowPipeline(harness, seconds=1.2, lease=2.0)
    assert run_job(harness.ctx, slow, sid, 1) == SessionState.APPROVED
    assert slow.seen_by_rival == [BUSY]
    assert _job(harness, sid).status == "done"


def test_heartbeat_renews_at_least_three_times_a_lease():
    assert heartbeat_interval(30, 10) == 10
    assert heartbeat_interval(6, 10) == pytest.approx(2)
    assert heartbeat_interval(0.01, 10) == pytest.approx(0.05)


def _age_session(harness: Harness, sid: str, state: SessionState) -> None:
    with harness.ctx.unit_of_work() as db:
        db.execute(
            update(VerificationSession)
            .where(VerificationSession.id == sid)
            .values(state=state, updated_at=harness.clock.now())
        )
    later(harness.clock, seconds=harness.ctx.session_settings.analysis_deadline_seconds + 1)


@pytest.mark.parametrize("job_status", ["done", "failed", "cancelled", "running-expired"])
def test_the_sweep_requeues_an_overdue_session_whose_job_is_gone(harness: Harness, job_status):
    sid = _submitted(harness)
    with harness.ctx.unit_of_work() as db:
        status = job_status.removesuffix("-expired")
        db.execute(
            update(Job)
            .where(Job.session_id == sid)
            .values(status=status, lease_until=harness.clock.now(), lease_token="gone")
        )
    _age_session(harness, sid, SessionState.ANALYSING)
    assert sweep_stuck_sessions(harness.ctx) == 1
    assert _job(harness, sid).status == "queued"
    assert sweep_stuck_sessions(harness.ctx) == 0  # the deadline starts again
    assert harness.run_worker() == SessionState.APPROVED
    assert certificates(harness.register) == [(sid, "leveattest-app")]


def test_the_sweep_leaves_live_and_waiting_jobs_alone(harness: Harness):
    waiting = _submitted(harness)
    live = _submitted(harness, 1)
    with harness.ctx.unit_of_work() as db:
        claim(db, harness.clock, 10_000, session_id=live, attempt=1)
    _age_session(harness, waiting, SessionState.RECEIVED)
    _age_session(harness, live, SessionState.ANALYSING)
    assert sweep_stuck_sessions(harness.ctx) == 0


def test_the_sweep_queues_a_session_that_has_no_job_at_all(harness: Harness):
    sid = _submitted(harness)
    with harness.ctx.unit_of_work() as db:
        db.query(Job).filter(Job.session_id == sid).delete()
    _age_session(harness, sid, SessionState.RECEIVED)
    assert sweep_stuck_sessions(harness.ctx) == 1
    assert harness.run_worker() == SessionState.APPROVED


def test_the_polling_worker_rides_out_a_database_outage(harness: Harness, monkeypatch):
    sid = _submitted(harness)
    settings = harness.ctx.session_settings
    harness.ctx.session_settings = settings.model_copy(
        update={"worker_poll_seconds": 0.05, "worker_restart_max_backoff_seconds": 0.1}
    )
    real, failures = harness.ctx.sessions, {"left": 3}

    def flaky():  # the first three transactions find the database gone
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return real()

    monkeypatch.setattr(harness.ctx, "sessions", flaky)
    done = threading.Event()

    def stop() -> bool:
        return done.is_set() or _state_via(real, sid) == SessionState.APPROVED

    work(harness.ctx, harness.pipeline, stop)
    assert failures["left"] == 0
    assert _state_via(real, sid) == SessionState.APPROVED


def _state_via(sessions, sid: str) -> str:  # type: ignore[no-untyped-def]
    with sessions() as db:
        return str(
            db.scalar(select(VerificationSession.state).where(VerificationSession.id == sid))
        )


def test_readyz_counts_a_job_whose_worker_stopped_renewing_as_stalled(harness: Harness):
    sid = _submitted(harness)
    with harness.ctx.unit_of_work() as db:
        claim(db, harness.clock, harness.ctx.session_settings.job_lease_seconds)
    assert harness.client.get("/readyz").json()["checks"]["jobs"]["stalled"] == 0
    later(harness.clock, seconds=harness.ctx.session_settings.job_lease_seconds + 1)
    jobs = harness.client.get("/readyz").json()["checks"]["jobs"]
    assert (jobs["running"], jobs["stalled"]) == (1, 1)
    assert _state(harness, sid) == SessionState.RECEIVED  # claimed, then the worker died
