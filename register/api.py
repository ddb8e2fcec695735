"""FastAPI app factory for the register API, mounted under ``/register/v1``.

Writes run in one unit of work (the request commits). Status, batch and changes read on
a read-only connection and append their disclosures through the group commit
(``register.group_commit``) before answering. Errors become problem+json; every refusal
is written to the audit log in its own transaction, so it survives the rollback of the
refused request. Blocking work runs on the register's own threads (``RegisterState.run``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from leveattest.core.clock import Clock, SystemClock
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import get_logger
from register.audit import record_audit
from register.db.engine import make_engine, make_session_factory
from register.errors import RegisterError, RegisterInputError
from register.keys import RegisterKeys
from register.problems import is_refusal, problem_response
from register.routes import router, well_known
from register.settings import RegisterSettings, load_register_settings
from register.state import RegisterState

PREFIX = "/register/v1"
log = get_logger("register.api")


def create_register_app(
    settings: RegisterSettings,
    clock: Clock | None = None,
    *,
    keys: RegisterKeys | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The register API. The schema must already be migrated (``leveattest register migrate``)."""
    state = RegisterState(
        settings=settings,
        clock=clock or SystemClock(),
        keys=keys or RegisterKeys.load_or_create(settings.signing_keys_path),
        sessions=make_session_factory(engine or make_engine(settings.database_url)),
    )
    app = FastAPI(
        title="Leveattestregisteret",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.register = state
    app.include_router(router, prefix=PREFIX)
    app.include_router(well_known)
    app.include_router(well_known, prefix=PREFIX)

    @app.exception_handler(LeveattestError)
    async def _on_error(request: Request, exc: LeveattestError) -> JSONResponse:
        if is_refusal(exc):
            await state.run(_audit_refusal, state, request, exc)
        log.info("register.refused", code=exc.code, status=exc.http_status)
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        del exc  # pydantic errors may echo input: never returned
        error = RegisterInputError()
        await state.run(_audit_refusal, state, request, error)
        return problem_response(error)

    @app.get("/healthz", include_in_schema=False)
    def _health() -> Response:
        return Response(status_code=204)

    return app


def create_register_app_from_environment() -> FastAPI:
    """``create_register_app`` with ``LEVEATTEST_REGISTER__*`` settings: the factory each
    worker process calls under ``uvicorn --workers N --factory`` (the signing keys file
    must exist already, so the workers do not each create one)."""
    return create_register_app(load_register_settings())


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
