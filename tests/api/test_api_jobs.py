"""The job queue: leases, a worker killed mid-job, failures, and exactly-once results."""

from __future__ import annotations

import pytest
from api_helpers import Harness, auth, certificates, later
from sqlalchemy import func, select

from leveattest.jobs.models import Job
from leveattest.jobs.queue import claim
from leveattest.jobs.worker import complete, run_once
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import PipelineOutcome
from leveattest.sessions.errors import JobLeaseLostError
from leveattest.sessions.models import StoredCheck


def _submit(harness: Harness) -> dict:
    started = harness.ready()
    response = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    assert response.status_code == 202
    return started


def _count(harness: Harness, model: type) -> int:
    with harness.ctx.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_killed_worker_loses_nothing_and_the_job_completes_once(harness: Harness):
    started = _submit(harness)
    # worker A takes the lease and dies without finishing
    with harness.ctx.unit_of_work() as db:
        dead = claim(db, harness.clock, harness.ctx.session_settings.job_lease_seconds)
    assert dead is not None
    assert harness.run_worker() is None  # the lease still holds
    later(harness.clock, seconds=harness.ctx.session_settings.job_lease_seconds + 1)

    assert harness.run_worker() == "approved"  # worker B picks it up
    assert certificates(harness.register) == [(started["session_id"], "leveattest-app")]
    checks = _count(harness, StoredCheck)
    assert checks == 2
    # worker A comes back to life: its results are refused
    outcome = harness.pipeline.run(harness.pipeline.seen[0])
    with pytest.raises(JobLeaseLostError):
        complete(harness.ctx, dead, outcome)
    assert _count(harness, StoredCheck) == checks
    with harness.ctx.unit_of_work() as db:
        job = db.scalars(select(Job)).one()
        assert (job.status, job.tries) == ("done", 2)


class _Crashing:
    def __init__(self, times: int) -> None:
        self.times = times

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        if self.times:
            self.times -= 1
            raise RuntimeError("model crashed")
        raise AssertionError("not reached")


def test_a_failing_analysis_is_retried_later_then_given_to_a_person(harness: Harness):
    started = _submit(harness)
    crashing = _Crashing(times=99)
    assert run_once(harness.ctx, crashing) == "retrying"
    assert run_once(harness.ctx, crashing) is None  # backs off
    for _ in range(harness.ctx.session_settings.job_max_tries - 1):
        later(harness.clock, minutes=10)
        assert run_once(harness.ctx, crashing) == "retrying"
    later(harness.clock, minutes=10)
    assert run_once(harness.ctx, crashing) == "needs_review"
    status = harness.client.get(f"/v1/sessions/{started['session_id']}", headers=auth(started))
    assert status.json()["reasons"] == ["analysis_failed"]


class _WithdrawingPipeline:
    """The pensioner withdraws consent while the worker is analysing."""

    def __init__(self, harness: Harness, started: dict) -> None:
        self.harness, self.started = harness, started

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        sid = self.started["session_id"]
        response = self.harness.client.delete(
            f"/v1/sessions/{sid}/consent", headers=auth(self.started)
        )
        assert response.status_code == 200
        return self.harness.pipeline.run(inputs)


def test_withdrawal_during_analysis_discards_the_results(harness: Harness):
    started = _submit(harness)
    assert run_once(harness.ctx, _WithdrawingPipeline(harness, started)) == "lease_lost"
    assert _count(harness, StoredCheck) == 0
    assert certificates(harness.register) == []
    status = harness.client.get(f"/v1/sessions/{started['session_id']}", headers=auth(started))
    assert status.json()["status"] == "withdrawn"
