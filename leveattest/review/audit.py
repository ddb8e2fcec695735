"""The append-only audit trail: every sign-in, view, image fetch and decision.

Actions are ``ops:<subject>:<action>`` names. ``detail`` holds codes, counts and
fingerprints only, never personal data of pensioners (a reviewer's free-text reason is
kept on the proposal, and only its length here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leveattest.core.logging import fingerprint, get_logger
from leveattest.review.models import AuditEvent

log = get_logger("leveattest.review.audit")
OK = "ok"
REFUSED = "refused"


@dataclass(frozen=True)
class Actor:
    """Who acts: an account id and role, or an unauthenticated caller's fingerprint."""

    id: str
    role: str


ANONYMOUS = Actor("anonymous", "none")


def record(
    db: Session,
    at: datetime,
    actor: Actor,
    action: str,
    *,
    subject: str | None = None,
    outcome: str = OK,
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (the caller's unit of work commits it)."""
    event = AuditEvent(
        at=at,
        actor=actor.id[:64],
        role=actor.role[:20],
        action=action[:60],
        subject=None if subject is None else subject[:64],
        outcome=outcome,
        reason=reason[:60],
        detail=dict(detail or {}),
    )
    db.add(event)
    log.info(
        "review.audit",
        action=action,
        outcome=outcome,
        reason=reason,
        actor=fingerprint(actor.id),
        subject=None if subject is None else fingerprint(subject),
    )
    return event


def events(
    db: Session,
    *,
    limit: int = 200,
    before_id: int | None = None,
    action: str | None = None,
    subject: str | None = None,
) -> list[AuditEvent]:
    """The newest events first (page with ``before_id``)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if subject:
        query = query.where(AuditEvent.subject == subject)
    return list(db.scalars(query))


def count(db: Session, action: str | None = None, outcome: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    return int(db.scalar(query) or 0)
