"""Crypto-shredding of a session's uploads, with deletion receipts (no content).

Blobs are destroyed through ``BlobStore.delete_owner`` (the data key first, so nothing
of the attempt stays readable even from a backup) and their upload rows (keyed MAC,
size) are deleted with them. The receipt lists categories, counts and sizes and a digest
over the store's own receipts: what was deleted and when, never content.

Withdrawal deletes everything of the session that is about the person: blobs, upload
rows, check results, replay prints, queued notifications, the facts read from the
document (``person_facts``, document type and state, age band) and the reasons and
advice of the decision. What stays is the session row's bookkeeping (state, times,
consent) and the receipt. After an approval the receipt also says what the register
keeps and why (:func:`receipt_view`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import delete
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import DeletionItem, DeletionReceipt, RegisterKeeps
from leveattest.core.logging import fingerprint, get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.messages import REGISTER_KEEPS_REASON, translate
from leveattest.sessions.models import (
    DeletionRecord,
    NotificationOutbox,
    StoredCheck,
    VerificationSession,
)
from leveattest.sessions.replay import forget_session

log = get_logger("leveattest.sessions.deletion")
# what the register holds after a certificate (its privacy notice; docs/register.md)
REGISTER_KEEPS = (
    "full_name",
    "birth_date",
    "identifier",
    "certificate_date",
    "document_type_and_issuing_state",
    "method",
)


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
        for upload in repository.attempt_uploads(db, row.id, attempt):
            if upload.deleted_at is None:
                totals[upload.category][0] += 1
                totals[upload.category][1] += upload.size
            db.delete(upload)  # the row (keyed MAC, size) goes with the content
    if cause == "withdrawn":
        _forget_results(db, row, totals)
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


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _forget_results(db: Session, row: VerificationSession, totals: dict[str, list[int]]) -> None:
    """Withdrawal: the results and facts of every attempt, even the replay hashes."""
    if prints := forget_session(db, row.id):
        totals["replay_prints"][0] += prints
    checks = _count(db.execute(delete(StoredCheck).where(StoredCheck.session_id == row.id)))
    if checks:
        totals["check_results"][0] += checks
    outbox = delete(NotificationOutbox).where(NotificationOutbox.session_id == row.id)
    if notifications := _count(db.execute(outbox)):
        totals["notifications"][0] += notifications
    document = (row.document_type, row.document_issuing_state, row.age_band)
    if any(value is not None for value in document) or row.reasons or row.advice:
        totals["document_facts"][0] += 1
    row.document_type = row.document_issuing_state = row.age_band = None
    row.reasons, row.advice = [], []


def receipt_view(record: DeletionRecord, row: VerificationSession | None = None) -> DeletionReceipt:
    """The receipt as the phone sees it; a withdrawal after the certificate was recorded
    says what the register keeps and why (the service cannot delete it)."""
    keeps = None
    if record.cause == "withdrawn" and row is not None and row.register_recorded_at is not None:
        keeps = RegisterKeeps(
            recorded_at=row.register_recorded_at,
            items=list(REGISTER_KEEPS),
            reason_id=REGISTER_KEEPS_REASON.message_id,
            reason=translate(REGISTER_KEEPS_REASON, row.consent_language),
        )
    return DeletionReceipt(
        session_id=record.session_id,
        cause=record.cause,
        deleted_at=record.deleted_at,
        items=[DeletionItem(**item) for item in record.items],
        keys_destroyed=record.keys_destroyed,
        digest=record.digest,
        register_keeps=keeps,
    )
