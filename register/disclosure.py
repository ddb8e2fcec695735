"""The append-only, hash-chained disclosure log: who saw what about whom, when, under which
relationship.

Each entry's hash is ``sha256(prev_hash || canonical_json(content))``. The person is in
the hashed content only as a commitment ``sha256(salt || person_ref)`` with a random
per-entry salt, and no plain identifier is stored at any time: beside the commitment sits
``subject_key`` = HMAC-SHA-256 of the reference under a key derived from the register
secret (``KeyPurpose.REGISTER_SUBJECT_KEY``, docs/keys.md), through which
the person's report finds their entries (``subject_key``). Retention removes the key and
the salt and the chain still verifies, while the commitment alone can no longer be linked
to anyone (the salt defeats a dictionary over the national-id space, the key cannot be
computed without the secret). ``register_heads`` keeps the last seq and hash, so
truncating the tail is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.keys import KeyPurpose, KeyRing, derive_key, keyed_digest
from register.db.models import DisclosureEntry, Head
from register.heads import DISCLOSURE_LOG, GENESIS_HASH, lock_head_values, set_head_values
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


def subject_key(secret: str, ref: str) -> str:
    """The keyed lookup of a person reference in the log (HMAC-SHA-256, hex)."""
    return subject_keyer(secret)(ref)


def subject_keys(ring: KeyRing | str, ref: str) -> list[str]:
    """Every lookup ``ref`` may be stored under: the current secret's first, then those of
    the previous secrets and of the version-0 derivation (``keys rotate --register``
    moves them to the current one)."""
    ring = ring if isinstance(ring, KeyRing) else KeyRing.from_secrets(ring)
    return [
        keyed_digest(reader.key, ref.encode())
        for reader in ring.readers(KeyPurpose.REGISTER_SUBJECT_KEY)
    ]


def subject_keyer(secret: str | bytes) -> Callable[[str], str]:
    """``subject_key`` for many references: the key schedule is computed once."""
    return keyer_for(derive_key(secret, KeyPurpose.REGISTER_SUBJECT_KEY))


def keyer_for(key: bytes) -> Callable[[str], str]:
    """HMAC-SHA-256 (hex) of references under ``key``, the key schedule computed once."""
    base = hmac.new(key, digestmod=hashlib.sha256)

    def keyed(ref: str) -> str:
        mac = base.copy()
        mac.update(ref.encode())
        return mac.hexdigest()

    return keyed


def commitment_matches(salt: str, ref: str, commitment: str) -> bool:
    """Whether ``commitment`` commits to ``ref`` (for a person who knows their reference)."""
    return hmac.compare_digest(hashlib.sha256(f"{salt}|{ref}".encode()).hexdigest(), commitment)


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


def _content_bytes(
    seq: int,
    *,
    created_at: str,
    client_id: str,
    relationship_id: int | None,
    action: str,
    statement_sha256: str,
    commitment: str,
) -> bytes:
    """``canonical_json(_content(...))`` without building a dict per entry (hot path).

    The keys are written in sorted order; strings go through ``json.dumps`` exactly as in
    ``canonical_json``. ``verify_chain`` recomputes with the reference form, and a test
    checks both give the same bytes.
    """
    rel = "null" if relationship_id is None else str(int(relationship_id))
    text = (
        f'{{"action":{_json_str(action)},"client_id":{_json_str(client_id)},'
        f'"created_at":{_json_str(created_at)},"relationship_id":{rel},"seq":{int(seq)},'
        f'"statement_sha256":{_json_str(statement_sha256)},'
        f'"subject_commitment":{_json_str(commitment)}}}'
    )
    return text.encode()


# what ``json.dumps(value, ensure_ascii=False)`` does for a str, without its per-call setup
_json_str = encode_basestring


COLUMNS = (
    "seq",
    "created_at",
    "client_id",
    "relationship_id",
    "action",
    "statement_sha256",
    "subject_commitment",
    "subject_salt",
    "subject_key",
    "prev_hash",
    "entry_hash",
)
BULK_FROM = 50  # below this many entries a plain INSERT is cheaper than COPY


def append_disclosures(
    session: Session, clock: Clock, items: Sequence[Disclosure], secret: str
) -> list[int]:
    """Append entries under the chain-head lock; the caller commits. Returns their seqs.

    Call it last in the transaction: the head row stays locked until commit.
    """
    if not items:
        return []
    created_at = clock.now()
    connection = session.connection()
    seq, last_hash = lock_head_values(connection, DISCLOSURE_LOG)
    rows, prev = chain_rows(items, created_at, seq, last_hash or GENESIS_HASH, secret)
    _insert_entries(connection, rows)
    set_head_values(connection, DISCLOSURE_LOG, seq + len(rows), prev)
    return list(range(seq + 1, seq + len(rows) + 1))


def chain_rows(
    items: Sequence[Disclosure], created_at: datetime, last_seq: int, prev: str, secret: str
) -> tuple[list[tuple[Any, ...]], str]:
    """The log rows (``COLUMNS`` order) for ``items`` after entry ``last_seq`` with hash
    ``prev``, and the new head hash; ``secret`` keys the subject lookup."""
    created_text = created_at.isoformat()
    salts = secrets.token_hex(16 * len(items))  # one call: 32 hex characters per entry
    rows: list[tuple[Any, ...]] = []
    sha256 = hashlib.sha256
    seq = last_seq
    keys: dict[str, str] = {}
    keyer = subject_keyer(secret)
    for index, item in enumerate(items):
        seq += 1
        salt = salts[32 * index : 32 * index + 32]
        commitment = sha256(f"{salt}|{item.subject_ref}".encode()).hexdigest()
        content = _content_bytes(
            seq,
            created_at=created_text,
            client_id=item.client_id,
            relationship_id=item.relationship_id,
            action=item.action,
            statement_sha256=item.statement_sha256,
            commitment=commitment,
        )
        entry_hash = sha256(prev.encode() + content).hexdigest()
        key = keys.get(item.subject_ref)
        if key is None:  # a batch names each person once; a changes page may repeat one
            key = keys[item.subject_ref] = keyer(item.subject_ref)
        rows.append(
            (
                seq,
                created_at,
                item.client_id,
                item.relationship_id,
                item.action,
                item.statement_sha256,
                commitment,
                salt,
                key,
                prev,
                entry_hash,
            )
        )
        prev = entry_hash
    return rows, prev


def _insert_entries(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    dialect = connection.dialect.name
    if dialect == "postgresql" and len(rows) >= BULK_FROM:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY disclosure_log ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if dialect == "sqlite" and len(rows) >= BULK_FROM:
        # the driver directly: UTC stored naive, in SQLAlchemy's SQLite DateTime format
        stamp = rows[0][1].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        marks = ", ".join("?" for _ in COLUMNS)
        connection.exec_driver_sql(
            f"INSERT INTO disclosure_log ({', '.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
            [(row[0], stamp, *row[2:]) for row in rows],
        )
        return
    for start in range(0, len(rows), 5_000):
        connection.execute(
            insert(DisclosureEntry),
            [dict(zip(COLUMNS, row, strict=True)) for row in rows[start : start + 5_000]],
        )


def verify_chain(session: Session) -> ChainVerification:
    """Recompute every hash from the start up to the head; report the first entry that
    does not fit.

    The head is read first and the entries up to its ``last_id`` after it: the head and
    its entries are committed in one transaction, so every entry up to the head read is
    visible to the later statement, even under READ COMMITTED, and entries appended by
    writers in between (beyond that head) are left for the next run instead of being
    mistaken for a tampered tail. A cut tail (fewer entries than the head says) is
    ``head_mismatch``; an entry slipped in beyond the head without moving it would be
    hit by the next append's primary key. Run it in a REPEATABLE READ transaction (the
    ``verify-log`` command does on PostgreSQL) to check one snapshot.
    """
    head = session.execute(
        select(Head.last_id, Head.last_hash).where(Head.name == DISCLOSURE_LOG)
    ).one()
    head_seq, head_hash = int(head[0]), head[1] or GENESIS_HASH
    result = session.execute(
        select(DisclosureEntry)
        .where(DisclosureEntry.seq <= head_seq)
        .order_by(DisclosureEntry.seq)
        .execution_options(yield_per=5_000)
    )
    try:
        walked = _walk(result.scalars())
    finally:
        result.close()  # a server-side cursor on PostgreSQL
    if isinstance(walked, ChainVerification):
        return walked
    count, last_seq, last_hash = walked
    if head_seq != last_seq or head_hash != last_hash:
        return ChainVerification(False, count, head_seq, "head_mismatch")
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
        expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    return count, expected_seq - 1, expected_prev


def pseudonymise_disclosures(session: Session, before: datetime) -> int:
    """Drop the keyed lookup and the salt of entries older than ``before``."""
    result = session.execute(
        update(DisclosureEntry)
        .where(DisclosureEntry.created_at < before, DisclosureEntry.subject_key.is_not(None))
        .values(subject_key=None, subject_salt=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
