"""Register API routes. National ids travel in request bodies, never in URLs or logs.

Each handler reads its body itself, with a size limit, and validates it with its model
from ``register.schemas``; those models, the OAuth 2.0 scheme and each operation's
problem codes are what the OpenAPI document publishes (``register.openapi``), under
stable operation ids.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from leveattest.core.metrics import REGISTER_DISCLOSURES
from leveattest.core.openapi import form_body, json_body
from leveattest.core.ratelimit import RateLimiter, address_of
from register import errors
from register.anomaly import RelationshipVolume
from register.auth import AccessContext, issue_token, verify_access_token
from register.changes import changes_statement
from register.companies import company_by_client_id
from register.errors import (
    BatchTooLargeError,
    InvalidTokenError,
    NotFoundError,
    RegisterInputError,
)
from register.openapi import (
    AUTHENTICATED,
    BATCH_ANSWER,
    BODY_CODES,
    SUBJECT_ACCESS_REPORT,
    TOKEN_CODES,
    problem_responses,
    statement_codes,
)
from register.persons import find_person
from register.queries import batch_statuses, require_active, status_statement
from register.relationships import register_relationship
from register.requests import create_request
from register.schemas import (
    BatchStatusRequest,
    CertificateRequestBody,
    CertificateRequested,
    JsonWebKeySet,
    RelationshipRegistered,
    RelationshipRequest,
    SignedStatement,
    StatusRequest,
    SubjectAccessRequest,
    TokenRequest,
    TokenResponse,
    parse_body,
)
from register.settings import (
    SCOPE_READ,
    SCOPE_RELATIONSHIPS,
    SCOPE_REQUESTS,
    SCOPE_SUBJECT_ACCESS,
)
from register.state import RegisterState
from register.statuses import current_relationships
from register.subject_access import access_report, possession_proof

router = APIRouter()
well_known = APIRouter()
MAX_BODY_BYTES = 1_000_000
BATCH_BYTES_PER_PERSON = 96
NDJSON = "application/x-ndjson"
JSON = "application/json"
# counted per answer: resolved once, so the hot path pays one increment
_DISCLOSED = {e: REGISTER_DISCLOSURES.labels(endpoint=e) for e in ("status", "batch", "changes")}


def _state(request: Request) -> RegisterState:
    state: RegisterState = request.app.state.register
    return state


async def _state_dependency(request: Request) -> RegisterState:
    return _state(request)  # async: a sync dependency would cost a thread hop per request


State = Annotated[RegisterState, Depends(_state_dependency)]


def _requires(scope: str) -> Callable[[Request], Coroutine[Any, Any, AccessContext]]:
    """Bearer token check (signature cached per token, expiry and scope every time).

    Whether the company is still active is checked by ``require_active`` (or as part of
    the single-status query) with the request's own reads, so a deactivated company is
    refused at once.
    """

    async def dependency(request: Request) -> AccessContext:
        state = _state(request)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise InvalidTokenError
        ctx = verify_access_token(
            state.clock, state.settings, state.keys, token.strip(), scope, cache=state.token_cache
        )
        request.state.client_id = ctx.client_id
        return ctx

    # read by register.openapi to publish the operation's security (no cost per request,
    # unlike a FastAPI security dependency)
    dependency.required_scope = scope  # type: ignore[attr-defined]
    return dependency


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def statement_response(statement: str) -> Response:
    """``{"statement": <compact JWS>}``, as ``JSONResponse`` writes it (a compact JWS is
    base64url and dots: nothing to escape), without encoding megabytes again."""
    return Response(b'{"statement":"%s"}' % statement.encode("ascii"), media_type=JSON)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BatchTooLargeError(max=limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BatchTooLargeError(max=limit)
        chunks.append(chunk)
    return b"".join(chunks)


@well_known.get(
    "/.well-known/jwks.json",
    operation_id="getJwks",
    tags=["keys"],
    summary="The register's public signing keys",
    response_model=JsonWebKeySet,
)
async def jwks(state: State) -> JSONResponse:
    return JSONResponse(state.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.post(
    "/oauth/token",
    operation_id="requestToken",
    tags=["auth"],
    summary="Get an access token (client credentials, private_key_jwt)",
    response_model=TokenResponse,
    responses=problem_responses(*TOKEN_CODES),
    openapi_extra=form_body(TokenRequest),
)
async def token(request: Request, state: State) -> JSONResponse:
    """Rate-limited per address before the assertion is looked at, and per client for the
    tokens it gets (counted after its assertion verified, so nobody can spend another
    client's budget). The form is checked by ``issue_token`` (RFC 6749 error codes)."""
    limiter, address = _limiter(request), address_of(request.client)
    raw = await _read_body(request, 16_000)
    if request.headers.get("content-type", "").split(";")[0] != "application/x-www-form-urlencoded":
        raise RegisterInputError(reason="form_expected")
    form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))

    def work() -> dict[str, Any]:
        # the limits' storage (Redis) is called on the register's threads, never the loop
        limiter.hit("register_token_per_address", address)
        with state.unit_of_work() as session:
            grant = issue_token(session, state.clock, state.settings, state.keys, form)
            # over the limit: refused, and the assertion's jti is not spent (rolled back)
            limiter.hit("register_token_per_client", grant.client_id)
            return grant.to_json()

    grant = await state.run(work)
    return JSONResponse(grant, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.post(
    "/relationships",
    status_code=201,
    operation_id="registerRelationship",
    tags=["relationships"],
    summary="Register that the company pays a person's pension (signed payment statement)",
    response_model=RelationshipRegistered,
    responses=problem_responses(
        *statement_codes(
            errors.PaymentStatementError,
            errors.PaymentStatementStaleError,
            errors.NationalIdInvalidError,
            (429, "rate_limited"),
        )
    ),
    openapi_extra=json_body(RelationshipRequest),
)
async def relationships(
    request: Request,
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_RELATIONSHIPS))],
) -> JSONResponse:
    limiter = _limiter(request)
    volume: RelationshipVolume = request.app.state.relationship_volume
    statement = parse_body(RelationshipRequest, await _read_body(request, MAX_BODY_BYTES)).statement

    def work() -> dict[str, Any]:
        limiter.hit("register_relationships_per_client", ctx.client_id)
        with state.unit_of_work() as session:
            company = _company(session, ctx)
            receipt = register_relationship(
                session, state.clock, state.settings, company, statement
            )
            if receipt.new:
                volume.new_relationship(session, state.clock, company)
            return receipt.to_json()

    return JSONResponse(await state.run(work), status_code=201)


def _company(session: Session, ctx: AccessContext) -> Any:
    company = company_by_client_id(session, ctx.client_id)
    if company is None or not company.active or company.id != ctx.company_id:
        raise InvalidTokenError(reason="client_inactive")
    return company


@router.post(
    "/status",
    operation_id="getPersonStatus",
    tags=["status"],
    summary="The signed status of one person the company pays",
    response_model=SignedStatement,
    responses=problem_responses(*statement_codes(NotFoundError, errors.NationalIdInvalidError)),
    openapi_extra=json_body(StatusRequest),
)
async def status(
    request: Request,
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_READ))],
) -> Response:
    body = parse_body(StatusRequest, await _read_body(request, 10_000))
    pid = body.person.person_id(accept_synthetic=state.settings.accept_synthetic_ids)

    answer = await state.run(status_statement, state, ctx, pid)
    _DISCLOSED["status"].inc()
    return statement_response(answer)


@router.post(
    "/status/batch",
    operation_id="getBatchStatus",
    tags=["status"],
    summary="The status of many persons in one answer (NDJSON with a signed manifest)",
    response_class=StreamingResponse,
    responses={200: BATCH_ANSWER, **problem_responses(*statement_codes())},
    openapi_extra=json_body(BatchStatusRequest),
)
async def batch(
    request: Request,
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_READ))],
) -> StreamingResponse:
    limit = state.settings.max_batch * BATCH_BYTES_PER_PERSON + 1_000
    persons: list[Any] = parse_body(BatchStatusRequest, await _read_body(request, limit)).persons
    if len(persons) > state.settings.max_batch:
        raise BatchTooLargeError(max=state.settings.max_batch)

    lines = (await state.run(batch_statuses, state, ctx, persons)).lines
    _DISCLOSED["batch"].inc(len(lines))

    def stream() -> Iterator[bytes]:
        for start in range(0, len(lines), 1_000):
            yield b"".join(lines[start : start + 1_000])

    return StreamingResponse(stream(), media_type=NDJSON)


@router.get(
    "/changes",
    operation_id="getChanges",
    tags=["status"],
    summary="One signed page of the changes feed (persons the company pays)",
    response_model=SignedStatement,
    responses=problem_responses(*AUTHENTICATED, errors.CursorInvalidError, RegisterInputError),
)
async def changes(
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_READ))],
    since: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
    limit: Annotated[
        int | None, Query(description="events per page (1 to changes_page_max)")
    ] = None,
) -> Response:
    answer = await state.run(changes_statement, state, ctx, since, limit)
    _DISCLOSED["changes"].inc()
    return statement_response(answer)


@router.post(
    "/requests",
    status_code=201,
    operation_id="requestCertificate",
    tags=["requests"],
    summary="Ask a person the company pays for a new life certificate (a letter is sent)",
    response_model=CertificateRequested,
    responses=problem_responses(*statement_codes(NotFoundError, errors.NationalIdInvalidError)),
    openapi_extra=json_body(CertificateRequestBody),
)
async def new_request(
    request: Request,
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_REQUESTS))],
) -> JSONResponse:
    body = parse_body(CertificateRequestBody, await _read_body(request, 10_000))
    pid = body.person.person_id(accept_synthetic=state.settings.accept_synthetic_ids)

    def work() -> dict[str, Any]:
        with state.unit_of_work() as session:
            require_active(session, ctx)
            person = find_person(session, pid)
            rels = (
                current_relationships(session, ctx.company_id, [person.id], state.clock.today())
                if person is not None
                else {}
            )
            if person is None or not rels:
                raise NotFoundError
            receipt = create_request(
                session, state.clock, state.settings, person, company_id=ctx.company_id
            )
            return {"request_id": receipt.request_id, "deadline": receipt.deadline.isoformat()}

    return JSONResponse(await state.run(work), status_code=201)


@router.post(
    "/subject-access",
    operation_id="getSubjectAccessReport",
    tags=["privacy"],
    summary="A person's own access report, for the service that serves the pensioner",
    responses={
        200: SUBJECT_ACCESS_REPORT,
        **problem_responses(*AUTHENTICATED, NotFoundError, *BODY_CODES),
    },
    openapi_extra=json_body(SubjectAccessRequest),
)
async def subject_access(
    request: Request,
    state: State,
    ctx: Annotated[AccessContext, Depends(_requires(SCOPE_SUBJECT_ACCESS))],
) -> JSONResponse:
    """A person's own report with the disclosure proof, for the service that serves the
    pensioner's pages: the letter's reference and the person's birth date in the body
    (never in the URL); anything that is not a proof of possession is 404 alike."""
    body = parse_body(SubjectAccessRequest, await _read_body(request, 2_000))
    reference, birth_date = possession_proof(body.model_dump())

    def work() -> dict[str, Any]:
        with state.unit_of_work() as session:
            require_active(session, ctx)
            report = access_report(
                session,
                state.clock,
                state.settings,
                state.keys,
                reference=reference,
                birth_date=birth_date,
                caller=ctx.client_id,
            )
        if report is None:
            raise NotFoundError
        return report

    return JSONResponse(await state.run(work))
