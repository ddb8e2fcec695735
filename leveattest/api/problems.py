"""Errors → RFC 9457 ``application/problem+json`` with a stable ``code``.

Only whitelisted context keys reach the client; validation errors never echo input. A
framework ``HTTPException`` keeps its status (``leveattest.core.problems``); a database
outage or a busy database answers 503 with ``Retry-After``
(``leveattest.persistence.outage``); anything else unexpected is a 500 ``internal_error``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leveattest.core.errors import LeveattestError, RequestInvalidError
from leveattest.core.logging import get_logger
from leveattest.core.problems import ProblemRenderer, error_for_http_status
from leveattest.persistence.outage import DATABASE_ERROR_TYPES, unavailable_error

RENDERER = ProblemRenderer(
    frozenset({"missing", "part", "max", "expected", "reason", "status", "fields", "checks"}),
    # a session's state travels as ``status`` in the error context; ``status`` is the HTTP one
    renamed={"status": "state"},
    realm="leveattest",
)
log = get_logger("leveattest.api")


def problem_response(
    error: LeveattestError,
    instance: str | None = None,
    *,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = RENDERER.render(error, instance=instance, status=status, headers=headers)
    return JSONResponse(
        problem.body,
        status_code=problem.status,
        media_type=problem.media_type,
        headers=problem.headers,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(LeveattestError)
    async def _on_error(request: Request, exc: LeveattestError) -> JSONResponse:
        log.info("api.problem", code=exc.code, status=exc.http_status)
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        return problem_response(RequestInvalidError(fields=fields), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error, status = error_for_http_status(exc.status_code)
        allow = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else None
        return problem_response(error, request.url.path, status=status, headers=allow)

    async def _on_database(request: Request, exc: Exception) -> JSONResponse:
        error = unavailable_error(exc)
        if error is None:
            raise exc  # a bug, not an outage: the 500 below, with its traceback
        log.info("api.problem", code=error.code, status=error.http_status)
        return problem_response(error, request.url.path)

    for error_type in DATABASE_ERROR_TYPES:
        app.add_exception_handler(error_type, _on_database)

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        unavailable = unavailable_error(exc)  # an outage wrapped in another library's error
        if unavailable is not None:
            return problem_response(unavailable, request.url.path)
        log.error("api.unexpected", error_type=type(exc).__name__)
        return problem_response(LeveattestError(), request.url.path)
