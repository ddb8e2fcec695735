"""The retention job: biometrics never outlive ``retention_days`` (default 30).

Each run, in one unit of work per session:
* open sessions past their expiry become ``expired`` (their jobs cancelled);
* every session in a final state whose uploads are still held is shredded (this
  catches a shredding that did not run right after the decision);
* every session older than the retention period is shredded whatever its state (a
  session still waiting for review keeps its check results, not its images);
* replay prints (perceptual hashes, ``leveattest.sessions.replay``) older than
  ``replay_retention_days`` are deleted.
A deletion receipt is stored for each (categories and sizes, never content).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, or_, select

from leveattest.core.logging import get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext
from leveattest.sessions.deletion import shred
from leveattest.sessions.models import (
    FINAL_STATES,
    OPEN_STATES,
    SessionState,
    VerificationSession,
)
from leveattest.sessions.replay import expire_prints

log = get_logger("leveattest.sessions.retention")
_EXPIRABLE = tuple(OPEN_STATES | {SessionState.RETRY_REQUESTED})


@dataclass
class RetentionReport:
    expired: list[str] = field(default_factory=list)
    shredded: list[str] = field(default_factory=list)
    replay_prints_expired: int = 0


def run_retention(ctx: SessionContext) -> RetentionReport:
    now = ctx.clock.now()
    cutoff = now - timedelta(days=ctx.session_settings.retention_days)
    report = RetentionReport()
    with ctx.unit_of_work() as db:
        candidates = list(
            db.scalars(
                select(VerificationSession.id).where(
                    VerificationSession.biometrics_deleted_at.is_(None),
                    or_(
                        VerificationSession.state.in_(tuple(FINAL_STATES)),
                        VerificationSession.created_at <= cutoff,
                        and_(
                            VerificationSession.state.in_(_EXPIRABLE),
                            VerificationSession.expires_at <= now,
                        ),
                    ),
                )
            )
        )
    for session_id in candidates:
        with ctx.unit_of_work() as db:
            row = repository.get_session(db, session_id, for_update=True)
            if row.biometrics_deleted_at is not None:
                continue
            cause = "decision" if row.state in FINAL_STATES else "retention"
            if row.state in _EXPIRABLE and row.expires_at <= now:
                row.state, row.updated_at, cause = SessionState.EXPIRED, now, "expired"
                ctx.queue.cancel(db, row.id)
                report.expired.append(session_id)
            shred(db, ctx, row, cause, clear_person_facts=row.state in FINAL_STATES)
            report.shredded.append(session_id)
    with ctx.unit_of_work() as db:
        report.replay_prints_expired = expire_prints(
            db, ctx.clock, ctx.session_settings.replay_retention_days
        )
    log.info(
        "retention.done",
        expired=len(report.expired),
        shredded=len(report.shredded),
        replay_prints_expired=report.replay_prints_expired,
    )
    return report
