"""Outcomes queued for the pensioner: a transactional outbox, one row per outcome.

:func:`queue_outcome` runs in the unit of work that decides (so an outcome is queued if
and only if it was committed) and is idempotent: a second call, or a concurrent one on
another worker, leaves the one row (unique ``(session_id, outcome)``). The channels that
send the rows (letter, e-mail, push) belong to the pensioner issue; a row holds nothing
personal beyond what a notification needs (session, outcome, language).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import OutcomeCode, SessionOutcome
from leveattest.core.clock import Clock
from leveattest.core.logging import fingerprint, get_logger
from leveattest.sessions.context import SessionContext
from leveattest.sessions.messages import OUTCOMES, translate
from leveattest.sessions.models import NotificationOutbox, SessionState, VerificationSession

log = get_logger("leveattest.sessions.notifications")
DEFAULT_LANGUAGE = "en"  # the source language of the texts
# a session that may still lead to a certificate (submitted, in review, approved) or that
# has its own outcome (rejected) or whose holder withdrew is not told the deadline passed
_DEADLINE_TOLD = frozenset(
    {
        SessionState.AWAITING_CONSENT,
        SessionState.COLLECTING,
        SessionState.RETRY_REQUESTED,
        SessionState.EXPIRED,
    }
)


def outcome_of(row: VerificationSession) -> OutcomeCode | None:
    """The session's final outcome for the pensioner, if it has one."""
    if row.state == SessionState.APPROVED:
        return OutcomeCode.APPROVED
    if row.state == SessionState.REJECTED:
        return OutcomeCode.REJECTED
    if row.deadline_passed_at is not None:
        return OutcomeCode.DEADLINE_PASSED
    return None


def outcome_view(row: VerificationSession) -> SessionOutcome | None:
    """The outcome in plain words with what to do next, in the consent language."""
    code = outcome_of(row)
    if code is None:
        return None
    message, next_step = OUTCOMES[code]
    language = row.consent_language or DEFAULT_LANGUAGE
    return SessionOutcome(
        code=code,
        message_id=message.message_id,
        message=translate(message, language),
        next_step_id=next_step.message_id,
        next_step=translate(next_step, language),
        language=language,
    )


def queue_outcome(db: Session, clock: Clock, row: VerificationSession) -> bool:
    """Queue the session's outcome for notification (caller commits); True when new."""
    code = outcome_of(row)
    if code is None:
        return False
    exists = db.scalar(
        select(NotificationOutbox.id).where(
            NotificationOutbox.session_id == row.id, NotificationOutbox.outcome == code.value
        )
    )
    if exists is not None:
        return False
    try:
        with db.begin_nested():
            db.add(
                NotificationOutbox(
                    session_id=row.id,
                    outcome=code.value,
                    language=row.consent_language,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        return False  # queued by a concurrent unit of work
    log.info("notification.queued", session=fingerprint(row.id), outcome=code.value)
    return True


def record_deadline_passed(ctx: SessionContext, session_ids: Iterable[str]) -> int:
    """The register says these sessions' letters lapsed: mark each once (its status then
    shows ``deadline_passed``) and queue the outcome; returns how many were marked."""
    marked = 0
    for session_id in session_ids:
        with ctx.unit_of_work() as db:
            row = db.scalars(
                select(VerificationSession)
                .where(VerificationSession.id == session_id[:32])
                .with_for_update()
            ).one_or_none()
            if row is None or row.deadline_passed_at is not None or row.state not in _DEADLINE_TOLD:
                continue
            row.deadline_passed_at = ctx.clock.now()
            queue_outcome(db, ctx.clock, row)
            marked += 1
    return marked
