"""``/v1/sessions``: start, consent, status, submit, retry, withdraw, privacy view.

Each handler is one unit of work (the request commits). Personal data never appears in
URLs; the session access token travels in the Authorization header.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from leveattest.api.deps import Context, Token
from leveattest.contracts.sessions import (
    ChallengesIssued,
    ConsentReceipt,
    ConsentRequest,
    DeletionReceipt,
    PrivacyView,
    Problem,
    RetryStarted,
    SessionStarted,
    SessionStatus,
    StartSessionRequest,
    Status,
    SubmitAccepted,
)
from leveattest.core.ratelimit import RateLimiter, address_of
from leveattest.sessions import repository, service, views

PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 410, 413, 415, 422, 429)
}
router = APIRouter(prefix="/v1/sessions", tags=["sessions"], responses=PROBLEMS)


def status_url(request: Request, session_id: str) -> str:
    return str(request.url_for("get_status", session_id=session_id).path)


@router.post("", status_code=201, response_model=SessionStarted, operation_id="startSession")
def start_session(body: StartSessionRequest, ctx: Context, request: Request) -> SessionStarted:
    """Start a session from an invitation reference (QR code) or for a known person.

    Rate-limited per client address, and looking up an invitation reference more so
    (429 ``rate_limited`` with ``Retry-After``)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    address = address_of(request.client)
    limiter.hit("sessions_per_address", address)
    if body.invitation_reference is not None:
        limiter.hit("invitations_per_address", address)
    with ctx.unit_of_work() as db:
        started = service.start_session(db, ctx, body, status_url="")
    return started.model_copy(update={"status_url": status_url(request, started.session_id)})


@router.post("/{session_id}/consent", response_model=ConsentReceipt, operation_id="giveConsent")
def give_consent(
    session_id: str, body: ConsentRequest, ctx: Context, token: Token
) -> ConsentReceipt:
    """Record consent to the privacy notice; nothing is accepted before it."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token, for_update=True)
        return service.record_consent(db, ctx, row, body)


@router.delete(
    "/{session_id}/consent", response_model=DeletionReceipt, operation_id="withdrawConsent"
)
def withdraw_consent(session_id: str, ctx: Context, token: Token) -> DeletionReceipt:
    """Withdraw consent: processing stops and everything uploaded is deleted (receipt)."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token, for_update=True)
        return service.withdraw(db, ctx, row)


@router.get(
    "/{session_id}",
    response_model=SessionStatus,
    name="get_status",
    operation_id="getSessionStatus",
)
def get_status(session_id: str, ctx: Context, token: Token) -> SessionStatus:
    """The session's status, with advice the pensioner can act on."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token)
        return views.session_status(ctx, row)


@router.post(
    "/{session_id}/submit",
    status_code=202,
    response_model=SubmitAccepted,
    operation_id="submitSession",
)
def submit(
    session_id: str, ctx: Context, token: Token, request: Request, response: Response
) -> SubmitAccepted:
    """Close the uploads and queue the analysis (idempotent: one job per attempt)."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token, for_update=True)
        attempt = service.submit(db, ctx, row)
        state = Status(row.state)
    url = status_url(request, session_id)
    response.headers["Location"] = url
    return SubmitAccepted(session_id=session_id, attempt=attempt, status=state, status_url=url)


@router.post("/{session_id}/retry", response_model=RetryStarted, operation_id="retrySession")
def retry(session_id: str, ctx: Context, token: Token) -> RetryStarted:
    """Open a new attempt (new AA nonce and liveness challenge) after ``retry_requested``."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token, for_update=True)
        return service.start_retry(db, ctx, row)


@router.post(
    "/{session_id}/challenges", response_model=ChallengesIssued, operation_id="renewChallenges"
)
def renew_challenges(
    session_id: str,
    ctx: Context,
    token: Token,
    renew: Annotated[Literal["all", "aa", "liveness"], Query()] = "all",
) -> ChallengesIssued:
    """A new AA nonce and liveness challenge when the issued ones expired before use, or
    one of them alone (``renew=aa``: the frames already uploaded stay valid;
    ``renew=liveness``: the AA signature stays valid)."""
    kinds = service.RENEWABLE if renew == "all" else (renew,)
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token, for_update=True)
        return service.renew_challenges(db, ctx, row, kinds)


@router.get("/{session_id}/privacy", response_model=PrivacyView, operation_id="getPrivacyView")
def privacy(session_id: str, ctx: Context, token: Token) -> PrivacyView:
    """What is held about the pensioner, who was told, and when it will be deleted."""
    with ctx.unit_of_work() as db:
        row = repository.authorised_session(db, session_id, token)
        return views.privacy_view(db, ctx, row)
