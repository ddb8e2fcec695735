"""The retention job: biometrics never outlive ``retention_days`` (default 30).

Each run, in one unit of work per session:
* open sessions past their expiry become ``expired`` (their jobs cancelled);
* every session in a final state whose uploads are still held is shredded (this
  catches a shredding that did not run right after the decision);
* every session older than the retention period is shredded whatever its state (a
  session still waiting for review keeps its check results, not its images);
* replay prints (perceptual hashes, ``leveattest.sessions.replay``) older than
  ``replay_retention_days`` are deleted;
* check results of sessions that ended (final state) more than ``check_results_days``
  ago are deleted;
* session rows that ended more than ``session_record_days`` ago are deleted with all
  that hangs on them (nonces, upload rows, check results, deletion receipts, consent,
  the job ledger, queued notifications, review claims and proposals).
A deletion receipt is stored for each shredding (categories and sizes, never content).
Every step is idempotent (a second run finds nothing) and safe on several workers: rows
are locked one session at a time, and deletes by age delete what is there.
The periods and their reasons: docs/retention.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select

from leveattest.core.logging import get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext
from leveattest.sessions.deletion import shred
from leveattest.sessions.models import (
    FINAL_STATES,
    OPEN_STATES,
    RightsRequest,
    SessionState,
    StoredCheck,
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
    check_results_deleted: int = 0
    sessions_deleted: int = 0
    rights_requests_deleted: int = 0


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
    _delete_old_records(ctx, report)
    log.info(
        "retention.done",
        expired=len(report.expired),
        shredded=len(report.shredded),
        replay_prints_expired=report.replay_prints_expired,
        check_results_deleted=report.check_results_deleted,
        sessions_deleted=report.sessions_deleted,
        rights_requests_deleted=report.rights_requests_deleted,
    )
    return report


def _ended_before(days: int, now: datetime) -> ColumnElement[bool]:
    """The session is in a final state that began (decision, or last change) over ``days`` ago."""
    ended = func.coalesce(VerificationSession.decided_at, VerificationSession.updated_at)
    return and_(
        VerificationSession.state.in_(tuple(FINAL_STATES)),
        ended < now - timedelta(days=days),
    )


def _delete_old_records(ctx: SessionContext, report: RetentionReport) -> None:
    settings, now = ctx.session_settings, ctx.clock.now()
    ended = select(VerificationSession.id).where(_ended_before(settings.check_results_days, now))
    with ctx.unit_of_work() as db:
        report.check_results_deleted = _count(
            db.execute(
                delete(StoredCheck)
                .where(StoredCheck.session_id.in_(ended))
                .execution_options(synchronize_session=False)
            )
        )
    with ctx.unit_of_work() as db:  # the rest goes with the row (ON DELETE CASCADE)
        report.sessions_deleted = _count(
            db.execute(
                delete(VerificationSession)
                .where(_ended_before(settings.session_record_days, now))
                .execution_options(synchronize_session=False)
            )
        )
    with ctx.unit_of_work() as db:  # answered rights requests, with their trail (CASCADE)
        report.rights_requests_deleted = _count(
            db.execute(
                delete(RightsRequest)
                .where(
                    RightsRequest.answered_at.is_not(None),
                    RightsRequest.answered_at < now - timedelta(days=settings.session_record_days),
                )
                .execution_options(synchronize_session=False)
            )
        )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
