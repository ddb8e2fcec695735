"""Retention: biometrics never outlive 30 days (controlled clock), with receipts."""

from __future__ import annotations

from api_helpers import Harness, auth, later
from sqlalchemy import select

from leveattest.pipeline.outcome import Decision
from leveattest.sessions.models import SessionUpload, VerificationSession
from leveattest.sessions.retention import run_retention


def test_retention_deletes_biometrics_after_30_days_and_writes_receipts(harness: Harness):
    harness.pipeline.decision = Decision.REVIEW
    waiting = harness.ready(0)
    harness.client.post(f"/v1/sessions/{waiting['session_id']}/submit", headers=auth(waiting))
    assert harness.run_worker() == "needs_review"
    abandoned = harness.ready(1)

    later(harness.clock, days=29)
    report = run_retention(harness.ctx)
    assert waiting["session_id"] not in report.shredded
    assert report.expired == [abandoned["session_id"]]  # never submitted: expired long ago

    later(harness.clock, days=1)
    report = run_retention(harness.ctx)
    assert report.shredded == [waiting["session_id"]]
    privacy = harness.client.get(
        f"/v1/sessions/{waiting['session_id']}/privacy", headers=auth(waiting)
    ).json()
    assert privacy["held"] == [{"category": "person_facts", "count": 1, "bytes": 0}]
    assert privacy["status"] == "needs_review"
    [receipt] = privacy["deletions"]
    assert receipt["cause"] == "retention"
    assert receipt["keys_destroyed"] == 1
    assert {i["category"] for i in receipt["items"]} == {"chip", "page", "selfie", "liveness"}
    with harness.ctx.unit_of_work() as db:
        assert all(u.deleted_at for u in db.scalars(select(SessionUpload)))
        states = {r.id: r.state for r in db.scalars(select(VerificationSession))}
    assert states[abandoned["session_id"]] == "expired"
    assert not list((harness.ctx.settings.data.var_dir / "blobs").iterdir())
    assert run_retention(harness.ctx).shredded == []


def test_retention_sweeps_a_final_session_whose_shredding_did_not_run(harness: Harness):
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    harness.run_worker()
    with harness.ctx.unit_of_work() as db:
        row = db.get(VerificationSession, sid)
        assert row is not None
        assert row.biometrics_deleted_at is not None
        row.biometrics_deleted_at = None  # as if the process died right after the decision
    assert run_retention(harness.ctx).shredded == [sid]
