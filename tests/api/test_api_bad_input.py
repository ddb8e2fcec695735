"""Bad input: a clear problem+json with a stable code, nothing half-written."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from api_helpers import CHIP, JPEG, PNG, Harness, auth, invite, later
from sqlalchemy import func, select

from leveattest.jobs.models import Job
from leveattest.sessions.models import SessionUpload

OCTETS = {"content-type": "application/octet-stream"}


def _put(harness: Harness, started: dict, path: str, data: bytes, media: str) -> httpx.Response:
    return harness.client.put(
        f"/v1/sessions/{started['session_id']}/{path}",
        content=data,
        headers={**auth(started), "content-type": media},
    )


def _assert_problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"].endswith("/" + code)
    assert body["title"]
    return body


def _uploads(harness: Harness) -> int:
    with harness.ctx.unit_of_work() as db:
        return int(db.scalar(select(func.count()).select_from(SessionUpload)) or 0)


def test_uploads_before_consent_are_refused(harness: Harness):
    started = harness.start()
    response = _put(harness, started, "parts/DG1", CHIP["DG1"], "application/octet-stream")
    _assert_problem(response, 409, "consent_required")
    submit = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    _assert_problem(submit, 409, "consent_required")
    assert _uploads(harness) == 0


def test_consent_needs_an_offered_notice_version(harness: Harness):
    started = harness.start()
    response = harness.client.post(
        f"/v1/sessions/{started['session_id']}/consent",
        json={"notice_version": "1999-9", "language": "nb"},
        headers=auth(started),
    )
    _assert_problem(response, 422, "consent_invalid")


def test_duplicate_upload_is_idempotent_and_different_bytes_replace(harness: Harness):
    started = harness.start()
    harness.consent(started)
    first = _put(harness, started, "parts/PAGE", JPEG, "image/jpeg")
    assert first.status_code == 201
    again = _put(harness, started, "parts/PAGE", JPEG, "image/jpeg")
    assert again.status_code == 200
    assert again.json() == first.json()
    replaced = _put(harness, started, "parts/PAGE", PNG, "image/png")
    assert replaced.status_code == 200
    assert replaced.json()["replaced"] == 1
    assert replaced.json()["sha256"] != first.json()["sha256"]
    assert _uploads(harness) == 1


def test_out_of_order_uploads_are_fine_but_submit_needs_every_required_part(harness: Harness):
    started = harness.start()
    harness.consent(started)
    challenge = started["liveness_challenge"]["challenge_id"]
    frame = _put(
        harness,
        started,
        f"frames/7?captured_at_ms=700&challenge_id={challenge}",
        JPEG,
        "image/jpeg",
    )
    assert frame.status_code == 201
    assert _put(harness, started, "parts/SELFIE", JPEG, "image/jpeg").status_code == 201
    submit = harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit", headers=auth(started)
    )
    body = _assert_problem(submit, 409, "session_incomplete")
    assert body["missing"] == ["DG1", "DG2", "EF_SOD", "PAGE"]


@pytest.mark.parametrize(
    ("path", "data", "media", "status", "code"),
    [
        ("parts/DG1", CHIP["DG1"], "image/jpeg", 415, "upload_unsupported_type"),
        ("parts/DG1", CHIP["DG2"], "application/octet-stream", 415, "upload_unsupported_type"),
        ("parts/DG1", CHIP["DG1"][:-2], "application/octet-stream", 422, "upload_truncated"),
        ("parts/DG1", b"", "application/octet-stream", 422, "upload_truncated"),
        ("parts/SELFIE", JPEG[:-40], "image/jpeg", 422, "upload_truncated"),
        ("parts/SELFIE", PNG, "image/jpeg", 415, "upload_unsupported_type"),
        ("parts/SELFIE", JPEG, "image/gif", 415, "upload_unsupported_type"),
        ("parts/PAGE", PNG[:-3], "image/png", 422, "upload_truncated"),
        ("parts/DG99", CHIP["DG1"], "application/octet-stream", 404, "upload_part_unknown"),
        (
            "frames/60?captured_at_ms=1&challenge_id=x",
            JPEG,
            "image/jpeg",
            422,
            "upload_count_exceeded",
        ),
        (
            "frames/1?captured_at_ms=1&challenge_id=nope",
            JPEG,
            "image/jpeg",
            404,
            "challenge_unknown",
        ),
        ("frames/1?challenge_id=x", JPEG, "image/jpeg", 422, "request_invalid"),
    ],
)
def test_bad_uploads_give_a_problem_and_store_nothing(
    harness: Harness, path: str, data: bytes, media: str, status: int, code: str
):
    started = harness.start()
    harness.consent(started)
    _assert_problem(_put(harness, started, path, data, media), status, code)
    assert _uploads(harness) == 0


def test_a_100_mb_upload_is_cut_off_while_streaming(harness: Harness):
    started = harness.start()
    harness.consent(started)
    sent = 0

    async def body():
        nonlocal sent
        chunk = b"\xff\xd8\xff" + b"\0" * (1024 * 1024 - 3)
        for _ in range(100):
            sent += 1
            yield chunk

    async def upload() -> httpx.Response:
        transport = httpx.ASGITransport(app=harness.client.client._transport.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.put(
                f"/v1/sessions/{started['session_id']}/parts/SELFIE",
                content=body(),
                headers={**auth(started), "content-type": "image/jpeg"},
            )

    response = asyncio.run(upload())
    body_json = _assert_problem(response, 413, "upload_too_large")
    assert body_json["max"] == harness.ctx.session_settings.max_image_bytes
    assert sent < 20
    declared = harness.client.put(
        f"/v1/sessions/{started['session_id']}/parts/SELFIE",
        content=b"x",
        headers={**auth(started), "content-type": "image/jpeg", "content-length": "104857600"},
    )
    assert declared.status_code == 413
    assert _uploads(harness) == 0


def test_another_sessions_token_is_not_found(harness: Harness):
    mine, theirs = harness.start(0), harness.start(1)
    harness.consent(mine)
    for method, path in [
        ("GET", ""),
        ("GET", "/privacy"),
        ("POST", "/submit"),
        ("DELETE", "/consent"),
    ]:
        response = harness.client.request(
            method, f"/v1/sessions/{mine['session_id']}{path}", headers=auth(theirs)
        )
        _assert_problem(response, 404, "session_not_found")
    upload = harness.client.put(
        f"/v1/sessions/{mine['session_id']}/parts/DG1",
        content=CHIP["DG1"],
        headers={**auth(theirs), **OCTETS},
    )
    _assert_problem(upload, 404, "session_not_found")
    missing = harness.client.get(f"/v1/sessions/{mine['session_id']}")
    body = _assert_problem(missing, 401, "session_token_missing")
    assert "session_id" not in body
    assert missing.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_invitation_or_one_past_its_deadline_is_invalid(harness: Harness):
    unknown = harness.client.post("/v1/sessions", json={"invitation_reference": "A" * 24})
    _assert_problem(unknown, 404, "invitation_invalid")
    old = invite(harness.register, 2, deadline=harness.clock.today() + timedelta(days=1))
    later(harness.clock, days=2)
    expired = harness.client.post("/v1/sessions", json={"invitation_reference": old})
    _assert_problem(expired, 404, "invitation_invalid")


def test_known_person_start_is_behind_a_setting(harness: Harness):
    body = {"person": {"foreign_id": "X1234567", "issuing_state": "SWE"}}
    assert harness.client.post("/v1/sessions", json=body).status_code == 201
    harness.ctx.session_settings.allow_known_person_start = False
    _assert_problem(
        harness.client.post("/v1/sessions", json=body), 403, "known_person_start_disabled"
    )
    invalid = harness.client.post("/v1/sessions", json={"person": {"national_id": "98765432"}})
    problem = _assert_problem(invalid, 422, "request_invalid")
    # the input is never echoed (the problem's request id is random hex: a longer needle)
    assert "98765432" not in str(problem)


def test_aa_nonce_is_single_use_bound_and_expires(harness: Harness):
    started = harness.start()
    harness.consent(started)
    nonce = started["aa_nonce"]
    path = f"parts/AA_SIGNATURE?nonce={nonce}"
    _assert_problem(
        _put(harness, started, "parts/AA_SIGNATURE?nonce=00", b"s", OCTETS["content-type"]),
        409,
        "aa_nonce_unknown",
    )
    assert _put(harness, started, path, b"sig-1", OCTETS["content-type"]).status_code == 201
    assert _put(harness, started, path, b"sig-1", OCTETS["content-type"]).status_code == 200
    _assert_problem(
        _put(harness, started, path, b"sig-2", OCTETS["content-type"]), 409, "aa_nonce_reused"
    )
    other = harness.start(1)
    harness.consent(other)
    _assert_problem(
        _put(harness, other, path, b"sig-1", OCTETS["content-type"]), 409, "aa_nonce_unknown"
    )
    later(harness.clock, minutes=harness.ctx.session_settings.aa_nonce_ttl_minutes + 1)
    fresh = f"parts/AA_SIGNATURE?nonce={other['aa_nonce']}"
    _assert_problem(
        _put(harness, other, fresh, b"sig", OCTETS["content-type"]), 410, "aa_nonce_expired"
    )


def test_expired_liveness_challenge_refuses_frames(harness: Harness):
    started = harness.start()
    harness.consent(started)
    later(harness.clock, hours=1)
    challenge = started["liveness_challenge"]["challenge_id"]
    response = _put(
        harness, started, f"frames/0?captured_at_ms=0&challenge_id={challenge}", JPEG, "image/jpeg"
    )
    _assert_problem(response, 410, "challenge_expired")


def test_concurrent_submits_make_exactly_one_job(harness: Harness):
    started = harness.ready()
    app = harness.client.client._transport.app

    async def submit_many() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            url = f"/v1/sessions/{started['session_id']}/submit"
            responses = await asyncio.gather(
                *(client.post(url, headers=auth(started)) for _ in range(8))
            )
        return [r.status_code for r in responses]

    assert asyncio.run(submit_many()) == [202] * 8
    with harness.ctx.unit_of_work() as db:
        assert db.scalar(select(func.count()).select_from(Job)) == 1
    assert harness.run_worker() == "approved"
    assert harness.run_worker() is None
    assert len(harness.pipeline.seen) == 1


def test_session_expires_when_not_submitted(harness: Harness):
    started = harness.start()
    harness.consent(started)
    later(harness.clock, hours=harness.ctx.session_settings.session_ttl_hours)
    response = _put(harness, started, "parts/DG1", CHIP["DG1"], OCTETS["content-type"])
    _assert_problem(response, 410, "session_expired")
    status = harness.client.get(f"/v1/sessions/{started['session_id']}", headers=auth(started))
    assert status.json()["status"] == "expired"


def test_unknown_routes_and_methods_are_problems(harness: Harness):
    _assert_problem(harness.client.get("/v1/nothing"), 404, "not_found")
    _assert_problem(harness.client.put("/v1/sessions"), 405, "method_not_allowed")
    _assert_problem(harness.client.post("/v1/sessions", content=b"{"), 422, "request_invalid")


def test_expired_nonce_and_challenge_can_be_renewed_while_collecting(harness: Harness):
    started = harness.start()
    harness.consent(started)
    sid, headers = started["session_id"], auth(started)
    old_challenge = started["liveness_challenge"]["challenge_id"]
    frame = f"frames/0?captured_at_ms=0&challenge_id={old_challenge}"
    assert _put(harness, started, frame, JPEG, "image/jpeg").status_code == 201
    later(harness.clock, hours=1)
    _assert_problem(_put(harness, started, frame, PNG, "image/png"), 410, "challenge_expired")

    renewed = harness.client.post(f"/v1/sessions/{sid}/challenges", headers=headers)
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["attempt"] == 1
    assert body["aa_nonce"] != started["aa_nonce"]
    # the frame made under the old challenge no longer counts, the old values are spent
    privacy = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()
    assert privacy["held"] == []
    _assert_problem(_put(harness, started, frame, PNG, "image/png"), 409, "challenge_reused")
    old_aa = f"parts/AA_SIGNATURE?nonce={started['aa_nonce']}"
    _assert_problem(
        _put(harness, started, old_aa, b"s", "application/octet-stream"), 409, "aa_nonce_reused"
    )
    harness.upload_all({**started, **body})
    assert harness.client.post(f"/v1/sessions/{sid}/submit", headers=headers).status_code == 202
    assert harness.run_worker() == "approved"
    assert harness.pipeline.seen[0].aa_challenge == bytes.fromhex(body["aa_nonce"])


def test_one_challenge_kind_renewed_alone_keeps_what_the_other_made(harness: Harness):
    """A page that captured the frames hands the chip read to the app: ``renew=aa`` gives a
    fresh AA nonce and keeps the frames (and the liveness challenge); ``renew=liveness``
    keeps an AA signature already made."""
    started = harness.start()
    harness.consent(started)
    sid, headers = started["session_id"], auth(started)
    challenge = started["liveness_challenge"]["challenge_id"]
    frame = f"frames/0?captured_at_ms=0&challenge_id={challenge}"
    assert _put(harness, started, frame, JPEG, "image/jpeg").status_code == 201

    renewed = harness.client.post(f"/v1/sessions/{sid}/challenges?renew=aa", headers=headers)
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["aa_nonce"] != started["aa_nonce"]
    assert body["liveness_challenge"]["challenge_id"] == challenge
    held = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()["held"]
    assert [(h["category"], h["count"]) for h in held] == [("liveness", 1)]
    old_aa = f"parts/AA_SIGNATURE?nonce={started['aa_nonce']}"
    _assert_problem(
        _put(harness, started, old_aa, b"s", "application/octet-stream"), 409, "aa_nonce_reused"
    )
    signature = f"parts/AA_SIGNATURE?nonce={body['aa_nonce']}"
    assert _put(harness, started, signature, b"s", "application/octet-stream").status_code == 201

    again = harness.client.post(f"/v1/sessions/{sid}/challenges?renew=liveness", headers=headers)
    assert again.status_code == 200
    assert again.json()["aa_nonce"] == body["aa_nonce"]
    assert again.json()["liveness_challenge"]["challenge_id"] != challenge
    held = harness.client.get(f"/v1/sessions/{sid}/privacy", headers=headers).json()["held"]
    assert [(h["category"], h["count"]) for h in held] == [("chip", 1)]
    _assert_problem(_put(harness, started, frame, PNG, "image/png"), 409, "challenge_reused")
    _assert_problem(
        harness.client.post(f"/v1/sessions/{sid}/challenges?renew=chip", headers=headers),
        422,
        "request_invalid",
    )
