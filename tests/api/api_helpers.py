"""Helpers for the API tests: parts, invitations, a stub pipeline and a test harness."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from leveattest.core.checks import CheckResult, Reason
from leveattest.core.clock import FixedClock
from leveattest.jobs.worker import run_once
from leveattest.mrz.national import make_norwegian_id
from leveattest.pipeline.inputs import SessionInputs
from leveattest.pipeline.outcome import Decision, DocumentFacts, PipelineOutcome
from leveattest.sessions.context import SessionContext
from register.client import InProcessRegisterClient
from register.db.engine import make_session_factory as make_register_sessions
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.requests import create_request

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
BIRTH = date(1950, 5, 17)

# minimal well-formed parts: BER-TLV with the right first tag; complete JPEG/PNG envelopes
CHIP = {
    "EF_COM": b"\x60\x03abc",
    "DG1": b"\x61\x05\x5f\x1f\x02AB",
    "DG2": b"\x75\x04face",
    "DG14": b"\x6e\x02ok",
    "DG15": b"\x6f\x02ok",
    "EF_SOD": b"\x77\x03sod",
}
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-body" * 20 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"png-body" * 10 + b"IEND\xaeB`\x82"


def nid(index: int = 0) -> str:
    found = 0
    for individual in range(1, 500):
        try:
            value = make_norwegian_id(BIRTH, individual)
        except ValueError:
            continue
        if found == index:
            return value
        found += 1
    raise AssertionError("ran out of individual numbers")


def invite(client: InProcessRegisterClient, index: int = 0, **kwargs: Any) -> str:
    """A register invitation for the ``index``-th synthetic person (via a yearly request)."""
    sessions = make_register_sessions(client.engine)  # type: ignore[attr-defined]
    with sessions() as db, db.begin():
        person = get_or_create_person(
            db, client._clock, norwegian_id(nid(index), accept_synthetic=True)
        )
        receipt = create_request(
            db, client._clock, client._settings, person, schedule="yearly", **kwargs
        )
    return receipt.invitation_reference


def certificates(client: InProcessRegisterClient) -> list[tuple[str, str]]:
    with client.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text("SELECT session_reference, method FROM certificates")).all()
    return [(r[0], r[1]) for r in rows]


def facts(index: int = 0) -> DocumentFacts:
    return DocumentFacts(
        document_type="P",
        issuing_state="NOR",
        document_number_fp="0123456789abcdef",
        expiry_date=date(2030, 1, 1),
        surname="NORDMANN",
        given_names="KARI",
        birth_date=BIRTH,
        sex="F",
        nationality="NOR",
        national_id=nid(index),
        national_id_kind="fnr",
    )


class SyncClient:
    """httpx over ASGITransport, driven from synchronous tests on a private event loop."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://leveattest.test",
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()


@dataclass
class StubPipeline:
    """Stands in for the real pipeline in tests about the API (records its inputs)."""

    decision: Decision = Decision.APPROVE
    document: DocumentFacts | None = field(default_factory=facts)
    advice: list[str] = field(default_factory=list)
    seen: list[SessionInputs] = field(default_factory=list)

    def run(self, inputs: SessionInputs) -> PipelineOutcome:
        self.seen.append(inputs)
        return PipelineOutcome(
            decision=self.decision,
            reasons=[] if self.decision is Decision.APPROVE else [Reason.TOO_DARK],
            advice=self.advice,
            checks=[
                CheckResult.passed("sod_parse", sod_sha256="ab" * 32, portrait=JPEG),
                CheckResult.passed("face_selfie_chip", distance=0.31, embedding=[0.1] * 128),
            ],
            document=self.document,
        )


@dataclass
class Harness:
    client: SyncClient
    ctx: SessionContext
    clock: FixedClock
    register: InProcessRegisterClient
    pipeline: StubPipeline

    def run_worker(self) -> str | None:
        return run_once(self.ctx, self.pipeline)

    def start(self, index: int = 0) -> dict[str, Any]:
        response = self.client.post(
            "/v1/sessions", json={"invitation_reference": invite(self.register, index)}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def consent(self, started: dict[str, Any]) -> None:
        response = self.client.post(
            f"/v1/sessions/{started['session_id']}/consent",
            json={"notice_version": "2026-1", "language": "nb"},
            headers=auth(started),
        )
        assert response.status_code == 200, response.text

    def upload_all(self, started: dict[str, Any], frames: int = 3) -> None:
        sid, headers = started["session_id"], auth(started)
        for name, data in CHIP.items():
            self.put(f"/v1/sessions/{sid}/parts/{name}", data, headers, "application/octet-stream")
        self.put(
            f"/v1/sessions/{sid}/parts/AA_SIGNATURE?nonce={started['aa_nonce']}",
            b"signature",
            headers,
            "application/octet-stream",
        )
        self.put(f"/v1/sessions/{sid}/parts/PAGE", JPEG, headers, "image/jpeg")
        self.put(f"/v1/sessions/{sid}/parts/SELFIE", PNG, headers, "image/png")
        challenge = started["liveness_challenge"]["challenge_id"]
        for index in range(frames):
            self.put(
                f"/v1/sessions/{sid}/frames/{index}?captured_at_ms={index * 100}"
                f"&challenge_id={challenge}",
                JPEG + bytes([index]) * 0,
                headers,
                "image/jpeg",
            )

    def put(self, url: str, data: bytes, headers: dict[str, str], media: str) -> None:
        response = self.client.put(url, content=data, headers={**headers, "content-type": media})
        assert response.status_code in {200, 201}, response.text

    def ready(self, index: int = 0) -> dict[str, Any]:
        started = self.start(index)
        self.consent(started)
        self.upload_all(started)
        return started


def auth(started: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {started['access_token']}"}


def later(clock: FixedClock, **delta: float) -> None:
    clock.advance(timedelta(**delta))
