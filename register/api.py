"""FastAPI app factory for the register API, mounted under ``/register/v1``.

Writes run in one unit of work (the request commits). Status, batch and changes read on
a read-only connection and append their disclosures through the group commit
(``register.group_commit``) before answering. Errors become problem+json; every refusal
is written to the audit log in its own transaction, so it survives the rollback of the
refused request. Blocking work runs on the register's own threads (``RegisterState.run``).

While the database is unreachable (or busy) every request answers 503 problem+json
``service_unavailable`` (``service_busy``) with ``Retry-After``: a refusal that cannot be
audited is not sent either. ``/healthz`` is the process only; ``/readyz`` runs ``SELECT 1``
(bounded by ``READY_TIMEOUT_SECONDS``) and answers 200 or 503.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from leveattest.core.clock import Clock, SystemClock
from leveattest.core.errors import LeveattestError, ServiceUnavailableError
from leveattest.core.logging import get_logger
from leveattest.core.metrics import REGISTER_REFUSALS
from leveattest.core.observability import install_observability
from leveattest.core.problems import error_for_http_status
from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import (
    AnomalySettings,
    MetricsSettings,
    RateLimitSettings,
    load_settings,
)
from leveattest.persistence import SNAPSHOT_READ
from leveattest.persistence.outage import (
    DATABASE_ERROR_TYPES,
    probe_database,
    unavailable_error,
)
from register.anomaly import RelationshipVolume
from register.audit import record_audit
from register.db.engine import make_engine, make_session_factory
from register.errors import DisclosureLogUnavailableError, RegisterError, RegisterInputError
from register.keys import RegisterKeys
from register.openapi import install_openapi
from register.problems import is_refusal, problem_response
from register.routes import router, well_known
from register.settings import RegisterSettings
from register.state import RegisterState

PREFIX = "/register/v1"
READY_TIMEOUT_SECONDS = 2.0
log = get_logger("register.api")


def create_register_app(
    settings: RegisterSettings,
    clock: Clock | None = None,
    *,
    keys: RegisterKeys | None = None,
    engine: Engine | None = None,
    rate_limits: RateLimitSettings | None = None,
    metrics: MetricsSettings | None = None,
    anomaly: AnomalySettings | None = None,
) -> FastAPI:
    """The register API. The schema must already be migrated (``leveattest register migrate``).

    Rate limits and ``/metrics`` are the tree's ``rate_limits`` and ``metrics`` sections
    (defaults when not given); the relationship-volume check is ``settings.anomaly``."""
    state = RegisterState(
        settings=settings,
        clock=clock or SystemClock(),
        keys=keys or RegisterKeys.from_settings(settings),
        sessions=make_session_factory(
            engine
            or make_engine(
                settings.database_url,
                connect_timeout_seconds=settings.database_connect_timeout_seconds,
            )
        ),
    )
    app = FastAPI(
        title="Leveattestregisteret",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.register = state
    app.state.rate_limiter = RateLimiter(rate_limits or RateLimitSettings())
    app.state.relationship_volume = RelationshipVolume(
        anomaly or settings.anomaly, app.state.rate_limiter
    )
    install_observability(app, "register", metrics=metrics or MetricsSettings())
    app.include_router(router, prefix=PREFIX)
    app.include_router(well_known)
    app.include_router(well_known, prefix=PREFIX, include_in_schema=False)  # published once
    install_openapi(app)

    async def _refused(request: Request, error: LeveattestError) -> JSONResponse:
        """Audit the refusal, then answer it; a refusal that cannot be audited (the
        database is down) is not answered as a refusal but as a 503."""
        if is_refusal(error):
            try:
                await state.run(_audit_refusal, state, request, error)
            except DATABASE_ERROR_TYPES as exc:
                unavailable = unavailable_error(exc)
                if unavailable is None:
                    raise
                error = unavailable
        log.info("register.refused", code=error.code, status=error.http_status)
        REGISTER_REFUSALS.labels(code=error.code).inc()
        return problem_response(error)

    @app.exception_handler(LeveattestError)
    async def _on_error(request: Request, exc: LeveattestError) -> JSONResponse:
        if isinstance(exc, DisclosureLogUnavailableError):
            # nothing was disclosed; an outage says so with the shared code and Retry-After
            return problem_response(unavailable_error(exc) or exc)
        return await _refused(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        del exc  # pydantic errors may echo input: never returned
        return await _refused(request, RegisterInputError())

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        del request
        error, status = error_for_http_status(exc.status_code)
        allow = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else None
        return problem_response(error, status=status, headers=allow)

    async def _on_database(request: Request, exc: Exception) -> JSONResponse:
        del request
        error = unavailable_error(exc)
        if error is None:
            raise exc  # a bug, not an outage: the 500 below, with its traceback
        log.info("register.unavailable", code=error.code)
        return problem_response(error)

    for error_type in DATABASE_ERROR_TYPES:
        app.add_exception_handler(error_type, _on_database)

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        del request
        unavailable = unavailable_error(exc)
        if unavailable is not None:
            return problem_response(unavailable)
        log.error("register.unexpected", error_type=type(exc).__name__)
        return problem_response(LeveattestError())

    @app.get("/healthz", include_in_schema=False)
    def _health() -> Response:
        return Response(status_code=204)

    @app.get("/readyz", include_in_schema=False)
    async def _ready() -> Response:
        bind: Engine = state.sessions.kw["bind"]
        try:
            probe = await asyncio.wait_for(
                state.run(probe_database, bind, SNAPSHOT_READ), READY_TIMEOUT_SECONDS
            )
            database: dict[str, object] = {"ok": True}
            if not probe.ok:
                database = {"ok": False, "reason": str(probe.fault or "error")}
        except TimeoutError:
            database = {"ok": False, "reason": "timeout"}
        if database["ok"]:
            return JSONResponse({"status": "ready", "checks": {"database": database}})
        return problem_response(ServiceUnavailableError(checks={"database": database}))

    return app


def create_register_app_from_environment() -> FastAPI:
    """``create_register_app`` with the settings tree read from the environment: the
    factory each worker process calls under ``uvicorn --workers N --factory`` (the signing
    keys file must exist already, so the workers do not each create one)."""
    settings = load_settings()
    return create_register_app(
        settings.register, rate_limits=settings.rate_limits, metrics=settings.metrics
    )


def _audit_refusal(state: RegisterState, request: Request, error: LeveattestError) -> None:
    action = error.audit_action if isinstance(error, RegisterError) else "company:request:refused"
    client_id = getattr(request.state, "client_id", None) or error.context.get("client_id")
    with state.unit_of_work() as session:
        record_audit(
            session,
            state.clock,
            action=action,
            code=error.code,
            client_id=client_id[:64] if isinstance(client_id, str) else None,
            subject_fp=error.context.get("subject_fp"),
            detail={
                "path": request.url.path,
                **{k: v for k, v in error.context.items() if k in {"reason", "needed", "claim"}},
            },
        )
