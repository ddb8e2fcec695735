"""Errors → RFC 9457 ``application/problem+json`` with a stable ``code``.

Only whitelisted context keys reach the client; validation errors never echo input.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leveattest.core.errors import InputError, LeveattestError
from leveattest.core.logging import get_logger

PROBLEM_TYPE_BASE = "https://leveattest.example/problems/"
PROBLEM_JSON = "application/problem+json"
_PUBLIC_CONTEXT = frozenset({"missing", "part", "max", "expected", "reason", "status", "fields"})
log = get_logger("leveattest.api")


class RequestInvalidError(InputError):
    """The request is not valid."""

    code = "request_invalid"


class RouteNotFoundError(LeveattestError):
    """No such resource."""

    code = "not_found"
    http_status = 404


class MethodNotAllowedError(LeveattestError):
    """This method is not allowed here."""

    code = "method_not_allowed"
    http_status = 405


def problem_body(error: LeveattestError, instance: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.message,
        "status": error.http_status,
        "code": error.code,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in error.context.items() if k in _PUBLIC_CONTEXT})
    return body


def problem_response(error: LeveattestError, instance: str | None = None) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if error.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="leveattest"'
    return JSONResponse(
        problem_body(error, instance),
        status_code=error.http_status,
        media_type=PROBLEM_JSON,
        headers=headers,
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
        error: LeveattestError
        if exc.status_code == 405:
            error = MethodNotAllowedError()
        elif exc.status_code == 404:
            error = RouteNotFoundError()
        else:
            error = LeveattestError(str(exc.detail))
        return problem_response(error, request.url.path)

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unexpected", error_type=type(exc).__name__)
        return problem_response(LeveattestError(), request.url.path)
