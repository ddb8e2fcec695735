"""The pensioner's path end to end (stub pipeline): invitation → approved → deleted."""

from __future__ import annotations

from api_helpers import CHIP, Harness, auth, certificates, facts
from sqlalchemy import select

from leveattest.pipeline.outcome import Decision
from leveattest.sessions.decision import approve_after_review
from leveattest.sessions.models import StoredCheck


def test_invitation_to_approval_records_certificate_and_deletes_biometrics(harness: Harness):
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    assert len(bytes.fromhex(started["aa_nonce"])) == 8
    assert started["liveness_challenge"]["session_id"] == sid

    submitted = harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers)
    assert submitted.status_code == 202
    assert submitted.headers["location"] == f"/v1/sessions/{sid}"
    assert harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()["status"] == (
        "received"
    )
    held = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert {c["category"] for c in held["held"]} == {"chip", "page", "selfie", "liveness"}

    assert harness.run_worker() == "approved"
    seen = harness.pipeline.seen[0]
    assert seen.chip_files["DG1"] == CHIP["DG1"]
    assert seen.aa_challenge == bytes.fromhex(started["aa_nonce"])
    assert [t for t, _ in seen.liveness_frames] == [0, 100, 200]

    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["status"] == "approved"
    assert certificates(harness.register) == [(sid, "leveattest-app")]

    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert privacy["held"] == []
    assert privacy["biometrics_deleted_at"] is not None
    assert privacy["companies_told"]["certificate_recorded"] is True
    assert privacy["companies_told"]["available"] is False
    [receipt] = privacy["deletions"]
    assert receipt["cause"] == "decision"
    assert receipt["keys_destroyed"] == 1
    assert {i["category"] for i in receipt["items"]} >= {"chip", "page", "selfie", "liveness"}
    assert not list((harness.ctx.settings.data.var_dir / "blobs").iterdir())
    assert harness.run_worker() is None


def test_stored_evidence_has_no_images_or_embeddings(harness: Harness):
    started = harness.ready()
    harness.client.post(f"/v1/sessions/{started['session_id']}/submit", headers=auth(started))
    harness.run_worker()
    with harness.ctx.unit_of_work() as db:
        evidence = {c.check: c.evidence for c in db.scalars(select(StoredCheck))}
    assert evidence["sod_parse"]["portrait"]["bytes"] > 0
    assert "sha256" in evidence["sod_parse"]["portrait"]
    assert evidence["face_selfie_chip"]["embedding"] == {"items": 128}


def test_reject_is_final_and_deletes_uploads(harness: Harness):
    harness.pipeline.decision = Decision.REJECT
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    assert harness.run_worker() == "rejected"
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=auth(started)).json()
    assert privacy["held"] == []
    assert certificates(harness.register) == []


def test_review_keeps_uploads_until_approve_after_review(harness: Harness):
    harness.pipeline.decision = Decision.REVIEW
    started = harness.ready()
    sid = started["session_id"]
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=auth(started))
    assert harness.run_worker() == "needs_review"
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=auth(started)).json()
    assert privacy["held"]
    assert certificates(harness.register) == []

    receipt = approve_after_review(harness.ctx, sid, "reviewer-7")
    assert receipt.created
    assert certificates(harness.register) == [(sid, "leveattest-app")]
    status = harness.client.get(f"/v1/sessions/{sid}", headers=auth(started)).json()
    assert status["status"] == "approved"
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=auth(started)).json()
    assert privacy["held"] == []


def test_document_of_another_person_than_invited_goes_to_review(harness: Harness):
    harness.pipeline.document = facts(index=5)
    started = harness.ready(index=0)
    harness.client.post(f"/v1/sessions/{started['session_id']}/submit", headers=auth(started))
    assert harness.run_worker() == "needs_review"
    status = harness.client.get(f"/v1/sessions/{started['session_id']}", headers=auth(started))
    assert "person_differs_from_invitation" in status.json()["reasons"]
    assert certificates(harness.register) == []


def test_retry_reopens_uploads_with_new_nonce_and_challenge(harness: Harness):
    harness.pipeline.decision = Decision.RETRY
    harness.pipeline.advice = ["The photo of the passport page was too dark: retake it."]
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers)
    assert harness.run_worker() == "retry_requested"
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["advice"] == harness.pipeline.advice
    assert status["retries_remaining"] == 2

    retry = harness.client.post(f"/v1/sessions/{sid}/retry", headers=headers)
    assert retry.status_code == 200
    body = retry.json()
    assert body["attempt"] == 2
    assert body["aa_nonce"] != started["aa_nonce"]
    new_challenge = body["liveness_challenge"]["challenge_id"]
    assert new_challenge != started["liveness_challenge"]["challenge_id"]
    # the old nonce is spent
    old = harness.client.put(
        f"/v1/sessions/{sid}/parts/AA_SIGNATURE?nonce={started['aa_nonce']}",
        content=b"sig",
        headers={**headers, "content-type": "application/octet-stream"},
    )
    assert old.json()["code"] == "aa_nonce_reused"
    harness.pipeline.decision = Decision.APPROVE
    harness.upload_all({**started, **body})
    assert harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers).status_code == 202
    assert harness.run_worker() == "approved"
    assert harness.pipeline.seen[-1].attempt == 2
    receipts = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert [r["cause"] for r in receipts["deletions"]] == ["retry", "decision"]


def test_withdraw_mid_way_deletes_everything_and_stops_processing(harness: Harness):
    started = harness.ready()
    sid, headers = started["session_id"], auth(started)
    harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers)
    response = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=headers)
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["cause"] == "withdrawn"
    assert receipt["keys_destroyed"] == 1
    assert {i["category"] for i in receipt["items"]} == {"chip", "page", "selfie", "liveness"}
    assert harness.run_worker() is None  # the job was cancelled
    assert harness.pipeline.seen == []
    status = harness.client.get(f"/v1/sessions/{sid}", headers=headers).json()
    assert status["status"] == "withdrawn"
    again = harness.client.delete(f"/v1/sessions/{sid}/consent", headers=headers)
    assert again.json() == receipt
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert privacy["held"] == []
    upload = harness.client.put(
        f"/v1/sessions/{sid}/parts/DG1",
        content=CHIP["DG1"],
        headers={**headers, "content-type": "application/octet-stream"},
    )
    assert upload.status_code == 409
