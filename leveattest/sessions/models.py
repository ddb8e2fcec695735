"""leveattest's own tables (SQLAlchemy 2 typed models).

Personal data lives only in ``verification_sessions.person_facts`` (what the chip said,
needed for the register hand-off after a review) and in the encrypted blob store; both
are cleared at the final decision, on withdrawal and by the retention job. Evidence of
checks never holds images (see ``leveattest.core.evidence``). How long each table is
kept, and why: docs/retention.md.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from leveattest.sessions.db import Base, UTCDateTime


class SessionState(StrEnum):
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


FINAL_STATES = frozenset(
    {SessionState.APPROVED, SessionState.REJECTED, SessionState.WITHDRAWN, SessionState.EXPIRED}
)
OPEN_STATES = frozenset({SessionState.AWAITING_CONSENT, SessionState.COLLECTING})


class VerificationSession(Base):
    __tablename__ = "verification_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # invitation | known_person
    # keyed fingerprint of the invited person: compared with the chip, never reversible
    expected_person_fp: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    consent_notice_version: Mapped[str | None] = mapped_column(String(20))
    consent_language: Mapped[str | None] = mapped_column(String(8))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))  # "pipeline" or a reviewer id
    decision: Mapped[str | None] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    advice: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_type: Mapped[str | None] = mapped_column(String(4))
    document_issuing_state: Mapped[str | None] = mapped_column(String(3))
    person_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # personal, cleared early
    register_certificate_id: Mapped[int | None] = mapped_column(Integer)
    register_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    biometrics_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the holder's age band when the pipeline decided (kept: no birth date, for fairness
    # figures across ages on the ops dashboard)
    age_band: Mapped[str | None] = mapped_column(String(10))
    # the register's deadline for the invitation passed before a certificate was recorded
    deadline_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AttemptNonce(Base):
    """A server-issued value for one attempt: the AA nonce or the liveness challenge.

    The newest unused one of a kind is the current one; renewing marks the old ones used."""

    __tablename__ = "attempt_nonces"
    __table_args__ = (Index("ix_attempt_nonces_session_attempt", "session_id", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # aa | liveness
    value: Mapped[bytes | None] = mapped_column(LargeBinary)  # the AA nonce
    challenge: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the liveness challenge
    challenge_id: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionUpload(Base):
    """One uploaded part (content is in the blob store; here a keyed MAC and the size).

    Never a plain hash: the SHA-256 of DG1/DG2 is what the passport's EF.SOD signs, so it
    would link the row to the passport. The row is deleted with the blobs it describes.
    """

    __tablename__ = "session_uploads"
    __table_args__ = (UniqueConstraint("session_id", "attempt", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    slot: Mapped[str] = mapped_column(String(20))  # DG1, PAGE, SELFIE, FRAME-007 ...
    category: Mapped[str] = mapped_column(String(20))  # chip | page | selfie | liveness
    content_type: Mapped[str] = mapped_column(String(40))
    # HMAC-SHA256 under a key derived from the master key (``uploads.content_mac``)
    content_mac: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    captured_at_ms: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StoredCheck(Base):
    """A check result of one attempt, with its evidence (never images)."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    check: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(60))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeletionRecord(Base):
    """A deletion receipt: what was deleted (categories, sizes, digest), never content."""

    __tablename__ = "deletion_receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE"), index=True
    )
    cause: Mapped[str] = mapped_column(String(20))  # decision | withdrawn | retention | retry
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    keys_destroyed: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))


class ReplayPrint(Base):
    """Perceptual hashes of one capture, for the liveness replay defence.

    Not images and not biometric templates: 64-bit hashes identify a *picture* (a re-sent
    frame or selfie), not a face. ``scope`` is the keyed person fingerprint of the
    invitation (or ``"*"``), so a capture is only compared with the same person's earlier
    captures. Kept for ``replay_retention_days`` (an annual replay must still be caught),
    deleted with the session's data on withdrawal.
    """

    __tablename__ = "replay_prints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(32), index=True)
    frame_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    face_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    selfie_hash: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class NotificationOutbox(Base):
    """An outcome waiting to be told to the pensioner, one row per session and outcome.

    Channels (letter, e-mail, push) are the pensioner issue's; the row holds only what a
    notification needs: the session, the outcome code and the language (no name, no
    address, no identifier). Deleted with the session row (docs/retention.md).
    """

    __tablename__ = "notification_outbox"
    __table_args__ = (UniqueConstraint("session_id", "outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE")
    )
    outcome: Mapped[str] = mapped_column(String(20))  # approved | rejected | deadline_passed
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PensionerContact(Base):
    """The e-mail address a pensioner gave for the outcome (optional), sealed with a key
    wrapped by the master key (context: the session id). Deleted as soon as the outcome
    e-mail is sent, and with the session row; never logged."""

    __tablename__ = "pensioner_contacts"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    email_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RightsRequest(Base):
    """A pensioner's request under the GDPR (objection, rectification, restriction), a case
    in the ops console with the one-month answer deadline of art. 12(3). The letter's
    reference is kept only keyed (HMAC under the master key); what the pensioner wrote and
    the answer are sealed with the master key (context: the request id)."""

    __tablename__ = "rights_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, the case id
    reference_key: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # objection | rectification | restriction
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), index=True)  # open | answered
    details_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answer_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the letter's reference, sealed: to record an objection in the register (migration 0011)
    reference_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    objection_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RightsRequestEvent(Base):
    """The audit trail of one rights request (received, viewed, answered): who and when."""

    __tablename__ = "rights_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("rights_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))  # pensioner | ops:<account id>
    action: Mapped[str] = mapped_column(String(20))  # received | viewed | answered
