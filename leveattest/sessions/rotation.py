"""Moving what the service stored under a previous master key to the current one.

``leveattest keys rotate`` runs :func:`rotate_service` (docs/keys.md). Every step is
idempotent and works in small units that are each complete on their own — one owner's
wrapped data key (an atomic file replace), one batch of rows (one transaction) — so a
rotation that stops half-way (a crash, a kill, a database outage) is finished by running
it again, and running it after it has finished changes nothing.

What is moved:
- the blob store's wrapped data keys: unwrapped with whichever key of the ring wrapped
  them, wrapped again by the current KEK (the blobs themselves are not re-encrypted);
- sealed columns (e-mail addresses, and through ``extra`` the ops console's TOTP
  secrets): the same, row by row;
- upload MACs: recomputed from the blob they describe (a row whose blob is gone keeps
  no MAC: it is only used to recognise a re-sent part).

What cannot be moved: person fingerprints (``verification_sessions.expected_person_fp``
and the replay prints' ``scope``) are HMACs of an identity the service does not keep.
They are matched with the previous key for as long as it stays in the ring (and a
person's replay prints move to the current key when they start a session,
``replay.adopt_scopes``); the report counts the sessions holding one, with the time by
which the last of the open ones ends. What no key of the ring opens is left as it is and
counted as ``failed``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from leveattest.core.keys import KeyRing
from leveattest.core.logging import get_logger
from leveattest.sessions.context import blob_owner
from leveattest.sessions.mail import contact_context
from leveattest.sessions.models import (
    FINAL_STATES,
    PensionerContact,
    ReplayPrint,
    RightsRequest,
    SessionUpload,
    VerificationSession,
)
from leveattest.sessions.replay import UNSCOPED
from leveattest.sessions.rights import sealed_context
from leveattest.sessions.uploads import content_mac
from leveattest.storage.blobs import BlobNotFoundError, RotatableBlobStore, owner_fingerprint
from leveattest.storage.envelope import DecryptionError, MasterKey

log = get_logger("leveattest.sessions.rotation")
BATCH = 200

# called after each completed unit with the step's name; tests use it to stop a run
Progress = Callable[[str], None]


@dataclass
class StepCount:
    """What one step found: ``moved`` now, ``current`` already, ``cleared`` (a value that
    could not be recomputed and was dropped), ``failed`` (left as it was)."""

    moved: int = 0
    current: int = 0
    cleared: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "moved": self.moved,
            "current": self.current,
            "cleared": self.cleared,
            "failed": self.failed,
        }


@dataclass
class RotationReport:
    key_id: str
    previous_key_ids: tuple[str, ...]
    steps: dict[str, StepCount] = field(default_factory=dict)
    # keyed fingerprints that cannot be recomputed (see the module docstring)
    person_fingerprints_kept: int = 0
    replay_scopes_kept: int = 0
    open_sessions_end_by: datetime | None = None

    @property
    def complete(self) -> bool:
        return not any(step.failed for step in self.steps.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "previous_key_ids": list(self.previous_key_ids),
            "complete": self.complete,
            "steps": {name: step.to_dict() for name, step in self.steps.items()},
            "not_recomputable": {
                "person_fingerprints": self.person_fingerprints_kept,
                "replay_scopes": self.replay_scopes_kept,
                "open_sessions_end_by": (
                    self.open_sessions_end_by.isoformat() if self.open_sessions_end_by else None
                ),
            },
        }


@dataclass(frozen=True)
class SealedColumn:
    """A column of values wrapped by ``MasterKey.wrap`` and how to name their context."""

    name: str
    model: type[Any]
    column: InstrumentedAttribute[Any]
    context: Callable[[Any], str]


def _no_progress(step: str) -> None:
    del step


def rotate_service(
    sessions: sessionmaker[Session],
    blobs: RotatableBlobStore,
    ring: KeyRing,
    *,
    extra: tuple[SealedColumn, ...] = (),
    batch: int = BATCH,
    progress: Progress = _no_progress,
) -> RotationReport:
    """Move every key-dependent value the service stores to the current master key."""
    master = MasterKey.from_ring(ring)
    report = RotationReport(ring.current_id, ring.previous_ids)
    report.steps["blob_keys"] = _rotate_blob_keys(blobs, progress)
    columns = (
        SealedColumn(
            "contact_addresses",
            PensionerContact,
            PensionerContact.email_sealed,
            lambda row: contact_context(row.session_id),
        ),
        SealedColumn(
            "rights_details",
            RightsRequest,
            RightsRequest.details_sealed,
            lambda row: sealed_context("details", row.id),
        ),
        SealedColumn(
            "rights_answers",
            RightsRequest,
            RightsRequest.answer_sealed,
            lambda row: sealed_context("answer", row.id),
        ),
        SealedColumn(
            "rights_references",
            RightsRequest,
            RightsRequest.reference_sealed,
            lambda row: sealed_context("reference", row.id),
        ),
        *extra,
    )
    for sealed in columns:
        report.steps[sealed.name] = _rotate_sealed(sessions, master, sealed, batch, progress)
    report.steps["upload_macs"] = _rotate_upload_macs(sessions, blobs, ring, batch, progress)
    _count_kept(sessions, report)
    log.info("keys.rotated", **{k: v.to_dict() for k, v in report.steps.items()})
    return report


def _rotate_blob_keys(blobs: RotatableBlobStore, progress: Progress) -> StepCount:
    count = StepCount()
    for owner in blobs.owners():
        try:
            moved = blobs.rewrap_owner_key(owner)
        except BlobNotFoundError:
            continue  # shredded meanwhile
        except DecryptionError:
            # wrapped by a key that is not in the ring (or damaged): left as it is
            count.failed += 1
            log.warning("keys.rotate_failed", step="blob_keys", owner=owner_fingerprint(owner))
            continue
        if moved:
            count.moved += 1
        else:
            count.current += 1
        progress("blob_keys")
    return count


def _batches(
    sessions: sessionmaker[Session], model: type[Any], where: Any, batch: int
) -> Iterator[list[Any]]:
    """Rows of ``model`` in primary-key order, ``batch`` at a time, each batch in its own
    transaction (committed when the caller's loop body for it has finished)."""
    key = model.__mapper__.primary_key[0]
    after: Any = None
    while True:
        with sessions() as db, db.begin():
            query = select(model).where(where).order_by(key).limit(batch)
            if after is not None:
                query = query.where(key > after)
            rows: list[Any] = list(db.scalars(query))
            if not rows:
                return
            yield rows
            after = getattr(rows[-1], key.key)


def _rotate_sealed(
    sessions: sessionmaker[Session],
    master: MasterKey,
    sealed: SealedColumn,
    batch: int,
    progress: Progress,
) -> StepCount:
    count = StepCount()
    attribute = sealed.column.key
    for rows in _batches(sessions, sealed.model, sealed.column.is_not(None), batch):
        for row in rows:
            value = getattr(row, attribute)
            try:
                moved = master.rewrap(value, context=sealed.context(row))
            except DecryptionError:
                count.failed += 1
                log.warning("keys.rotate_failed", step=sealed.name)
                continue
            if moved is None:
                count.current += 1
            else:
                setattr(row, attribute, moved)
                count.moved += 1
        progress(sealed.name)
    return count


def _rotate_upload_macs(
    sessions: sessionmaker[Session],
    blobs: RotatableBlobStore,
    ring: KeyRing,
    batch: int,
    progress: Progress,
) -> StepCount:
    count = StepCount()
    held = SessionUpload.content_mac.is_not(None)
    for rows in _batches(sessions, SessionUpload, held, batch):
        for row in rows:
            data: bytes | None = None
            if row.deleted_at is None:
                try:
                    data = blobs.get(blob_owner(row.session_id, row.attempt), row.slot)
                except BlobNotFoundError:
                    data = None
                except DecryptionError:
                    # its data key is under a key not in the ring: the MAC stays as it was
                    count.failed += 1
                    log.warning("keys.rotate_failed", step="upload_macs")
                    continue
            if data is None:
                # the content is gone: the MAC can neither be recomputed nor be needed
                row.content_mac = None
                count.cleared += 1
                continue
            mac = content_mac(ring, hashlib.sha256(data).hexdigest())
            if mac == row.content_mac:
                count.current += 1
            else:
                row.content_mac = mac
                count.moved += 1
        progress("upload_macs")
    return count


def _count_kept(sessions: sessionmaker[Session], report: RotationReport) -> None:
    with sessions() as db:
        held = VerificationSession.expected_person_fp.is_not(None)
        report.person_fingerprints_kept = int(
            db.scalar(select(func.count()).select_from(VerificationSession).where(held)) or 0
        )
        report.replay_scopes_kept = int(
            db.scalar(
                select(func.count(func.distinct(ReplayPrint.scope))).where(
                    ReplayPrint.scope != UNSCOPED
                )
            )
            or 0
        )
        report.open_sessions_end_by = db.scalar(
            select(func.max(VerificationSession.expires_at)).where(
                held, VerificationSession.state.not_in([s.value for s in FINAL_STATES])
            )
        )
