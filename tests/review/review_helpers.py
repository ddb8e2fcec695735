"""Helpers for the review console tests: staff users, signed-in clients, seeded cases."""

from __future__ import annotations

import io
import re
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))  # the API test helpers
from api_helpers import BIRTH, SyncClient, nid

from leveattest.core.clock import FixedClock
from leveattest.review.auth import create_account
from leveattest.review.models import AuditEvent
from leveattest.review.settings import ReviewSettings
from leveattest.samples.lds import dg2, facial_record, jpeg2000_portrait
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.models import (
    AttemptNonce,
    SessionState,
    SessionUpload,
    StoredCheck,
    VerificationSession,
)
from leveattest.storage.envelope import MasterKey
from register.client import InProcessRegisterClient

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)  # a Monday
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def jpeg(colour: tuple[int, int, int] = (180, 150, 120), size: tuple[int, int] = (64, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def chip_dg2() -> bytes:
    portrait = Image.new("RGB", (240, 300), (170, 140, 120))
    image = jpeg2000_portrait(portrait)
    return dg2(facial_record(image, 240, 300, gender="F"))


class TestClient(SyncClient):
    """One browser: the API tests' client (httpx over ASGITransport) with its cookie jar."""

    __test__ = False

    def __init__(self, app: FastAPI, base_url: str = "http://testserver") -> None:
        super().__init__(app)
        self.client.base_url = httpx.URL(base_url)

    @property
    def cookies(self) -> httpx.Cookies:
        return self.client.cookies


@dataclass
class User:
    username: str
    role: str
    password: str
    secret: str
    account_id: str


@dataclass
class Console:
    app: FastAPI
    ctx: SessionContext
    clock: FixedClock
    register: InProcessRegisterClient
    settings: ReviewSettings
    clients: list[TestClient] = field(default_factory=list)

    def __enter__(self) -> Console:
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            client.close()

    # -- people ---------------------------------------------------------------------------

    def add_user(self, username: str, role: str) -> User:
        master = MasterKey.from_secret(self.ctx.settings.security.master_key.get_secret_value())
        with self.ctx.unit_of_work() as db:
            created = create_account(
                db, master, self.settings, self.clock.now(), username=username, role=role
            )
            return User(
                created.account.username,
                role,
                created.password,
                created.totp_secret,
                created.account.id,
            )

    def client(self, base_url: str = "http://testserver") -> TestClient:
        client = TestClient(self.app, base_url)
        self.clients.append(client)
        return client

    def code(self, user: User, at: datetime | None = None) -> str:
        return pyotp.TOTP(user.secret).at(at or self.clock.now())

    def login_form(self, client: TestClient) -> str:
        page = client.get("/ops/login")
        assert page.status_code == 200
        match = CSRF.search(page.text)
        assert match
        return match.group(1)

    def try_sign_in(
        self,
        client: TestClient,
        user: User,
        *,
        password: str | None = None,
        code: str | None = None,
    ) -> Any:
        token = self.login_form(client)
        return client.post(
            "/ops/login",
            data={
                "username": user.username,
                "password": user.password if password is None else password,
                "totp": self.code(user) if code is None else code,
                "csrf_token": token,
            },
        )

    def signed_in(self, user: User) -> TestClient:
        client = self.client()
        response = self.try_sign_in(client, user)
        assert response.status_code == 303, response.text
        self.clock.advance(timedelta(seconds=31))  # the next sign-in needs a fresh TOTP step
        return client

    @staticmethod
    def csrf(client: TestClient, url: str = "/ops/queue") -> str:
        page = client.get(url)
        assert page.status_code == 200, page.text
        match = CSRF.search(page.text)
        assert match
        return match.group(1)

    def post(self, client: TestClient, url: str, csrf: str | None = None, **data: str) -> Any:
        token = self.csrf(client) if csrf is None else csrf
        return client.post(url, data={**data, "csrf_token": token})

    def claim(self, client: TestClient, sid: str) -> Any:
        return self.post(client, f"/ops/cases/{sid}/claim")

    # -- cases ----------------------------------------------------------------------------

    def seed_case(
        self,
        index: int = 0,
        *,
        reasons: tuple[str, ...] = ("face_distance_near_threshold",),
        country: str = "NOR",
        birth: date = BIRTH,
        waiting_days: float = 0,
        surname: str = "NORDMANN",
        attempt: int = 1,
    ) -> str:
        sid = secrets.token_hex(16)
        now = self.clock.now()
        submitted = now - timedelta(days=waiting_days)
        facts = {
            "document_type": "P",
            "issuing_state": country,
            "document_number_fp": "0123456789abcdef",
            "expiry_date": "2030-01-01",
            "surname": surname,
            "given_names": "KARI",
            "birth_date": birth.isoformat(),
            "sex": "F",
            "nationality": country,
            "national_id": nid(index),
            "national_id_kind": "fnr",
        }
        owner = blob_owner(sid, attempt)
        images = {"DG2": chip_dg2(), "PAGE": jpeg(), "SELFIE": jpeg((200, 170, 140))}
        frames = {f"FRAME-{i:03d}": jpeg((40 * i, 100, 100)) for i in range(3)}
        with self.ctx.unit_of_work() as db:
            db.add(
                VerificationSession(
                    id=sid,
                    token_hash=secrets.token_hex(32),
                    state=SessionState.NEEDS_REVIEW,
                    origin="known_person",
                    created_at=submitted,
                    updated_at=submitted,
                    expires_at=now + timedelta(days=3),
                    attempt=attempt,
                    submitted_at=submitted,
                    decision="review",
                    reasons=list(reasons),
                    advice=[],
                    document_type="P",
                    document_issuing_state=country,
                    person_facts=facts,
                )
            )
            db.flush()
            for slot, data in {**images, **frames}.items():
                self.ctx.blobs.put(owner, slot, data)
                category = {"DG2": "chip", "PAGE": "page", "SELFIE": "selfie"}.get(slot, "liveness")
                db.add(
                    SessionUpload(
                        session_id=sid,
                        attempt=attempt,
                        slot=slot,
                        category=category,
                        content_type="application/octet-stream" if slot == "DG2" else "image/jpeg",
                        content_mac="00" * 32,
                        size=len(data),
                        captured_at_ms=int(slot[-3:]) * 150 if category == "liveness" else None,
                        received_at=submitted,
                        replaced=0,
                    )
                )
            db.add(
                AttemptNonce(
                    session_id=sid,
                    attempt=attempt,
                    kind="liveness",
                    challenge=CHALLENGE,
                    challenge_id="c1",
                    issued_at=submitted,
                    expires_at=now,
                )
            )
            for check, verdict, reason, evidence in CHECKS:
                db.add(
                    StoredCheck(
                        session_id=sid,
                        attempt=attempt,
                        check=check,
                        verdict=verdict,
                        reason=reason,
                        evidence=evidence,
                        created_at=submitted,
                    )
                )
        return sid

    def session(self, sid: str) -> VerificationSession:
        with self.ctx.unit_of_work() as db:
            row = db.get(VerificationSession, sid)
            assert row is not None
            return row

    def audit(self, action: str | None = None) -> list[AuditEvent]:
        with self.ctx.unit_of_work() as db:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list(db.scalars(query))

    def refusals(self, action: str) -> list[str]:
        return [e.reason for e in self.audit(action) if e.outcome == "refused"]


CHALLENGE = {
    "challenge_id": "c1",
    "colours": [
        {"colour": "red", "rgb": [255, 0, 0], "start_ms": 0, "duration_ms": 200},
        {"colour": "blue", "rgb": [0, 0, 255], "start_ms": 200, "duration_ms": 200},
    ],
    "prompt": {"action": "blink", "start_ms": 600, "end_ms": 1500},
}
BOX = {"left": 10, "top": 12, "width": 40, "height": 50}
CHECKS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("dg_hashes", "passed", "none", {}),
    (
        "face_selfie_chip",
        "inconclusive",
        "face_distance_near_threshold",
        {"distance": 0.57, "threshold": 0.55, "near_band": 0.05, "decision": "near_threshold"},
    ),
    (
        "face_selfie_page",
        "passed",
        "none",
        {"distance": 0.41, "threshold": 0.55, "near_band": 0.05},
    ),
    (
        "face_quality_selfie",
        "passed",
        "none",
        {"faces": 1, "width": 64, "height": 80, "face_box": BOX},
    ),
    ("face_quality_chip", "passed", "none", {"faces": 1, "width": 240, "height": 300}),
    (
        "liveness_passive",
        "inconclusive",
        "liveness_uncertain",
        {"score": 0.42, "live_threshold": 0.6, "spoof_threshold": 0.3},
    ),
    (
        "mrz_page_vs_chip",
        "inconclusive",
        "mrz_unreadable",
        {"score": 0.8, "differing_fields": ["names"], "contradicted_fields": []},
    ),
]
