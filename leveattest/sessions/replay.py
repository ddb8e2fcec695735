"""The liveness replay index in the database, shared by every worker process.

``DatabaseReplaySource(sessions, clock).for_scope(scope)`` gives the index one job uses:
it compares a capture only with earlier captures of the same person (``scope`` is the
keyed person fingerprint of the invitation; ``"*"`` when a session has none) and never
with the same session's own prints (a retried job or a retry attempt of one session is
not a replay of itself). Matching is the engine's own (``InMemoryReplayIndex``) over the
scope's rows; a pensioner has a handful of captures a year, so the scan stays small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.face.liveness.replay import Fingerprint, InMemoryReplayIndex, ReplayMatch
from leveattest.sessions.models import ReplayPrint

UNSCOPED = "*"


def _hex(value: int) -> str:
    return f"{value:016x}"


def _int(value: str) -> int:
    return int(value, 16)


def adopt_scopes(db: Session, current: str, stale: list[str]) -> int:
    """Move the person's prints made under a previous key (scopes ``stale``) to the
    fingerprint of the current one, so that their new captures are compared with them.

    Called when a session starts, the one moment the person's identity is known: a
    fingerprint cannot be recomputed otherwise (docs/keys.md). Returns the rows moved."""
    if not stale:
        return 0
    result = db.execute(
        update(ReplayPrint)
        .where(ReplayPrint.scope.in_(stale))
        .values(scope=current)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def to_row(scope: str, print_: Fingerprint, clock: Clock) -> ReplayPrint:
    return ReplayPrint(
        scope=scope,
        session_id=print_.session_id,
        frame_hashes=[_hex(h) for h in print_.frame_hashes],
        face_hashes=[_hex(h) for h in print_.face_hashes],
        selfie_hash=_hex(print_.selfie_hash) if print_.selfie_hash is not None else None,
        created_at=clock.now(),
    )


def from_row(row: ReplayPrint) -> Fingerprint:
    return Fingerprint(
        session_id=row.session_id,
        frame_hashes=tuple(_int(h) for h in row.frame_hashes),
        face_hashes=tuple(_int(h) for h in row.face_hashes),
        selfie_hash=_int(row.selfie_hash) if row.selfie_hash is not None else None,
    )


@dataclass(frozen=True)
class DatabaseReplayIndex:
    """``ReplayIndex`` over the ``replay_prints`` rows of one scope."""

    sessions: sessionmaker[Session]
    clock: Clock
    scope: str

    def find(self, print_: Fingerprint, max_distance: int, min_share: float) -> ReplayMatch | None:
        with self.sessions() as db:
            rows = db.scalars(
                select(ReplayPrint).where(
                    ReplayPrint.scope == self.scope,
                    ReplayPrint.session_id != print_.session_id,
                )
            ).all()
            earlier = [from_row(row) for row in rows]
        return InMemoryReplayIndex(earlier).find(print_, max_distance, min_share)

    def add(self, print_: Fingerprint) -> None:
        with self.sessions() as db, db.begin():
            db.add(to_row(self.scope, print_, self.clock))


@dataclass(frozen=True)
class DatabaseReplaySource:
    """Gives each job the index of its person (``ReplayIndexSource``)."""

    sessions: sessionmaker[Session]
    clock: Clock

    def for_scope(self, scope: str | None) -> DatabaseReplayIndex:
        return DatabaseReplayIndex(self.sessions, self.clock, scope or UNSCOPED)


def forget_session(db: Session, session_id: str) -> int:
    """Delete a session's prints (consent withdrawn); returns how many."""
    result = db.execute(delete(ReplayPrint).where(ReplayPrint.session_id == session_id))
    return int(getattr(result, "rowcount", 0) or 0)


def expire_prints(db: Session, clock: Clock, retention_days: int) -> int:
    """Delete prints older than ``retention_days``; returns how many."""
    cutoff = clock.now() - timedelta(days=retention_days)
    result = db.execute(delete(ReplayPrint).where(ReplayPrint.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
