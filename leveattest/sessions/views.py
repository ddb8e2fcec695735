"""What the phone sees: the session status and the pensioner's privacy view."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import (
    HeldCategory,
    PrivacyView,
    RegisterDisclosures,
    SessionStatus,
    Status,
)
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext
from leveattest.sessions.deletion import receipt_view
from leveattest.sessions.models import OPEN_STATES, ReplayPrint, SessionState, VerificationSession
from leveattest.sessions.notifications import outcome_view
from leveattest.sessions.service import retries_remaining

REGISTER_NOTE = (
    "Which pension companies were told is recorded by the central life-certificate register "
    "(Leveattestregisteret), not by the verification service; ask the register for your "
    "person report."
)


def visible_state(ctx: SessionContext, row: VerificationSession) -> Status:
    """The state, with an unsubmitted session past its expiry shown as expired."""
    if (
        row.state in OPEN_STATES | {SessionState.RETRY_REQUESTED}
        and ctx.clock.now() >= row.expires_at
    ):
        return Status.EXPIRED
    return Status(row.state)


def session_status(ctx: SessionContext, row: VerificationSession) -> SessionStatus:
    return SessionStatus(
        session_id=row.id,
        status=visible_state(ctx, row),
        attempt=row.attempt,
        retries_remaining=retries_remaining(ctx, row),
        reasons=list(row.reasons or []),
        advice=list(row.advice or []),
        updated_at=row.updated_at,
        decided_at=row.decided_at,
        outcome=outcome_view(row),
    )


def privacy_view(db: Session, ctx: SessionContext, row: VerificationSession) -> PrivacyView:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for upload in repository.live_uploads(db, row.id):
        totals[upload.category][0] += 1
        totals[upload.category][1] += upload.size
    held = [HeldCategory(category=c, count=n, bytes=b) for c, (n, b) in sorted(totals.items())]
    if row.person_facts is not None:
        held.append(HeldCategory(category="person_facts", count=1, bytes=0))
    # perceptual hashes of the capture (no image): kept to catch a replay next year
    prints = db.scalar(
        select(func.count()).select_from(ReplayPrint).where(ReplayPrint.session_id == row.id)
    )
    if prints:
        held.append(HeldCategory(category="replay_hashes", count=int(prints), bytes=0))
    due = None
    if row.biometrics_deleted_at is None:
        due = row.created_at + timedelta(days=ctx.session_settings.retention_days)
        if row.state in OPEN_STATES:
            due = min(due, row.expires_at)
    return PrivacyView(
        session_id=row.id,
        status=visible_state(ctx, row),
        consented_at=row.consented_at,
        notice_version=row.consent_notice_version,
        held=held,
        check_results=repository.check_count(db, row.id),
        companies_told=RegisterDisclosures(
            available=False,
            certificate_recorded=row.register_recorded_at is not None,
            recorded_at=row.register_recorded_at,
            note=REGISTER_NOTE,
        ),
        biometrics_deleted_at=row.biometrics_deleted_at,
        deletion_due_by=due,
        deletions=[receipt_view(r, row) for r in repository.deletion_records(db, row.id)],
    )
