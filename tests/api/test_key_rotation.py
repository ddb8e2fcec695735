"""Rotating the master key: data written under key A stays usable under B (SQLite and
PostgreSQL), a rotation stopped half-way is finished by running it again, and once it
has finished the blobs, sealed values and upload MACs need B alone (docs/keys.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import CHIP, NOW, PNG, Harness, StubPipeline, SyncClient, auth, facts, nid
from sqlalchemy import Engine, select

from leveattest.api.app import create_app
from leveattest.cli.keys_cmd import TOTP_SECRETS
from leveattest.core.keys import KeyRing
from leveattest.core.settings import Settings
from leveattest.pipeline.outcome import Decision
from leveattest.review.auth import create_account, open_secret
from leveattest.review.models import StaffAccount
from leveattest.review.settings import ReviewSettings
from leveattest.sessions import rights
from leveattest.sessions.context import blob_owner
from leveattest.sessions.mail import contact_context, remember_address
from leveattest.sessions.models import (
    PensionerContact,
    ReplayPrint,
    SessionUpload,
    VerificationSession,
)
from leveattest.sessions.rotation import rotate_service
from leveattest.sessions.settings import SessionSettings
from leveattest.sessions.tokens import person_fingerprint
from leveattest.storage.blobs import LocalEncryptedBlobStore
from leveattest.storage.envelope import DecryptionError, MasterKey
from register.client import InProcessRegisterClient

A = "master-key-A-" + "a" * 40
B = "master-key-B-" + "b" * 40


class InterruptedRotationError(Exception):
    """Stands for a crash in the middle of a rotation."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data={"var_dir": tmp_path / "var"}, security={"master_key": A})  # type: ignore[arg-type]


def _settings(tmp_path: Path, current: str, *previous: str) -> Settings:
    return Settings(
        data={"var_dir": tmp_path / "var"},  # type: ignore[arg-type]
        security={"master_key": current, "previous_master_keys": list(previous)},  # type: ignore[arg-type]
    )


@pytest.fixture
def harness_for(
    engine: Engine,
    session_settings: SessionSettings,
    register_client: InProcessRegisterClient,
    harness: Harness,
) -> Iterator[Any]:
    """Another service on the same database, blobs, clock and register, with other keys."""
    clients: list[SyncClient] = []

    def build(settings: Settings) -> Harness:
        app = create_app(
            settings,
            clock=harness.clock,
            register_client=register_client,
            session_settings=session_settings,
            engine=engine,
        )
        client = SyncClient(app)
        clients.append(client)
        return Harness(client, app.state.sessions, harness.clock, register_client, StubPipeline())

    yield build
    for client in clients:
        client.close()


def _known_person(harness: Harness, index: int) -> dict[str, Any]:
    response = harness.client.post("/v1/sessions", json={"person": {"national_id": nid(index)}})
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    harness.consent(started)
    harness.upload_all(started)
    return started


def _blobs(tmp_path: Path, ring: KeyRing, harness: Harness) -> LocalEncryptedBlobStore:
    return LocalEncryptedBlobStore(
        tmp_path / "var" / "blobs", MasterKey.from_ring(ring), harness.clock
    )


def _legacy_upload_mac(master: str, data: bytes) -> str:
    """How upload MACs were made before ``leveattest.core.keys`` (version 0)."""
    digest = hashlib.sha256(data).hexdigest().encode()
    return hmac.new(("upload-mac|" + master).encode(), digest, hashlib.sha256).hexdigest()


def _submit(harness: Harness, started: dict[str, Any]) -> str | None:
    response = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    assert response.status_code == 202, response.text
    return harness.run_worker()


def test_data_written_under_a_is_moved_to_b_and_then_needs_b_alone(
    harness: Harness, harness_for: Any, tmp_path: Path
):
    # --- written under A: two sessions' blobs and MACs, an address, a TOTP secret
    known = _known_person(harness, 0)
    invited = harness.ready(index=1)
    with harness.ctx.unit_of_work() as db:
        remember_address(db, harness.ctx, invited["session_id"], "kari@example.org", "REF-1")
        totp = create_account(
            db,
            MasterKey.from_ring(harness.ctx.keyring),
            ReviewSettings(),
            NOW,
            username="rotor",
            role="reviewer",
        ).totp_secret
        # one MAC as the code before key derivation wrote it (version 0)
        dg1 = db.scalars(
            select(SessionUpload).where(
                SessionUpload.session_id == invited["session_id"], SessionUpload.slot == "DG1"
            )
        ).one()
        dg1.content_mac = _legacy_upload_mac(A, CHIP["DG1"])
        uploads = len(db.scalars(select(SessionUpload)).all())

    ring = KeyRing.from_secrets(B, [A])
    blobs = _blobs(tmp_path, ring, harness)
    sessions = harness.ctx.sessions

    # --- a rotation that stops after its first unit of work
    def crash(step: str) -> None:
        raise InterruptedRotationError(step)

    with pytest.raises(InterruptedRotationError):
        rotate_service(sessions, blobs, ring, extra=(TOTP_SECRETS,), batch=1, progress=crash)
    owners = list(blobs.owners())
    assert len(owners) == 2
    b_only = MasterKey.from_secret(B)
    wrapped = [(tmp_path / "var" / "blobs" / o / "_datakey").read_bytes() for o in owners]
    assert sorted(b_only.is_current(w) for w in wrapped) == [False, True]

    # --- running it again finishes it; a third run finds nothing left to move
    report = rotate_service(sessions, blobs, ring, extra=(TOTP_SECRETS,), batch=1)
    steps = report.to_dict()["steps"]
    assert report.complete
    assert steps["blob_keys"] == {"moved": 1, "current": 1, "cleared": 0, "failed": 0}
    assert steps["contact_addresses"]["moved"] == 1
    assert steps["totp_secrets"]["moved"] == 1
    assert steps["upload_macs"]["moved"] == uploads
    assert report.person_fingerprints_kept == 2  # the known person's and the invited one's
    assert report.open_sessions_end_by is not None
    again = rotate_service(sessions, blobs, ring, extra=(TOTP_SECRETS,), batch=1).to_dict()
    assert all(step["moved"] == 0 for step in again["steps"].values())
    assert again["steps"]["upload_macs"]["current"] == uploads

    # --- B alone reads everything that was moved
    only_b = harness_for(_settings(tmp_path, B))
    with only_b.ctx.unit_of_work() as db:
        account = db.scalars(select(StaffAccount)).one()
        assert open_secret(b_only, account) == totp
        contact = db.get_one(PensionerContact, invited["session_id"])
        address = b_only.unwrap(contact.email_sealed, context=contact_context(contact.session_id))
        assert b"kari@example.org" in address
    # the same part again is recognised by its MAC under B: nothing new is written
    same = only_b.client.put(
        f"/v1/sessions/{invited['session_id']}/parts/DG1",
        content=CHIP["DG1"],
        headers={**auth(invited), "content-type": "application/octet-stream"},
    )
    assert same.status_code == 200, same.text
    known_owner = blob_owner(known["session_id"], 1)  # still held (not decided yet)
    assert only_b.ctx.blobs.get(known_owner, "SELFIE") == PNG
    # the worker decrypts the blobs written under A with B alone
    only_b.pipeline.document = facts(1)
    assert _submit(only_b, invited) == "approved"
    assert only_b.pipeline.seen[-1].selfie == PNG
    # and A alone no longer can
    with pytest.raises(DecryptionError):
        _blobs(tmp_path, KeyRing.from_secrets(A), harness).get(known_owner, "SELFIE")

    # --- a person fingerprint cannot be recomputed: it is matched with A from the ring
    ringed = harness_for(_settings(tmp_path, B, A))
    ringed.pipeline.decision = Decision.REVIEW
    ringed.pipeline.document = facts(0)
    assert _submit(ringed, known) == "needs_review"
    with ringed.ctx.unit_of_work() as db:
        reasons = db.get_one(VerificationSession, known["session_id"]).reasons
    assert "person_differs_from_invitation" not in reasons


def test_dropping_the_previous_key_while_sessions_are_open_fails_closed(
    harness: Harness, harness_for: Any, tmp_path: Path
):
    started = _known_person(harness, 0)
    ring = KeyRing.from_secrets(B, [A])
    rotate_service(harness.ctx.sessions, _blobs(tmp_path, ring, harness), ring)
    only_b = harness_for(_settings(tmp_path, B))
    only_b.pipeline.decision = Decision.APPROVE
    only_b.pipeline.document = facts(0)
    # the blobs were moved, but the known person's fingerprint was made under A:
    # without A it cannot be matched, and the session goes to a person, never approved
    assert _submit(only_b, started) == "needs_review"
    with only_b.ctx.unit_of_work() as db:
        reasons = db.get_one(VerificationSession, started["session_id"]).reasons
    assert "person_differs_from_invitation" in reasons


def test_withdrawal_after_a_rotation_shreds_what_a_wrote(
    harness: Harness, harness_for: Any, tmp_path: Path
):
    started = harness.ready(index=2)
    ring = KeyRing.from_secrets(B, [A])
    rotate_service(harness.ctx.sessions, _blobs(tmp_path, ring, harness), ring)
    only_b = harness_for(_settings(tmp_path, B))
    receipt = only_b.client.delete(
        f"/v1/sessions/{started['session_id']}/consent", headers=auth(started)
    )
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["keys_destroyed"] == 1
    assert list(_blobs(tmp_path, ring, harness).owners()) == []


def test_a_persons_replay_prints_follow_them_to_the_new_key_when_they_start_again(
    harness: Harness, harness_for: Any, tmp_path: Path
):
    identity = {"national_id": nid(0)}
    under_a = person_fingerprint(KeyRing.from_secrets(A), identity)
    legacy = hmac.new(
        ("person-fp|" + A).encode(),
        b"person|" + json.dumps(identity, separators=(",", ":")).encode(),
        hashlib.sha256,
    ).hexdigest()
    other = person_fingerprint(KeyRing.from_secrets(A), {"national_id": nid(1)})
    with harness.ctx.unit_of_work() as db:
        for scope, session_id in ((under_a, "s" * 32), (legacy, "t" * 32), (other, "u" * 32)):
            db.add(
                ReplayPrint(
                    scope=scope,
                    session_id=session_id,
                    frame_hashes=["00" * 8],
                    face_hashes=[],
                    created_at=NOW,
                )
            )

    ringed = harness_for(_settings(tmp_path, B, A))
    started = _known_person(ringed, 0)
    with ringed.ctx.unit_of_work() as db:
        scope = db.get_one(VerificationSession, started["session_id"]).expected_person_fp
        rows = db.execute(select(ReplayPrint.session_id, ReplayPrint.scope)).all()
        scopes = {row.session_id: row.scope for row in rows}
    assert scope == person_fingerprint(KeyRing.from_secrets(B), identity)
    # the person's earlier prints (under A, and from before key derivation) are in the
    # new session's scope; another person's stay where they were
    assert scopes == {"s" * 32: scope, "t" * 32: scope, "u" * 32: other}


def test_rights_requests_filed_under_a_are_found_and_read_under_b(
    harness: Harness, harness_for: Any, tmp_path: Path
):
    with harness.ctx.unit_of_work() as db:
        filed = rights.file_request(
            db,
            harness.ctx,
            "REFERENCE00001",
            "rectification",
            details="my name is spelt wrong",
            language="nb",
        )
        rights.answer_request(db, harness.ctx, filed.id, "reviewer-1", "corrected")
    ring = KeyRing.from_secrets(B, [A])
    report = rotate_service(harness.ctx.sessions, _blobs(tmp_path, ring, harness), ring)
    assert report.steps["rights_details"].moved == 1
    assert report.steps["rights_answers"].moved == 1
    assert report.steps["rights_references"].moved == 1
    # the reference key cannot be recomputed by the rotation: the ring finds it, and the
    # look-up moves it to B
    ringed = harness_for(_settings(tmp_path, B, A))
    with ringed.ctx.unit_of_work() as db:
        assert [c.id for c in rights.requests_of(db, ringed.ctx, "REFERENCE00001")] == [filed.id]
    only_b = harness_for(_settings(tmp_path, B))
    with only_b.ctx.unit_of_work() as db:
        (case,) = rights.requests_of(db, only_b.ctx, "REFERENCE00001")
        assert (case.details, case.answer) == ("my name is spelt wrong", "corrected")
        assert rights.requests_of(db, only_b.ctx, "REFERENCE00002") == []


def test_what_no_key_of_the_ring_opens_is_counted_and_left_as_it_was(
    harness: Harness, tmp_path: Path
):
    started = harness.ready(index=3)
    sid = started["session_id"]
    stranger = MasterKey.from_secret("c" * 40)
    with harness.ctx.unit_of_work() as db:
        remember_address(db, harness.ctx, sid, "kari@example.org", "REF-3")
        contact = db.get_one(PensionerContact, sid)
        contact.email_sealed = stranger.wrap(b"{}", context=contact_context(sid))
        sealed = contact.email_sealed
        uploads = len(db.scalars(select(SessionUpload)).all())
    # the attempt's data key, wrapped by a master nobody configured
    key_file = tmp_path / "var" / "blobs" / blob_owner(sid, 1) / "_datakey"
    data_key = MasterKey.from_secret(A).unwrap(key_file.read_bytes(), context=blob_owner(sid, 1))
    key_file.write_bytes(stranger.wrap(data_key, context=blob_owner(sid, 1)))

    ring = KeyRing.from_secrets(B, [A])
    report = rotate_service(harness.ctx.sessions, _blobs(tmp_path, ring, harness), ring)
    assert not report.complete
    assert report.steps["blob_keys"].failed == 1
    assert report.steps["contact_addresses"].failed == 1
    assert report.steps["upload_macs"].failed == uploads
    with harness.ctx.unit_of_work() as db:
        assert db.get_one(PensionerContact, sid).email_sealed == sealed
    assert stranger.unwrap(key_file.read_bytes(), context=blob_owner(sid, 1)) == data_key
