"""The review queue: cases waiting for a person, oldest first, and claims on them.

The queue shows non-personal facts only (reference, age against the service level,
reasons, document country, age band). A claim is one conditional upsert on the
``review_claims`` primary key: it succeeds when nobody holds the case, the holder's
claim has lapsed, or the caller already holds it, so two reviewers never both hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leveattest.review.errors import CaseNotFoundError, ClaimTakenError
from leveattest.review.models import ProposalStatus, RejectionProposal, ReviewClaim
from leveattest.sessions.bands import AGE_BANDS, UNKNOWN_BAND, age_band
from leveattest.sessions.models import SessionState, VerificationSession

__all__ = ["AGE_BANDS", "UNKNOWN_BAND", "age_band"]


def working_days_between(start: date, end: date) -> int:
    """Mon-Fri days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass(frozen=True)
class QueueItem:
    reference: str
    waiting_since: datetime
    working_days: int
    due: date
    overdue: bool
    reasons: tuple[str, ...]
    country: str
    age_band: str
    claimed_by: str | None  # account id of a live claim
    claim_expires_at: datetime | None
    rejection_proposed_by: str | None


@dataclass(frozen=True)
class QueueFilter:
    reason: str = ""
    country: str = ""
    age_band: str = ""

    def accepts(self, item: QueueItem) -> bool:
        return (
            (not self.reason or self.reason in item.reasons)
            and (not self.country or self.country == item.country)
            and (not self.age_band or self.age_band == item.age_band)
        )


def waiting_since(row: VerificationSession) -> datetime:
    return row.submitted_at or row.created_at


def pending_cases(db: Session) -> list[VerificationSession]:
    return list(
        db.scalars(
            select(VerificationSession)
            .where(VerificationSession.state == SessionState.NEEDS_REVIEW)
            .order_by(VerificationSession.submitted_at, VerificationSession.created_at)
        )
    )


def open_proposal(db: Session, session_id: str) -> RejectionProposal | None:
    return db.scalars(
        select(RejectionProposal).where(
            RejectionProposal.session_id == session_id,
            RejectionProposal.status == ProposalStatus.OPEN,
        )
    ).first()


def list_queue(
    db: Session, now: datetime, service_level_days: int, wanted: QueueFilter | None = None
) -> list[QueueItem]:
    rows = pending_cases(db)
    ids = [row.id for row in rows]
    claims = {
        c.session_id: c
        for c in db.scalars(
            select(ReviewClaim).where(ReviewClaim.session_id.in_(ids), ReviewClaim.expires_at > now)
        )
    }
    proposals = {
        p.session_id: p
        for p in db.scalars(
            select(RejectionProposal).where(
                RejectionProposal.session_id.in_(ids),
                RejectionProposal.status == ProposalStatus.OPEN,
            )
        )
    }
    items = []
    today = now.date()
    for row in rows:
        since = waiting_since(row)
        due = add_working_days(since.date(), service_level_days)
        claim, proposal = claims.get(row.id), proposals.get(row.id)
        items.append(
            QueueItem(
                reference=row.id,
                waiting_since=since,
                working_days=working_days_between(since.date(), today),
                due=due,
                overdue=today > due,
                reasons=tuple(row.reasons or ()),
                country=row.document_issuing_state or "",
                age_band=age_band(row.person_facts, today),
                claimed_by=claim.account_id if claim else None,
                claim_expires_at=claim.expires_at if claim else None,
                rejection_proposed_by=proposal.proposer_id if proposal else None,
            )
        )
    wanted = wanted or QueueFilter()
    items = [item for item in items if wanted.accepts(item)]
    return sorted(items, key=lambda item: item.waiting_since)


def _upsert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def claim_case(
    db: Session, session_id: str, account_id: str, now: datetime, minutes: int
) -> ReviewClaim:
    """Take (or renew) the claim on a pending case in one conditional upsert."""
    row = db.get(VerificationSession, session_id)
    if row is None or row.state != SessionState.NEEDS_REVIEW:
        raise CaseNotFoundError()
    expires = now + timedelta(minutes=minutes)
    insert = _upsert(db.get_bind().dialect.name)
    statement = insert(ReviewClaim).values(
        session_id=session_id, account_id=account_id, claimed_at=now, expires_at=expires
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ReviewClaim.session_id],
        set_={"account_id": account_id, "claimed_at": now, "expires_at": expires},
        where=or_(ReviewClaim.expires_at <= now, ReviewClaim.account_id == account_id),
    )
    db.execute(statement)
    db.expire_all()
    claim = db.get(ReviewClaim, session_id)
    if claim is None or claim.account_id != account_id:
        raise ClaimTakenError()
    return claim


def live_claim(db: Session, session_id: str, now: datetime) -> ReviewClaim | None:
    claim = db.get(ReviewClaim, session_id)
    return claim if claim is not None and claim.expires_at > now else None


def holds_claim(db: Session, session_id: str, account_id: str, now: datetime) -> bool:
    claim = live_claim(db, session_id, now)
    return claim is not None and claim.account_id == account_id


def release_case(db: Session, session_id: str, account_id: str) -> bool:
    """Give the case back; only the holder can (returns whether a claim was removed)."""
    result = db.execute(
        delete(ReviewClaim).where(
            ReviewClaim.session_id == session_id, ReviewClaim.account_id == account_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


def drop_claim(db: Session, session_id: str) -> None:
    db.execute(delete(ReviewClaim).where(ReviewClaim.session_id == session_id))
