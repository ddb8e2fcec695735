"""Session lifecycle for the phone: start, consent, submit, retry, withdraw.

Every function works in the caller's unit of work (``db``) and never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import (
    ChallengesIssued,
    ConsentReceipt,
    ConsentRequest,
    DeletionReceipt,
    RetryStarted,
    SessionStarted,
    StartSessionRequest,
    Status,
)
from leveattest.core.logging import fingerprint, get_logger
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext
from leveattest.sessions.deletion import receipt_view, shred
from leveattest.sessions.errors import (
    ConsentInvalidError,
    ConsentRequiredError,
    InvitationDailyLimitError,
    InvitationInProgressError,
    InvitationInvalidError,
    KnownPersonStartDisabledError,
    RetryNotAvailableError,
    SessionExpiredError,
    SessionIncompleteError,
    SessionNotFoundError,
    SessionStateError,
)
from leveattest.sessions.models import (
    FINAL_STATES,
    OPEN_STATES,
    AttemptNonce,
    SessionState,
    VerificationSession,
)
from leveattest.sessions.replay import adopt_scopes
from leveattest.sessions.tokens import (
    hash_token,
    new_aa_nonce,
    new_access_token,
    new_session_id,
    person_fingerprint,
    stale_person_fingerprints,
)
from register.client import SessionStart

log = get_logger("leveattest.sessions")


def start_session(
    db: Session, ctx: SessionContext, request: StartSessionRequest, status_url: str
) -> SessionStarted:
    """A new session from an invitation or for a known person.

    An invitation is valid until its requests are fulfilled or its deadline passes: its
    letter starts a fresh session (new id and token) whenever the previous one was
    withdrawn, abandoned, expired or rejected; an abandoned open session is closed (it
    stays closed). While one is being analysed or reviewed a new one is refused, and at
    most ``max_sessions_per_day`` start per day."""
    now = ctx.clock.now()
    session_id = new_session_id()
    if request.invitation_reference is not None:
        if ctx.register is None:
            raise InvitationInvalidError()
        info = ctx.register.lookup_invitation(request.invitation_reference)
        if info is None or not info.open or info.expired:
            raise InvitationInvalidError()
        close_previous_sessions(db, ctx, info.sessions)
        identity, origin = dict(info.person), "invitation"
    else:
        if not ctx.session_settings.allow_known_person_start or request.person is None:
            raise KnownPersonStartDisabledError()
        identity = request.person.model_dump(exclude_none=True)
        origin = "known_person"
    token = new_access_token()
    person_fp = person_fingerprint(ctx.keyring, identity)
    # the person's replay prints made under a previous master key join the current scope
    adopt_scopes(db, person_fp, stale_person_fingerprints(ctx.keyring, identity))
    row = VerificationSession(
        id=session_id,
        token_hash=hash_token(token),
        state=SessionState.AWAITING_CONSENT,
        origin=origin,
        expected_person_fp=person_fp,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(hours=ctx.session_settings.session_ttl_hours),
        attempt=1,
        reasons=[],
        advice=[],
    )
    db.add(row)
    db.flush()
    aa, challenge = issue_nonces(db, ctx, row)
    if request.invitation_reference is not None:
        assert ctx.register is not None
        # recorded only now: a session that failed to be created does not count
        started = ctx.register.start_invitation_session(
            request.invitation_reference,
            session_id,
            per_day=ctx.session_settings.max_sessions_per_day,
        )
        if started is SessionStart.DAILY_LIMIT:
            raise InvitationDailyLimitError(limit=ctx.session_settings.max_sessions_per_day)
        if started is not SessionStart.STARTED:
            raise InvitationInvalidError()
    log.info("session.started", session=fingerprint(session_id), origin=origin)
    return SessionStarted(
        session_id=session_id,
        access_token=token,
        expires_at=row.expires_at,
        status=Status(row.state),
        attempt=row.attempt,
        aa_nonce=(aa.value or b"").hex(),
        aa_nonce_expires_at=aa.expires_at,
        liveness_challenge=challenge.challenge or {},
        consent_notice_versions=list(ctx.session_settings.notice_versions),
        status_url=status_url,
    )


BUSY_STATES = frozenset({SessionState.RECEIVED, SessionState.ANALYSING, SessionState.NEEDS_REVIEW})


def close_previous_sessions(db: Session, ctx: SessionContext, references: list[str]) -> None:
    """Before a letter starts a new session: refuse while an earlier one is being analysed
    or reviewed; close (expire and shred) one the pensioner left open."""
    for reference in references:
        try:
            row = repository.get_session(db, reference, for_update=True)
        except SessionNotFoundError:
            continue  # never created, or deleted by retention
        if row.state in BUSY_STATES:
            raise InvitationInProgressError(status=row.state)
        if row.state in FINAL_STATES:
            continue
        now = ctx.clock.now()
        ctx.queue.cancel(db, row.id)
        repository.mark_nonces_used(db, row.id, row.attempt, now)
        row.state, row.updated_at = SessionState.EXPIRED, now
        row.reasons = [*(row.reasons or []), "superseded_by_new_session"]
        shred(db, ctx, row, "expired")
        log.info("session.superseded", session=fingerprint(row.id))


def issue_nonces(
    db: Session, ctx: SessionContext, row: VerificationSession
) -> tuple[AttemptNonce, AttemptNonce]:
    """A fresh AA nonce and liveness challenge for the session's current attempt."""
    return _issue_aa(db, ctx, row), _issue_liveness(db, ctx, row)


def _issue_aa(db: Session, ctx: SessionContext, row: VerificationSession) -> AttemptNonce:
    now = ctx.clock.now()
    aa = AttemptNonce(
        session_id=row.id,
        attempt=row.attempt,
        kind="aa",
        value=new_aa_nonce(),
        issued_at=now,
        expires_at=now + timedelta(minutes=ctx.session_settings.aa_nonce_ttl_minutes),
    )
    db.add(aa)
    db.flush()
    return aa


def _issue_liveness(db: Session, ctx: SessionContext, row: VerificationSession) -> AttemptNonce:
    challenge: dict[str, Any] = ctx.issue_challenge(row.id, ctx.clock)
    liveness = AttemptNonce(
        session_id=row.id,
        attempt=row.attempt,
        kind="liveness",
        challenge=challenge,
        challenge_id=str(challenge["challenge_id"]),
        issued_at=ctx.clock.now(),
        expires_at=datetime.fromisoformat(str(challenge["expires_at"])),
    )
    db.add(liveness)
    db.flush()
    return liveness


def ensure_not_expired(ctx: SessionContext, row: VerificationSession) -> None:
    if row.state == SessionState.EXPIRED or (
        row.state in OPEN_STATES | {SessionState.RETRY_REQUESTED}
        and ctx.clock.now() >= row.expires_at
    ):
        raise SessionExpiredError()


def record_consent(
    db: Session, ctx: SessionContext, row: VerificationSession, consent: ConsentRequest
) -> ConsentReceipt:
    del db
    ensure_not_expired(ctx, row)
    settings = ctx.session_settings
    if consent.notice_version not in settings.notice_versions:
        raise ConsentInvalidError(reason="notice_version", expected=settings.notice_versions)
    if consent.language not in settings.languages:
        raise ConsentInvalidError(reason="language", expected=settings.languages)
    if row.state == SessionState.AWAITING_CONSENT:
        row.consent_notice_version, row.consent_language = consent.notice_version, consent.language
        row.consented_at = row.updated_at = ctx.clock.now()
        row.state = SessionState.COLLECTING
    elif row.consented_at is None:
        raise SessionStateError()
    assert row.consented_at is not None
    return ConsentReceipt(
        session_id=row.id,
        notice_version=row.consent_notice_version or "",
        language=row.consent_language or "",
        consented_at=row.consented_at,
        status=Status(row.state),
    )


def require_collecting(ctx: SessionContext, row: VerificationSession) -> None:
    """Uploads and submit need consent and an open attempt."""
    ensure_not_expired(ctx, row)
    if row.state == SessionState.AWAITING_CONSENT:
        raise ConsentRequiredError()
    if row.state != SessionState.COLLECTING:
        raise SessionStateError("the session does not accept uploads now", status=row.state)


def submit(db: Session, ctx: SessionContext, row: VerificationSession) -> int:
    """Close the attempt and enqueue its analysis; idempotent (one job per attempt)."""
    if row.state in {SessionState.RECEIVED, SessionState.ANALYSING}:
        return row.attempt
    require_collecting(ctx, row)
    uploads = {u.slot for u in repository.live_uploads(db, row.id, row.attempt)}
    settings = ctx.session_settings
    missing = [part for part in settings.required_parts if part not in uploads]
    frames = sum(1 for slot in uploads if slot.startswith("FRAME-"))
    if frames < settings.min_frames:
        missing.append("FRAME")
    if missing:
        raise SessionIncompleteError(missing=missing)
    now = ctx.clock.now()
    repository.mark_nonces_used(db, row.id, row.attempt, now)
    row.state, row.submitted_at, row.updated_at = SessionState.RECEIVED, now, now
    try:
        with db.begin_nested():
            ctx.queue.enqueue(db, row.id, row.attempt)
    except IntegrityError:
        # another request enqueued this attempt concurrently: that job is the one
        log.info("session.submit_raced", session=fingerprint(row.id))
    log.info("session.submitted", session=fingerprint(row.id), attempt=row.attempt)
    return row.attempt


def retries_remaining(ctx: SessionContext, row: VerificationSession) -> int:
    return max(0, ctx.retry_budget - row.attempt)


def start_retry(db: Session, ctx: SessionContext, row: VerificationSession) -> RetryStarted:
    """Re-open uploads for a new attempt with a new AA nonce and liveness challenge."""
    ensure_not_expired(ctx, row)
    if row.state != SessionState.RETRY_REQUESTED or retries_remaining(ctx, row) <= 0:
        raise RetryNotAvailableError(status=row.state)
    now = ctx.clock.now()
    repository.mark_nonces_used(db, row.id, row.attempt, now)
    shred(db, ctx, row, "retry", attempts=[row.attempt], clear_person_facts=False)
    row.attempt += 1
    row.state, row.updated_at = SessionState.COLLECTING, now
    row.decision, row.submitted_at = None, None
    aa, challenge = issue_nonces(db, ctx, row)
    return RetryStarted(**_issued(row, aa, challenge).model_dump())


RENEWABLE = ("aa", "liveness")


def renew_challenges(
    db: Session,
    ctx: SessionContext,
    row: VerificationSession,
    kinds: Collection[str] = RENEWABLE,
) -> ChallengesIssued:
    """New AA nonce and/or liveness challenge for the open attempt (the old ones expired or
    were spent): the renewed ones become unusable, the AA signature or the frames made with
    them no longer count and must be uploaded again. ``kinds`` renews one of them alone
    (a page that captured the frames hands the chip read to the app, which needs a fresh
    AA nonce but must not void the frames); the answer names the current one of each."""
    require_collecting(ctx, row)
    renew = set(kinds)
    if not renew or not renew <= set(RENEWABLE):
        raise ValueError(f"kinds must be some of {RENEWABLE}")
    now = ctx.clock.now()
    repository.mark_nonces_used(db, row.id, row.attempt, now, kinds=renew)
    for upload in repository.live_uploads(db, row.id, row.attempt):
        if ("aa" in renew and upload.slot == "AA_SIGNATURE") or (
            "liveness" in renew and upload.category == "liveness"
        ):
            upload.deleted_at = now
    row.updated_at = now
    aa = _issue_aa(db, ctx, row) if "aa" in renew else _current(db, row, "aa")
    liveness = (
        _issue_liveness(db, ctx, row) if "liveness" in renew else _current(db, row, "liveness")
    )
    return _issued(row, aa, liveness)


def _current(db: Session, row: VerificationSession, kind: str) -> AttemptNonce:
    found = repository.nonce(db, row.id, row.attempt, kind)
    if found is None:  # every attempt is opened with both kinds
        raise SessionStateError("the attempt has no challenge of this kind", reason=kind)
    return found


def _issued(
    row: VerificationSession, aa: AttemptNonce, challenge: AttemptNonce
) -> ChallengesIssued:
    return ChallengesIssued(
        session_id=row.id,
        attempt=row.attempt,
        status=Status(row.state),
        aa_nonce=(aa.value or b"").hex(),
        aa_nonce_expires_at=aa.expires_at,
        liveness_challenge=challenge.challenge or {},
    )


def withdraw(db: Session, ctx: SessionContext, row: VerificationSession) -> DeletionReceipt:
    """Consent withdrawn: stop processing; delete every blob, upload row, check result and
    fact of the session (``deletion.shred``); the receipt says what was deleted, and after
    an approval what the register keeps and why."""
    if row.withdrawn_at is not None:
        previous = [r for r in repository.deletion_records(db, row.id) if r.cause == "withdrawn"]
        if previous:
            return receipt_view(previous[-1], row)
    now = ctx.clock.now()
    ctx.queue.cancel(db, row.id)
    repository.mark_nonces_used(db, row.id, row.attempt, now)
    record = shred(db, ctx, row, "withdrawn")
    row.withdrawn_at = row.updated_at = now
    if row.state not in FINAL_STATES:
        row.state, row.decision = SessionState.WITHDRAWN, None
    log.info("session.withdrawn", session=fingerprint(row.id))
    return receipt_view(record, row)
