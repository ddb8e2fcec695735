"""What the console does, as methods that check roles and claims and write the audit trail.

Every refusal is audited in its own transaction (so a refused action leaves its trace
while changing nothing else); every success is audited in the transaction of the change
where there is one. Decisions go through ``leveattest.sessions.decision``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.core.errors import LeveattestError
from leveattest.review import audit
from leveattest.review.audit import REFUSED, Actor
from leveattest.review.auth import (
    Credentials,
    IdentityProvider,
    end_session,
    resolve_session,
    start_session,
)
from leveattest.review.dashboard import Dashboard, build_dashboard
from leveattest.review.errors import (
    CaseNotFoundError,
    ForbiddenError,
    FourEyesError,
    ImageGoneError,
    NotClaimedError,
    ReasonRequiredError,
    SignInFailedError,
)
from leveattest.review.evidence import CaseView, CheckFact, UploadFact, build_case_view
from leveattest.review.identity import IdentityComparison, identity_comparison
from leveattest.review.images import UrlSigner, load_image
from leveattest.review.models import (
    DECIDING_ROLES,
    AuditEvent,
    ProposalStatus,
    RejectionProposal,
    Role,
    StaffAccount,
)
from leveattest.review.queue import (
    QueueFilter,
    QueueItem,
    age_band,
    claim_case,
    drop_claim,
    holds_claim,
    list_queue,
    live_claim,
    open_proposal,
    release_case,
    waiting_since,
)
from leveattest.review.settings import ReviewSettings
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext
from leveattest.sessions.decision import (
    approve_after_review,
    reject_after_review,
    request_retry_after_review,
)
from leveattest.sessions.models import SessionState, StoredCheck, VerificationSession
from register.client import ManualCertificate


@dataclass(frozen=True)
class Staff:
    """The signed-in person of one request."""

    account_id: str
    username: str
    role: str
    csrf_token: str

    @property
    def actor(self) -> Actor:
        return Actor(self.account_id, self.role)

    @property
    def reviewer_ref(self) -> str:
        return f"ops:{self.account_id}"


@dataclass(frozen=True)
class CasePage:
    view: CaseView
    claim_expires_at: datetime
    proposal: RejectionProposal | None
    may_confirm_rejection: bool
    retries_left: int
    identity: IdentityComparison | None = None  # register vs chip, for invitation sessions


def ops_ref(account_id: str) -> str:
    return f"ops:{account_id}"


class ReviewService:
    def __init__(
        self,
        ctx: SessionContext,
        settings: ReviewSettings,
        provider: IdentityProvider,
        signer: UrlSigner,
    ) -> None:
        self.ctx, self.settings, self.provider, self.signer = ctx, settings, provider, signer

    def now(self) -> datetime:
        return self.ctx.clock.now()

    @contextmanager
    def audited(self, actor: Actor, action: str, subject: str | None = None) -> Iterator[None]:
        """Run an action; if it is refused, audit the refusal (own transaction) and re-raise."""
        try:
            yield
        except LeveattestError as exc:
            self.refused(actor, action, subject, exc.code)
            raise

    def refused(self, actor: Actor, action: str, subject: str | None, code: str) -> None:
        with self.ctx.unit_of_work() as db:
            audit.record(
                db, self.now(), actor, action, subject=subject, outcome=REFUSED, reason=code
            )

    # -- sign-in -------------------------------------------------------------------------

    def sign_in(self, credentials: Credentials) -> tuple[str, Staff]:
        """A new session token for good credentials; else the failure is audited and raised."""
        now = self.now()
        with self.ctx.unit_of_work() as db:
            result = self.provider.authenticate(db, credentials, now)
            account = result.account
            actor = Actor(account.id, account.role) if account else audit.ANONYMOUS
            if result.failure is not None or account is None:
                failure = result.failure or "unknown_account"
                audit.record(
                    db, now, actor, "ops:auth:sign_in", outcome=REFUSED, reason=failure,
                    detail={"locked": bool(account and account.locked_until and
                                           account.locked_until > now)},
                )  # fmt: skip
            else:
                token, session = start_session(db, account, now, self.settings)
                audit.record(db, now, actor, "ops:auth:sign_in", subject=account.id)
                return token, Staff(account.id, account.username, account.role, session.csrf_token)
        raise SignInFailedError()  # locked or not: the same answer (auth.py)

    def authenticate(self, token: str | None, action: str) -> Staff:
        """The signed-in staff member of a session token (touches the session)."""
        now = self.now()
        try:
            with self.ctx.unit_of_work() as db:
                session, account = resolve_session(db, token, now, self.settings)
                return Staff(account.id, account.username, account.role, session.csrf_token)
        except LeveattestError as exc:
            reason = str(exc.context.get("reason", exc.code))
            if reason != "no_session" or token:
                with self.ctx.unit_of_work() as db:
                    if reason == "session_expired":
                        end_session(db, token, now)
                    audit.record(db, now, audit.ANONYMOUS, action, outcome=REFUSED, reason=reason)
            raise

    def sign_out(self, staff: Staff, token: str | None) -> None:
        with self.ctx.unit_of_work() as db:
            end_session(db, token, self.now())
            audit.record(db, self.now(), staff.actor, "ops:auth:sign_out", subject=staff.account_id)

    @staticmethod
    def require_role(staff: Staff, *roles: str) -> None:
        if staff.role not in roles:
            raise ForbiddenError(role=staff.role)

    # -- queue and claims ----------------------------------------------------------------

    def queue(self, staff: Staff, wanted: QueueFilter) -> tuple[list[QueueItem], list[QueueItem]]:
        """The cases ``wanted`` shows, and all waiting cases (for the filter choices)."""
        with self.ctx.unit_of_work() as db:
            everything = list_queue(db, self.now(), self.settings.service_level_working_days)
            items = [item for item in everything if wanted.accepts(item)]
            audit.record(db, self.now(), staff.actor, "ops:queue:view", detail={"rows": len(items)})
            return items, everything

    def claim(self, staff: Staff, session_id: str) -> None:
        with self.audited(staff.actor, "ops:case:claim", session_id):
            self.require_role(staff, *DECIDING_ROLES)
            with self.ctx.unit_of_work() as db:
                proposal = open_proposal(db, session_id)
                if proposal is not None and not _may_confirm(staff, proposal):
                    raise FourEyesError()
                claim_case(
                    db, session_id, staff.account_id, self.now(), self.settings.claim_minutes
                )
                audit.record(db, self.now(), staff.actor, "ops:case:claim", subject=session_id)

    def release(self, staff: Staff, session_id: str) -> None:
        with self.audited(staff.actor, "ops:case:release", session_id):
            self.require_role(staff, *DECIDING_ROLES)
            with self.ctx.unit_of_work() as db:
                if not release_case(db, session_id, staff.account_id):
                    raise NotClaimedError()
                audit.record(db, self.now(), staff.actor, "ops:case:release", subject=session_id)

    def _claimed_case(self, db: Session, staff: Staff, session_id: str) -> VerificationSession:
        """The pending case the caller holds a live claim on (else refused)."""
        self.require_role(staff, *DECIDING_ROLES)
        row = db.get(VerificationSession, session_id[:32])
        if row is None or row.state != SessionState.NEEDS_REVIEW:
            raise CaseNotFoundError()
        if not holds_claim(db, row.id, staff.account_id, self.now()):
            raise NotClaimedError()
        return row

    # -- case page and images ------------------------------------------------------------

    def case_page(self, staff: Staff, session_id: str) -> CasePage:
        with self.audited(staff.actor, "ops:case:view", session_id):
            now = self.now()
            with self.ctx.unit_of_work() as db:
                row = self._claimed_case(db, staff, session_id)
                view = self._case_view(db, staff, row, now)
                claim = live_claim(db, row.id, now)
                proposal = open_proposal(db, row.id)
                audit.record(
                    db, now, staff.actor, "ops:case:view", subject=row.id,
                    detail={"images": len(view.portraits) + len(view.frames),
                            "biometrics_deleted": row.biometrics_deleted_at is not None},
                )  # fmt: skip
                return CasePage(
                    view=view,
                    claim_expires_at=claim.expires_at if claim else now,
                    proposal=proposal,
                    may_confirm_rejection=proposal is not None and _may_confirm(staff, proposal),
                    retries_left=max(0, self.ctx.retry_budget - row.attempt),
                    identity=identity_comparison(row.person_facts),
                )

    def _case_view(
        self, db: Session, staff: Staff, row: VerificationSession, now: datetime
    ) -> CaseView:
        checks = db.scalars(
            select(StoredCheck)
            .where(StoredCheck.session_id == row.id, StoredCheck.attempt == row.attempt)
            .order_by(StoredCheck.id)
        )
        uploads = repository.live_uploads(db, row.id, row.attempt)
        challenge = repository.nonce(db, row.id, row.attempt, "liveness")
        return build_case_view(
            reference=row.id,
            state=row.state,
            attempt=row.attempt,
            reasons=row.reasons or [],
            waiting_since=waiting_since(row),
            biometrics_deleted_at=row.biometrics_deleted_at,
            document_type=row.document_type,
            issuing_state=row.document_issuing_state,
            person_facts=row.person_facts,
            checks=[CheckFact.stored(c.check, c.verdict, c.reason, c.evidence) for c in checks],
            uploads=[UploadFact(u.slot, u.category, u.captured_at_ms) for u in uploads],
            challenge=challenge.challenge if challenge else None,
            image_url=lambda name: self.signer.url(staff.account_id, row.id, name, now),
            today=now.date(),
        )

    def image(
        self, staff: Staff, session_id: str, name: str, expires: str, sig: str
    ) -> tuple[bytes, str]:
        with self.audited(staff.actor, "ops:image:fetch", session_id):
            now = self.now()
            self.signer.verify(
                staff.account_id, session_id, name, expires=expires, sig=sig, now=now
            )
            with self.ctx.unit_of_work() as db:
                row = self._claimed_case(db, staff, session_id)
                if row.biometrics_deleted_at is not None:
                    raise ImageGoneError(reason="biometrics_deleted")
                types = {
                    u.slot: u.content_type for u in repository.live_uploads(db, row.id, row.attempt)
                }
                attempt = row.attempt
            data, media = load_image(self.ctx.blobs, session_id, attempt, name, types)
            with self.ctx.unit_of_work() as db:
                audit.record(
                    db, now, staff.actor, "ops:image:fetch", subject=session_id,
                    detail={"image": name, "bytes": len(data)},
                )  # fmt: skip
            return data, media

    # -- decisions -----------------------------------------------------------------------

    def _reason(self, text: str) -> str:
        text = (text or "").strip()
        if not text or len(text) > self.settings.max_reason_chars:
            raise ReasonRequiredError(max_chars=self.settings.max_reason_chars)
        return text

    def _decision_facts(self, row: VerificationSession) -> dict[str, Any]:
        """Non-personal facts kept with a decision event (for the dashboard)."""
        return {
            "country": row.document_issuing_state or "",
            "age_band": age_band(row.person_facts, self.now().date()),
            "reasons": list(row.reasons or [])[:10],
            "attempt": row.attempt,
        }

    def _before_decision(self, staff: Staff, session_id: str) -> dict[str, Any]:
        """Refuse unless the caller holds the case (and, with a proposed rejection, is a
        senior reviewer other than the proposer); the facts to audit with the decision."""
        with self.ctx.unit_of_work() as db:
            row = self._claimed_case(db, staff, session_id)
            proposal = open_proposal(db, row.id)
            if proposal is not None and not _may_confirm(staff, proposal):
                raise FourEyesError()
            return self._decision_facts(row)

    def _after_decision(
        self, staff: Staff, session_id: str, action: str, status: str, detail: dict[str, Any]
    ) -> None:
        """Resolve an open proposal, end the claim and audit the decision (one transaction)."""
        now = self.now()
        with self.ctx.unit_of_work() as db:
            proposal = open_proposal(db, session_id)
            if proposal is not None:
                _resolve(proposal, status, staff, now)
            drop_claim(db, session_id)
            detail = {**detail, "resolved_proposal": proposal is not None}
            audit.record(db, now, staff.actor, action, subject=session_id, detail=detail)

    def approve(self, staff: Staff, session_id: str) -> int:
        """Approve (a senior reviewer may override a proposed rejection); returns the
        register certificate id."""
        with self.audited(staff.actor, "ops:case:approve", session_id):
            facts = self._before_decision(staff, session_id)
            receipt = approve_after_review(self.ctx, session_id, staff.reviewer_ref)
            detail = {**facts, "certificate_id": receipt.certificate_id}
            self._after_decision(
                staff, session_id, "ops:case:approve", ProposalStatus.OVERRIDDEN, detail
            )
            return receipt.certificate_id

    def request_retry(self, staff: Staff, session_id: str, advice: str) -> None:
        with self.audited(staff.actor, "ops:case:retry", session_id):
            advice = self._reason(advice)
            facts = self._before_decision(staff, session_id)
            request_retry_after_review(self.ctx, session_id, staff.reviewer_ref, advice=advice)
            detail = {**facts, "advice_chars": len(advice)}
            self._after_decision(
                staff, session_id, "ops:case:retry", ProposalStatus.OVERRIDDEN, detail
            )

    def reject(self, staff: Staff, session_id: str, reason: str) -> str:
        """First person: a proposal (the case stays in review). A senior reviewer other than
        the proposer: the final rejection. Returns ``proposed`` or ``rejected``."""
        with self.audited(staff.actor, "ops:case:reject", session_id):
            reason = self._reason(reason)
            now = self.now()
            with self.ctx.unit_of_work() as db:
                row = self._claimed_case(db, staff, session_id)
                proposal = open_proposal(db, row.id)
                facts = self._decision_facts(row)
                if proposal is None:
                    db.add(
                        RejectionProposal(
                            session_id=row.id,
                            proposer_id=staff.account_id,
                            reason=reason,
                            proposed_at=now,
                            status=ProposalStatus.OPEN,
                        )
                    )
                    drop_claim(db, row.id)
                    audit.record(
                        db, now, staff.actor, "ops:case:reject_proposed", subject=row.id,
                        detail={**facts, "reason_chars": len(reason)},
                    )  # fmt: skip
                    return "proposed"
                if not _may_confirm(staff, proposal):
                    raise FourEyesError()
                proposer = proposal.proposer_id
            reject_after_review(
                self.ctx, session_id, ops_ref(proposer), confirmed_by=staff.reviewer_ref
            )
            detail = {**facts, "reason_chars": len(reason), "proposer": proposer}
            self._after_decision(
                staff, session_id, "ops:case:reject_confirmed", ProposalStatus.CONFIRMED, detail
            )
            return "rejected"

    # -- the register: manual certificates ---------------------------------------------

    def record_manual_certificate(self, staff: Staff, manual: ManualCertificate) -> int:
        """A register operator records a paper or in-person certificate (audited here and
        in the register, which names the operator); returns the certificate id."""
        with self.audited(staff.actor, "ops:register:manual_certificate"):
            self.require_role(staff, Role.REGISTER_OPERATOR)
            if self.ctx.register is None:
                raise ForbiddenError(role=staff.role)
            receipt = self.ctx.register.record_manual_certificate(
                manual.model_copy(update={"recorded_by": staff.reviewer_ref})
            )
            with self.ctx.unit_of_work() as db:
                audit.record(
                    db, self.now(), staff.actor, "ops:register:manual_certificate",
                    subject=str(receipt.certificate_id),
                    detail={"kind": manual.kind, "fulfilled": receipt.fulfilled_requests},
                )  # fmt: skip
            return receipt.certificate_id

    # -- audit log and accounts ----------------------------------------------------------

    def audit_log(
        self, staff: Staff, *, before_id: int | None, action: str, subject: str
    ) -> list[AuditEvent]:
        with self.audited(staff.actor, "ops:audit:view"):
            self.require_role(staff, Role.AUDITOR, Role.ADMIN)
            with self.ctx.unit_of_work() as db:
                rows = audit.events(
                    db, before_id=before_id, action=action or None, subject=subject or None
                )
                audit.record(
                    db, self.now(), staff.actor, "ops:audit:view", detail={"rows": len(rows)}
                )
                return rows

    def accounts(self, staff: Staff) -> list[StaffAccount]:
        with self.audited(staff.actor, "ops:accounts:view"):
            self.require_role(staff, Role.ADMIN)
            with self.ctx.unit_of_work() as db:
                rows = list(db.scalars(select(StaffAccount).order_by(StaffAccount.username)))
                audit.record(db, self.now(), staff.actor, "ops:accounts:view")
                return rows

    def unlock(self, staff: Staff, account_id: str) -> None:
        with self.audited(staff.actor, "ops:accounts:unlock", account_id):
            self.require_role(staff, Role.ADMIN)
            with self.ctx.unit_of_work() as db:
                account = db.get(StaffAccount, account_id[:32])
                if account is None:
                    raise CaseNotFoundError("no such account")
                account.failed_sign_ins, account.locked_until = 0, None
                audit.record(db, self.now(), staff.actor, "ops:accounts:unlock", subject=account.id)

    def dashboard(self, staff: Staff) -> Dashboard:
        with self.ctx.unit_of_work() as db:
            board = build_dashboard(db, self.now(), self.settings.service_level_working_days)
            audit.record(db, self.now(), staff.actor, "ops:dashboard:view")
            return board


def _may_confirm(staff: Staff, proposal: RejectionProposal) -> bool:
    """Four eyes: a senior reviewer who is not the proposer."""
    return staff.role == Role.SENIOR_REVIEWER and staff.account_id != proposal.proposer_id


def _resolve(proposal: RejectionProposal, status: str, staff: Staff, at: datetime) -> None:
    proposal.status, proposal.resolved_by, proposal.resolved_at = status, staff.account_id, at
