"""Applying a decision: check results, state, register hand-off, then deletion.

The worker calls :func:`apply_outcome` in ONE transaction with the job's completion.
On approval the certificate is written through ``RegisterClient.record_certificate``
(idempotent per session reference, so a retried job cannot write twice), then the
state changes; biometrics are shredded right after the commit (:func:`finalise`), and
the retention sweep catches any session whose shredding did not run. A final outcome is
queued for the pensioner in the same transaction (``notifications.queue_outcome``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from leveattest.core.errors import LeveattestError
from leveattest.core.logging import fingerprint, get_logger
from leveattest.pipeline.outcome import Decision, PipelineOutcome
from leveattest.sessions import repository
from leveattest.sessions.bands import age_band
from leveattest.sessions.context import SessionContext
from leveattest.sessions.deletion import shred
from leveattest.sessions.errors import RetryNotAvailableError, ReviewStateError
from leveattest.sessions.models import (
    FINAL_STATES,
    SessionState,
    StoredCheck,
    VerificationSession,
)
from leveattest.sessions.notifications import queue_outcome
from leveattest.sessions.tokens import person_fingerprint_matches
from register.client import CertificateReceipt, CertificateRecord, HolderFacts

log = get_logger("leveattest.sessions.decision")
METHOD = "leveattest-app"
NORWEGIAN_KINDS = frozenset({"fnr", "dnr", "fodselsnummer", "d_number", "fødselsnummer"})


class HandOffError(LeveattestError):
    """The certificate could not be written to the register."""

    code = "register_hand_off_failed"
    http_status = 502


def identity_of(facts: Mapping[str, Any]) -> dict[str, str] | None:
    """The register identity of the document holder, or None when the facts lack one."""
    national, state = facts.get("national_id"), str(facts.get("issuing_state") or "")
    if national and (state == "NOR" or str(facts.get("national_id_kind") or "") in NORWEGIAN_KINDS):
        return {"national_id": str(national)}
    number = facts.get("foreign_id") or (national if state != "NOR" else None)
    if number and state:
        return {"foreign_id": str(number), "issuing_state": state}
    return None


def holder_facts(facts: Mapping[str, Any]) -> HolderFacts:
    """The verified holder as the register's identity linking reads them."""
    national = facts.get("national_id")
    norwegian = str(facts.get("national_id_kind") or "") in NORWEGIAN_KINDS
    birth = facts.get("birth_date") or facts.get("birth_date_raw")
    return HolderFacts(
        national_id=str(national) if national and norwegian else None,
        surname=str(facts.get("surname") or "")[:1_000],
        given_names=str(facts.get("given_names") or "")[:1_000],
        birth_date=str(birth)[:20] if birth else None,
        name_truncated=bool(facts.get("name_truncated")),
        document_type=str(facts.get("document_type") or "P")[:20],
        document_issuing_state=str(facts.get("issuing_state") or "")[:3],
        document_number=str(facts["document_number"])[:40]
        if facts.get("document_number")
        else None,
    )


def link_to_invitation(
    ctx: SessionContext, row: VerificationSession, facts: dict[str, Any]
) -> str | None:
    """Whether the verified holder is the person the invitation names (the register's
    engine, docs/identity.md): None when linked, else the session's review reason. Both
    sides and the differences go into the person facts for the reviewer."""
    if ctx.register is None:
        return "register_unavailable"
    link = ctx.register.link_identity(row.id, holder_facts(facts))
    if link.outcome == "no_invitation":  # the invitation is gone (objection, retention)
        return "person_differs_from_invitation"
    facts["identity_link"] = link.model_dump(mode="json")
    return link.session_reason


def certificate_record(
    ctx: SessionContext,
    row: VerificationSession,
    facts: Mapping[str, Any],
    *,
    reviewed_by: str | None = None,
) -> CertificateRecord:
    """The certificate to record; for an invitation the register decides whom it is
    about (identity linking), for a known person the chip's identity names them."""
    identity = identity_of(facts) or {}
    birth = facts.get("birth_date")
    if row.origin != "invitation" and (not identity or not birth):
        raise HandOffError(reason="identity_missing")
    names = " ".join(
        part
        for part in (str(facts.get("given_names") or ""), str(facts.get("surname") or ""))
        if part
    )
    return CertificateRecord(
        national_id=identity.get("national_id"),
        foreign_id=identity.get("foreign_id"),
        foreign_id_state=identity.get("issuing_state"),
        full_name=(names or "-")[:300],
        birth_date=None
        if not birth
        else birth
        if isinstance(birth, date)
        else date.fromisoformat(str(birth)),
        certified_at=ctx.clock.now(),
        document_type=str(facts.get("document_type") or "P"),
        document_issuing_state=str(facts.get("issuing_state") or ""),
        method=METHOD,
        session_reference=row.id,
        holder=holder_facts(facts),
        reviewed_by=reviewed_by[:64] if reviewed_by else None,
    )


def hand_off(
    ctx: SessionContext, row: VerificationSession, *, reviewed_by: str | None = None
) -> CertificateReceipt:
    """Write the certificate to the register (idempotent per session). ``reviewed_by``:
    a reviewer approved, so the register records it on the invited person even where
    identity linking alone would not have (docs/identity.md)."""
    if ctx.register is None or row.person_facts is None:
        raise HandOffError(reason="unavailable")
    record = certificate_record(ctx, row, row.person_facts, reviewed_by=reviewed_by)
    try:
        receipt = ctx.register.record_certificate(record)
    except LeveattestError as exc:
        raise HandOffError(reason=exc.code) from exc
    row.register_certificate_id = receipt.certificate_id
    row.register_recorded_at = receipt.recorded_at
    log.info("register.certificate_recorded", session=fingerprint(row.id), created=receipt.created)
    return receipt


def subject_differs(
    ctx: SessionContext, row: VerificationSession, facts: dict[str, Any]
) -> str | None:
    """Why the verified holder cannot simply be taken as the session's subject, or None:
    through the invitation the register links (name, birth date, national id, alias);
    a known-person start needs the chip's identity to be the one asked for."""
    if row.origin == "invitation":
        return link_to_invitation(ctx, row, facts)
    if row.expected_person_fp is None:
        return None
    identity = identity_of(facts)
    if identity is None or not person_fingerprint_matches(
        ctx.keyring, identity, row.expected_person_fp
    ):
        return "person_differs_from_invitation"
    return None


def apply_outcome(
    db: Session, ctx: SessionContext, row: VerificationSession, outcome: PipelineOutcome
) -> None:
    """Store checks and move the session to its next state (caller commits)."""
    now = ctx.clock.now()
    for check in outcome.checks:
        db.add(
            StoredCheck(
                session_id=row.id,
                attempt=row.attempt,
                check=check.check.value,
                verdict=check.verdict.value,
                reason=check.reason.value,
                evidence=check.evidence.to_json(),
                created_at=now,
            )
        )
    reasons = [reason.value for reason in outcome.reasons]
    decision = outcome.decision
    if outcome.document is not None:
        facts = outcome.document.model_dump(mode="json")
        row.document_type = outcome.document.document_type[:4]
        row.document_issuing_state = outcome.document.issuing_state[:3]
        row.age_band = age_band(facts, now.date())
        # a reviewer sees both sides whenever a person will look at the case
        looked_at = decision in {Decision.APPROVE, Decision.REVIEW}
        differs = subject_differs(ctx, row, facts) if looked_at else None
        row.person_facts = facts
        if differs is not None:
            decision, reasons = Decision.REVIEW, [*reasons, differs]
    if decision is Decision.RETRY and row.attempt >= ctx.retry_budget:
        decision, reasons = Decision.REVIEW, [*reasons, "retry_budget_exhausted"]
    if decision is Decision.APPROVE:
        try:
            hand_off(ctx, row)
        except HandOffError as exc:
            decision, reasons = Decision.REVIEW, [*reasons, f"register_{exc.context['reason']}"]
    row.decision, row.reasons, row.advice = decision.value, reasons, list(outcome.advice)
    row.updated_at = now
    row.state = {
        Decision.APPROVE: SessionState.APPROVED,
        Decision.REJECT: SessionState.REJECTED,
        Decision.REVIEW: SessionState.NEEDS_REVIEW,
        Decision.RETRY: SessionState.RETRY_REQUESTED,
    }[decision]
    if row.state in FINAL_STATES:
        row.decided_at, row.decided_by = now, "pipeline"
        queue_outcome(db, ctx.clock, row)
    log.info(
        "session.decided", session=fingerprint(row.id), decision=decision.value, reasons=reasons
    )


def finalise(ctx: SessionContext, session_id: str) -> bool:
    """After a final decision is committed: shred everything of the session (own unit)."""
    with ctx.unit_of_work() as db:
        row = repository.get_session(db, session_id, for_update=True)
        if row.state not in FINAL_STATES or row.biometrics_deleted_at is not None:
            return False
        shred(db, ctx, row, "decision")
        return True


def approve_after_review(
    ctx: SessionContext, session_id: str, reviewer: str, *, note: str | None = None
) -> CertificateReceipt:
    """A reviewer approves a session waiting for review: register hand-off, then deletion."""
    del note  # the ops console (issue 7) keeps its own audit trail
    with ctx.unit_of_work() as db:
        row = repository.get_session(db, session_id, for_update=True)
        if row.state != SessionState.NEEDS_REVIEW:
            raise ReviewStateError(status=row.state)
        receipt = hand_off(ctx, row, reviewed_by=reviewer)
        now = ctx.clock.now()
        row.state, row.decision, row.decided_at = SessionState.APPROVED, "approve", now
        row.decided_by, row.updated_at = reviewer[:64], now
        queue_outcome(db, ctx.clock, row)
    finalise(ctx, session_id)
    return receipt


def request_retry_after_review(
    ctx: SessionContext, session_id: str, reviewer: str, *, advice: str
) -> VerificationSession:
    """A reviewer asks the pensioner to try again; ``advice`` is the sentence they will see.

    Only while the pensioner has attempts left (``retry_budget``); the session gets a fresh
    expiry so the pensioner has the usual time to retry. Nothing is shredded here: the
    retry itself shreds the previous attempt's uploads (``service.start_retry``)."""
    with ctx.unit_of_work() as db:
        row = repository.get_session(db, session_id, for_update=True)
        if row.state != SessionState.NEEDS_REVIEW:
            raise ReviewStateError(status=row.state)
        if row.attempt >= ctx.retry_budget:
            raise RetryNotAvailableError(status=row.state)
        now = ctx.clock.now()
        row.state, row.decision, row.updated_at = SessionState.RETRY_REQUESTED, "retry", now
        row.reasons = [*(row.reasons or []), "retry_requested_by_reviewer"]
        row.advice = [advice]
        row.expires_at = max(
            row.expires_at, now + timedelta(hours=ctx.session_settings.session_ttl_hours)
        )
        log.info("session.retry_requested", session=fingerprint(row.id), by="review")
        return row


def reject_after_review(
    ctx: SessionContext, session_id: str, reviewer: str, *, confirmed_by: str
) -> VerificationSession:
    """A rejection after review, final only with a second person (four eyes): the ops
    console calls this when a senior reviewer other than ``reviewer`` confirms. Then
    biometrics are shredded like after any final decision."""
    if not confirmed_by or confirmed_by == reviewer:
        raise ReviewStateError("a rejection needs a second person", status="four_eyes")
    with ctx.unit_of_work() as db:
        row = repository.get_session(db, session_id, for_update=True)
        if row.state != SessionState.NEEDS_REVIEW:
            raise ReviewStateError(status=row.state)
        now = ctx.clock.now()
        row.state, row.decision, row.decided_at = SessionState.REJECTED, "reject", now
        row.decided_by, row.updated_at = confirmed_by[:64], now
        row.reasons = [*(row.reasons or []), "rejected_after_review"]
        queue_outcome(db, ctx.clock, row)
        log.info("session.rejected_after_review", session=fingerprint(row.id))
    finalise(ctx, session_id)
    return row
