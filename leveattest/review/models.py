"""The review console's tables (same ``Base`` and migrations as the session tables).

Staff accounts and their server-side sign-in sessions, claims on cases (one row per
case: two reviewers can never hold the same case), proposed rejections awaiting a
second person, and the append-only audit trail. No table here holds personal data of
pensioners: the case pages read it from ``verification_sessions`` while it exists.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from leveattest.sessions.db import Base, UTCDateTime


class Role(StrEnum):
    REVIEWER = "reviewer"
    SENIOR_REVIEWER = "senior_reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # records paper and in-person life certificates in the register (issue 12, item 6)
    REGISTER_OPERATOR = "register_operator"


DECIDING_ROLES = frozenset({Role.REVIEWER, Role.SENIOR_REVIEWER})


class ProposalStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    OVERRIDDEN = "overridden"


class StaffAccount(Base):
    __tablename__ = "review_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(20), default="local")  # local | oidc
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # the TOTP secret, wrapped with the master key (context: the account id)
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the last TOTP time step accepted: a code of that step or earlier is a replay
    last_totp_step: Mapped[int | None] = mapped_column(Integer)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random token, this row its SHA-256."""

    __tablename__ = "review_staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("review_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReviewClaim(Base):
    """Who holds a case; the primary key makes a second holder impossible."""

    __tablename__ = "review_claims"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("review_accounts.id", ondelete="CASCADE"))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RejectionProposal(Base):
    """A first reviewer's rejection, final only when a different senior reviewer confirms."""

    __tablename__ = "review_rejection_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("verification_sessions.id", ondelete="CASCADE"), index=True
    )
    proposer_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(2000))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only: who, when, what (``ops:<subject>:<action>``), outcome and why."""

    __tablename__ = "review_audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(10))  # ok | refused
    reason: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
