"""The append-only, hash-chained disclosure log: who saw what about whom, when, under which
relationship.

Each entry's hash is ``sha256(prev_hash || canonical_json(content))``. The person is in
the hashed content only as a commitment ``sha256(salt || person_ref)`` with a random
per-entry salt: retention removes ``subject_ref`` and ``subject_salt`` and the chain
still verifies, while the commitment alone can no longer be linked to anyone (the salt
defeats a dictionary over the national-id space). ``register_heads`` keeps the last seq
and hash, so truncating the tail is detected too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from register.db.models import DisclosureEntry, Head
from register.heads import DISCLOSURE_LOG, GENESIS_HASH, lock_head
from register.keys import canonical_json


@dataclass(frozen=True, slots=True)
class Disclosure:
    client_id: str
    action: str  # status | batch | changes | request
    subject_ref: str
    statement_sha256: str
    relationship_id: int | None = None


@dataclass(frozen=True, slots=True)
class ChainVerification:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    reason: str | None = None  # seq_gap | prev_hash_mismatch | entry_hash_mismatch | ...


def _commitment(salt: str, ref: str) -> str:
    return hashlib.sha256(f"{salt}|{ref}".encode()).hexdigest()


def _content(
    seq: int,
    *,
    created_at: datetime,
    client_id: str,
    relationship_id: int | None,
    action: str,
    statement_sha256: str,
    commitment: str,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "created_at": created_at.isoformat(),
        "client_id": client_id,
        "relationship_id": relationship_id,
        "action": action,
        "statement_sha256": statement_sha256,
        "subject_commitment": commitment,
    }


def _entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_json(content)).hexdigest()


def append_disclosures(session: Session, clock: Clock, items: Sequence[Disclosure]) -> list[int]:
    """Append entries under the chain-head lock; the caller commits. Returns their seqs."""
    if not items:
        return []
    head = lock_head(session, DISCLOSURE_LOG)
    prev, seq = head.last_hash or GENESIS_HASH, head.last_id
    created_at = clock.now()
    rows: list[dict[str, Any]] = []
    for item in items:
        seq += 1
        salt = secrets.token_hex(16)
        commitment = _commitment(salt, item.subject_ref)
        content = _content(
            seq,
            created_at=created_at,
            client_id=item.client_id,
            relationship_id=item.relationship_id,
            action=item.action,
            statement_sha256=item.statement_sha256,
            commitment=commitment,
        )
        entry_hash = _entry_hash(prev, content)
        rows.append(
            {
                "seq": seq,
                "created_at": created_at,
                "client_id": item.client_id,
                "relationship_id": item.relationship_id,
                "action": item.action,
                "statement_sha256": item.statement_sha256,
                "subject_commitment": commitment,
                "subject_salt": salt,
                "subject_ref": item.subject_ref,
                "prev_hash": prev,
                "entry_hash": entry_hash,
            }
        )
        prev = entry_hash
    for start in range(0, len(rows), 5_000):
        session.execute(insert(DisclosureEntry), rows[start : start + 5_000])
    head.last_id, head.last_hash = seq, prev
    return [row["seq"] for row in rows]


def verify_chain(session: Session) -> ChainVerification:
    """Recompute every hash from the start; report the first entry that does not fit."""
    result = session.execute(
        select(DisclosureEntry).order_by(DisclosureEntry.seq).execution_options(yield_per=5_000)
    )
    try:
        walked = _walk(result.scalars())
    finally:
        result.close()  # a server-side cursor on PostgreSQL
    if isinstance(walked, ChainVerification):
        return walked
    count, last_seq, last_hash = walked
    head = session.scalars(select(Head).where(Head.name == DISCLOSURE_LOG)).one()
    if head.last_id != last_seq or (head.last_hash or GENESIS_HASH) != last_hash:
        return ChainVerification(False, count, head.last_id, "head_mismatch")
    return ChainVerification(True, count)


def _walk(entries: Iterable[DisclosureEntry]) -> ChainVerification | tuple[int, int, str]:
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainVerification(False, count, entry.seq, "seq_gap")
        if entry.prev_hash != expected_prev:
            return ChainVerification(False, count, entry.seq, "prev_hash_mismatch")
        content = _content(
            entry.seq,
            created_at=entry.created_at,
            client_id=entry.client_id,
            relationship_id=entry.relationship_id,
            action=entry.action,
            statement_sha256=entry.statement_sha256,
            commitment=entry.subject_commitment,
        )
        if _entry_hash(entry.prev_hash, content) != entry.entry_hash:
            return ChainVerification(False, count, entry.seq, "entry_hash_mismatch")
        if entry.subject_ref is not None and (
            entry.subject_salt is None
            or _commitment(entry.subject_salt, entry.subject_ref) != entry.subject_commitment
        ):
            return ChainVerification(False, count, entry.seq, "subject_mismatch")
        expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    return count, expected_seq - 1, expected_prev


def pseudonymise_disclosures(session: Session, before: datetime) -> int:
    """Drop the person reference and salt of entries older than ``before``."""
    result = session.execute(
        update(DisclosureEntry)
        .where(DisclosureEntry.created_at < before, DisclosureEntry.subject_ref.is_not(None))
        .values(subject_ref=None, subject_salt=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
