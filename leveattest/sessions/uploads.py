"""Recording an uploaded part: idempotent, replaceable before submit, nonce-bound.

The same bytes for a part give the same receipt (``created`` False, nothing written);
different bytes replace the part (counted in ``replaced``). The AA signature must name
the nonce it signs: unknown → ``aa_nonce_unknown``, expired → ``aa_nonce_expired``,
already used (another signature, or a nonce of an earlier attempt) → ``aa_nonce_reused``.
Frames must name the liveness challenge of the current attempt.

Rows keep a keyed MAC of the content, never its plain SHA-256: the hashes of DG1 and DG2
are the ones the passport's EF.SOD signs, so a plain hash would let anyone holding the
passport link a (withdrawn) session to it. The phone's receipt still carries the SHA-256
of what was received; it is computed from the request, not stored.

The API stages the part's blob (hash, encryption, disk sync) with :func:`stage_upload`
before its unit of work and passes it to :func:`record_upload`, which only publishes it
(a rename) once every check has passed: the transaction, and on SQLite the one write
lock, is held for the database work alone.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import UploadReceipt
from leveattest.core.errors import (
    ChallengeExpiredError,
    ChallengeReusedError,
    ChallengeUnknownError,
    LeveattestError,
)
from leveattest.core.keys import KeyPurpose, KeyRing, keyed_digest, matches_any
from leveattest.core.logging import fingerprint, get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.errors import NonceExpiredError, NonceReusedError, NonceUnknownError
from leveattest.sessions.models import AttemptNonce, SessionUpload, VerificationSession
from leveattest.sessions.parts import PartSpec, check_content
from leveattest.sessions.service import require_collecting
from leveattest.storage.blobs import StagedBlob

log = get_logger("leveattest.sessions.uploads")


@dataclass(frozen=True)
class IncomingPart:
    spec: PartSpec
    slot: str  # the part name, or FRAME-<index>
    media: str
    data: bytes
    captured_at_ms: int | None = None
    nonce_hex: str | None = None  # AA_SIGNATURE: the nonce it signs
    challenge_id: str | None = None  # frames: the liveness challenge they follow

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def content_mac(ring: KeyRing, digest: str) -> str:
    """HMAC-SHA256 over the part's SHA-256 under ``KeyPurpose.UPLOAD_MAC``: the same bytes
    give the same MAC (idempotent uploads), nobody without the key can tie it to a known
    file."""
    return keyed_digest(ring.key(KeyPurpose.UPLOAD_MAC), digest.encode("ascii"))


def content_mac_matches(ring: KeyRing, digest: str, stored: str) -> bool:
    """Whether ``stored`` is the MAC of ``digest`` under any key of the ring (a MAC made
    before a rotation that ``keys rotate`` has not reached yet)."""
    return matches_any(ring, KeyPurpose.UPLOAD_MAC, digest.encode("ascii"), stored) is not None


def stage_upload(ctx: SessionContext, owner: str, part: IncomingPart) -> StagedBlob | None:
    """Encrypt and write the part's blob ahead of the unit of work (not yet visible).

    None when the content is malformed or the blob cannot be staged (the attempt's first
    blob, whose data key does not exist yet; an owner shredded meanwhile):
    :func:`record_upload` then answers or writes as it always did. The caller discards
    what was staged once the unit of work has ended.
    """
    try:
        check_content(part.spec, part.media, part.data)
        part.digest  # noqa: B018  (hashed here, outside the transaction)
        return ctx.blobs.stage(owner, part.slot, part.data)
    except (LeveattestError, OSError):
        return None


def record_upload(
    db: Session,
    ctx: SessionContext,
    row: VerificationSession,
    part: IncomingPart,
    staged: StagedBlob | None = None,
    *,
    challenges: list[AttemptNonce] | None = None,
) -> tuple[UploadReceipt, bool]:
    """Store one part; returns the receipt and whether something new was written.

    ``staged`` is this part's blob from :func:`stage_upload`; it is published only when it
    belongs to the session's current attempt, otherwise the part is written here.
    ``challenges`` are the session's liveness challenges when the caller read them with
    the session (``repository.authorised_session_with_challenges``), else they are read.

    A part not uploaded before (the usual case) costs one statement: its row is inserted
    unless the slot is taken (``ON CONFLICT DO NOTHING``), and only a taken slot is read
    back (same bytes: the earlier receipt; other bytes: a replacement). Every check after
    the insert that fails rolls it back with the unit of work.
    """
    spec, slot, media, data = part.spec, part.slot, part.media, part.data
    captured_at_ms = part.captured_at_ms
    require_collecting(ctx, row)
    check_content(spec, media, data)
    digest = part.digest
    mac = content_mac(ctx.keyring, digest)
    now = ctx.clock.now()
    values = {
        "content_type": media,
        "content_mac": mac,
        "size": len(data),
        "captured_at_ms": captured_at_ms,
        "received_at": now,
        "deleted_at": None,
    }
    existing: SessionUpload | None = None
    if not _insert_new(db, row, slot, spec.category, values):
        existing = repository.taken_upload(db, row.id, row.attempt, slot)
        if (
            existing.deleted_at is None
            and existing.content_mac is not None
            and content_mac_matches(ctx.keyring, digest, existing.content_mac)
            and existing.captured_at_ms == captured_at_ms
        ):
            return _receipt(existing, digest), False
    if slot == "AA_SIGNATURE":
        _consume_aa_nonce(db, ctx, row, part.nonce_hex)
    if spec.category == "liveness":
        if challenges is None:
            challenges = repository.nonces(db, row.id, "liveness")
        _check_challenge(ctx, row, part.challenge_id, challenges)
    owner = blob_owner(row.id, row.attempt)
    if staged is not None and (staged.owner, staged.name) == (owner, slot):
        staged.publish(within=db.connection())
    else:
        ctx.blobs.put(owner, slot, data, within=db.connection())
    replaced = 0
    if existing is not None:
        existing.replaced += 1
        replaced = existing.replaced
        for name, value in values.items():
            setattr(existing, name, value)
        log.info("upload.replaced", session=fingerprint(row.id), part=slot)
    row.updated_at = now
    db.flush()
    receipt = UploadReceipt(
        session_id=row.id,
        attempt=row.attempt,
        part=slot,
        sha256=digest,
        size=len(data),
        content_type=media,
        received_at=now,
        replaced=replaced,
        captured_at_ms=captured_at_ms,
    )
    return receipt, True


def _insert_new(
    db: Session, row: VerificationSession, slot: str, category: str, values: dict[str, object]
) -> bool:
    """Insert the upload row of ``slot`` unless the attempt has one (then False)."""
    insert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else postgresql_insert
    inserted = db.execute(
        insert(SessionUpload)
        .values(
            session_id=row.id,
            attempt=row.attempt,
            slot=slot,
            category=category,
            replaced=0,
            **values,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "attempt", "slot"])
        .returning(SessionUpload.id)
    ).first()
    return inserted is not None


def _consume_aa_nonce(
    db: Session, ctx: SessionContext, row: VerificationSession, nonce_hex: str | None
) -> None:
    try:
        given = bytes.fromhex(nonce_hex or "")
    except ValueError as exc:
        raise NonceUnknownError() from exc
    for issued in repository.nonces(db, row.id, "aa"):
        if issued.value is None or not hmac.compare_digest(issued.value, given):
            continue
        if issued.attempt != row.attempt or issued.used_at is not None:
            raise NonceReusedError()
        if ctx.clock.now() >= issued.expires_at:
            raise NonceExpiredError()
        issued.used_at = ctx.clock.now()
        return
    raise NonceUnknownError()


def _check_challenge(
    ctx: SessionContext,
    row: VerificationSession,
    challenge_id: str | None,
    issued_challenges: list[AttemptNonce],
) -> None:
    for issued in issued_challenges:
        if issued.challenge_id is None or not hmac.compare_digest(
            issued.challenge_id.encode(), (challenge_id or "").encode()
        ):
            continue
        if issued.attempt != row.attempt or issued.used_at is not None:
            raise ChallengeReusedError(reason="reused")
        if ctx.clock.now() >= issued.expires_at:
            raise ChallengeExpiredError(reason="expired")
        return
    raise ChallengeUnknownError(reason="unknown")


def _receipt(upload: SessionUpload, digest: str) -> UploadReceipt:
    return UploadReceipt(
        session_id=upload.session_id,
        attempt=upload.attempt,
        part=upload.slot,
        sha256=digest,
        size=upload.size,
        content_type=upload.content_type,
        received_at=upload.received_at,
        replaced=upload.replaced,
        captured_at_ms=upload.captured_at_ms,
    )
