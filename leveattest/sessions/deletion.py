"""Crypto-shredding of a session's uploads, with deletion receipts (no content).

Blobs are destroyed through ``BlobStore.delete_owner`` (the data key first, so nothing
of the attempt stays readable even from a backup); the upload rows keep only that
something of a category and size was held, and are marked deleted. The receipt lists
categories, counts and sizes and a digest over the store's own receipts.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy.orm import Session

from leveattest.contracts.sessions import DeletionItem, DeletionReceipt
from leveattest.core.logging import fingerprint, get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.models import DeletionRecord, VerificationSession
from leveattest.sessions.replay import forget_session

log = get_logger("leveattest.sessions.deletion")


def shred(
    db: Session,
    ctx: SessionContext,
    row: VerificationSession,
    cause: str,
    *,
    attempts: list[int] | None = None,
    clear_person_facts: bool = True,
) -> DeletionRecord:
    """Delete the blobs of ``attempts`` (default: all) and null personal fields."""
    now = ctx.clock.now()
    targets = attempts if attempts is not None else list(range(1, row.attempt + 1))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    keys = 0
    digests: list[str] = []
    for attempt in targets:
        receipt = ctx.blobs.delete_owner(blob_owner(row.id, attempt))
        keys += int(receipt.key_destroyed)
        digests.append(receipt.digest)
        for upload in repository.live_uploads(db, row.id, attempt):
            totals[upload.category][0] += 1
            totals[upload.category][1] += upload.size
            upload.deleted_at = now
    if cause == "withdrawn" and (prints := forget_session(db, row.id)):
        totals["replay_prints"][0] += prints  # withdrawal deletes even the replay hashes
    if clear_person_facts and row.person_facts is not None:
        row.person_facts = None
        totals["person_facts"][0] += 1
    if clear_person_facts:
        row.expected_person_fp = None
    if attempts is None:
        row.biometrics_deleted_at = now
    items = [
        {"category": category, "count": count, "bytes": size}
        for category, (count, size) in sorted(totals.items())
    ]
    digest = hashlib.sha256(repr((row.id, cause, items, digests)).encode()).hexdigest()
    record = DeletionRecord(
        session_id=row.id,
        cause=cause,
        deleted_at=now,
        items=items,
        keys_destroyed=keys,
        digest=digest,
    )
    db.add(record)
    db.flush()
    log.info("session.shredded", session=fingerprint(row.id), cause=cause, keys_destroyed=keys)
    return record


def receipt_view(record: DeletionRecord) -> DeletionReceipt:
    return DeletionReceipt(
        session_id=record.session_id,
        cause=record.cause,
        deleted_at=record.deleted_at,
        items=[DeletionItem(**item) for item in record.items],
        keys_destroyed=record.keys_destroyed,
        digest=record.digest,
    )
