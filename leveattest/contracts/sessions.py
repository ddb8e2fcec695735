"""Request and response bodies of ``/v1/sessions`` (pydantic; published as OpenAPI).

Binary parts are not JSON: they are ``PUT`` as the raw request body with their content
type (``application/octet-stream`` for chip files and the AA signature, ``image/jpeg`` or
``image/png`` for images). Errors are RFC 9457 ``application/problem+json`` (:class:`Problem`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

# chip files by name (ICAO 9303 EF names), plus the AA signature over the issued nonce
CHIP_PARTS = ("EF_COM", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15", "EF_SOD", "AA_SIGNATURE")
IMAGE_PARTS = ("PAGE", "SELFIE")


class UploadPart(StrEnum):
    """What ``PUT /v1/sessions/{id}/parts/{part}`` takes: a chip file (ICAO 9303 EF name),
    the AA signature over the issued nonce, the data-page photo or the selfie (liveness
    frames go to ``/frames/{index}``)."""

    EF_COM = "EF_COM"
    DG1 = "DG1"
    DG2 = "DG2"
    DG11 = "DG11"
    DG12 = "DG12"
    DG14 = "DG14"
    DG15 = "DG15"
    EF_SOD = "EF_SOD"
    AA_SIGNATURE = "AA_SIGNATURE"
    PAGE = "PAGE"
    SELFIE = "SELFIE"


class Status(StrEnum):
    AWAITING_CONSENT = "awaiting_consent"
    COLLECTING = "collecting"
    RECEIVED = "received"
    ANALYSING = "analysing"
    RETRY_REQUESTED = "retry_requested"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class OutcomeCode(StrEnum):
    """The final outcome told to the pensioner (and queued for notification)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    DEADLINE_PASSED = "deadline_passed"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonReference(_Model):
    """A known person (staff/test path): a Norwegian id, or a foreign id with its state."""

    national_id: str | None = Field(default=None, pattern=r"^\d{11}$")
    foreign_id: str | None = Field(default=None, min_length=1, max_length=40)
    issuing_state: str | None = Field(default=None, pattern=r"^[A-Z<]{3}$")

    @model_validator(mode="after")
    def _one_identity(self) -> PersonReference:
        national = self.national_id is not None
        foreign = self.foreign_id is not None and self.issuing_state is not None
        if national == foreign:
            raise ValueError("give national_id, or foreign_id with issuing_state")
        return self


class StartSessionRequest(_Model):
    invitation_reference: str | None = Field(default=None, min_length=8, max_length=64)
    person: PersonReference | None = None

    @model_validator(mode="after")
    def _one_origin(self) -> StartSessionRequest:
        if (self.invitation_reference is None) == (self.person is None):
            raise ValueError("give invitation_reference or person")
        return self


class SessionStarted(_Model):
    session_id: str
    access_token: str  # send as "Authorization: Bearer <token>" on every later call
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime
    status: Status
    attempt: int
    aa_nonce: str  # hex, 8 bytes: the chip signs it (Active Authentication)
    aa_nonce_expires_at: datetime
    liveness_challenge: dict[str, Any]
    consent_notice_versions: list[str]
    status_url: str


class ConsentRequest(_Model):
    notice_version: str = Field(min_length=1, max_length=20)
    language: str = Field(min_length=2, max_length=8)


class ConsentReceipt(_Model):
    session_id: str
    notice_version: str
    language: str
    consented_at: datetime
    status: Status


class UploadReceipt(_Model):
    session_id: str
    attempt: int
    part: str  # EF_COM … AA_SIGNATURE, PAGE, SELFIE, FRAME-<index>
    sha256: str
    size: int
    content_type: str
    received_at: datetime
    replaced: int  # how many times this part was replaced by different bytes
    captured_at_ms: int | None = None


class SubmitAccepted(_Model):
    session_id: str
    attempt: int
    status: Status
    status_url: str


class SessionOutcome(_Model):
    """The final outcome in plain words and what to do next, in ``language`` (the consent
    language; English until that language has a catalog); the ids are stable, for apps
    that carry their own translations."""

    code: OutcomeCode
    message_id: str
    message: str
    next_step_id: str
    next_step: str
    language: str


class SessionStatus(_Model):
    session_id: str
    status: Status
    attempt: int
    retries_remaining: int
    reasons: list[str]
    advice: list[str]  # what the pensioner can do, in plain words
    updated_at: datetime
    decided_at: datetime | None = None
    outcome: SessionOutcome | None = None  # once there is a final outcome


class ChallengesIssued(_Model):
    """A new AA nonce and liveness challenge for the current attempt."""

    session_id: str
    attempt: int
    status: Status
    aa_nonce: str
    aa_nonce_expires_at: datetime
    liveness_challenge: dict[str, Any]


class RetryStarted(ChallengesIssued):
    """A new attempt after ``retry_requested`` (uploads open again)."""


class DeletionItem(_Model):
    # chip | page | selfie | liveness | person_facts | replay_prints | check_results |
    # document_facts | notifications
    category: str
    count: int
    bytes: int


class RegisterKeeps(_Model):
    """After a withdrawal: what the register keeps of a certificate already recorded, and why."""

    recorded_at: datetime
    items: list[str]  # full_name, birth_date, identifier, certificate_date, ...
    reason_id: str
    reason: str


class DeletionReceipt(_Model):
    """What was deleted and when; never content, never personal data."""

    session_id: str
    cause: str  # withdrawn | decision | retention | retry | expired
    deleted_at: datetime
    items: list[DeletionItem]
    keys_destroyed: int
    digest: str
    register_keeps: RegisterKeeps | None = None


class HeldCategory(_Model):
    category: str
    count: int
    bytes: int


class RegisterDisclosures(_Model):
    available: bool
    certificate_recorded: bool
    recorded_at: datetime | None = None
    note: str


class PrivacyView(_Model):
    session_id: str
    status: Status
    consented_at: datetime | None
    notice_version: str | None
    held: list[HeldCategory]
    check_results: int  # technical results (no images) kept as evidence of the decision
    companies_told: RegisterDisclosures
    biometrics_deleted_at: datetime | None
    deletion_due_by: datetime | None
    deletions: list[DeletionReceipt]


class Problem(BaseModel):
    """RFC 9457 problem details with a stable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
