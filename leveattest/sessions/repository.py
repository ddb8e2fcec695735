"""Queries on session tables. Repositories never commit: the caller's unit of work does."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from leveattest.sessions.errors import SessionNotFoundError
from leveattest.sessions.models import (
    AttemptNonce,
    DeletionRecord,
    SessionUpload,
    StoredCheck,
    VerificationSession,
)
from leveattest.sessions.tokens import hash_token


def get_session(db: Session, session_id: str, *, for_update: bool = False) -> VerificationSession:
    query = select(VerificationSession).where(VerificationSession.id == session_id)
    if for_update:
        query = query.with_for_update()
    row = db.scalars(query).one_or_none()
    if row is None:
        raise SessionNotFoundError()
    return row


def authorised_session(
    db: Session, session_id: str, token: str, *, for_update: bool = False
) -> VerificationSession:
    """The session if ``token`` is its access token; otherwise not found (no oracle)."""
    try:
        row = get_session(db, session_id[:64], for_update=for_update)
    except SessionNotFoundError:
        hash_token(token)  # same work either way
        raise
    if not hmac.compare_digest(row.token_hash, hash_token(token)):
        raise SessionNotFoundError()
    return row


def authorised_session_with_challenges(
    db: Session, session_id: str, token: str
) -> tuple[VerificationSession, list[AttemptNonce]]:
    """The session, locked as ``authorised_session(..., for_update=True)`` locks it, with
    its liveness challenges, in one round trip (an outer join; only the session row is
    locked). A frame upload needs both and nothing else before it writes."""
    rows = db.execute(
        select(VerificationSession, AttemptNonce)
        .outerjoin(
            AttemptNonce,
            and_(
                AttemptNonce.session_id == VerificationSession.id,
                AttemptNonce.kind == "liveness",
            ),
        )
        .where(VerificationSession.id == session_id[:64])
        .with_for_update(of=VerificationSession)
    ).all()
    if not rows:
        hash_token(token)  # same work either way
        raise SessionNotFoundError()
    row = rows[0][0]
    if not hmac.compare_digest(row.token_hash, hash_token(token)):
        raise SessionNotFoundError()
    return row, [issued for _, issued in rows if issued is not None]


def nonce(db: Session, session_id: str, attempt: int, kind: str) -> AttemptNonce | None:
    """The current (newest) nonce or challenge of a kind for the attempt."""
    return db.scalars(
        select(AttemptNonce)
        .where(
            AttemptNonce.session_id == session_id,
            AttemptNonce.attempt == attempt,
            AttemptNonce.kind == kind,
        )
        .order_by(AttemptNonce.id.desc())
        .limit(1)
    ).first()


def nonces(db: Session, session_id: str, kind: str) -> list[AttemptNonce]:
    return list(
        db.scalars(
            select(AttemptNonce).where(
                AttemptNonce.session_id == session_id, AttemptNonce.kind == kind
            )
        )
    )


def upload(db: Session, session_id: str, attempt: int, slot: str) -> SessionUpload | None:
    return db.scalars(
        select(SessionUpload).where(
            SessionUpload.session_id == session_id,
            SessionUpload.attempt == attempt,
            SessionUpload.slot == slot,
        )
    ).one_or_none()


def taken_upload(db: Session, session_id: str, attempt: int, slot: str) -> SessionUpload:
    """The upload row a slot has (``NoResultFound`` when it has none)."""
    return db.scalars(
        select(SessionUpload).where(
            SessionUpload.session_id == session_id,
            SessionUpload.attempt == attempt,
            SessionUpload.slot == slot,
        )
    ).one()


def live_uploads(db: Session, session_id: str, attempt: int | None = None) -> list[SessionUpload]:
    query = select(SessionUpload).where(
        SessionUpload.session_id == session_id, SessionUpload.deleted_at.is_(None)
    )
    if attempt is not None:
        query = query.where(SessionUpload.attempt == attempt)
    return list(db.scalars(query.order_by(SessionUpload.slot)))


def attempt_uploads(db: Session, session_id: str, attempt: int) -> list[SessionUpload]:
    """Every upload row of one attempt, including parts superseded by renewed challenges."""
    return list(
        db.scalars(
            select(SessionUpload).where(
                SessionUpload.session_id == session_id, SessionUpload.attempt == attempt
            )
        )
    )


def check_count(db: Session, session_id: str) -> int:
    return int(db.scalar(select(func.count()).where(StoredCheck.session_id == session_id)) or 0)


def deletion_records(db: Session, session_id: str) -> list[DeletionRecord]:
    return list(
        db.scalars(
            select(DeletionRecord)
            .where(DeletionRecord.session_id == session_id)
            .order_by(DeletionRecord.id)
        )
    )


def mark_nonces_used(
    db: Session,
    session_id: str,
    attempt: int,
    at: datetime,
    *,
    kinds: Collection[str] | None = None,
) -> None:
    """Spend the attempt's unused nonces (of ``kinds`` only, when given)."""
    query = select(AttemptNonce).where(
        AttemptNonce.session_id == session_id,
        AttemptNonce.attempt == attempt,
        AttemptNonce.used_at.is_(None),
    )
    if kinds is not None:
        query = query.where(AttemptNonce.kind.in_(list(kinds)))
    for row in db.scalars(query):
        row.used_at = at
