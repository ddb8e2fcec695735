"""RFC 9457 problem details for register errors, with stable codes.

Only whitelisted context keys reach the client: a refusal never echoes identifiers,
fingerprints or anything that would tell an unknown person from a non-disclosable one.
The document itself is leveattest's shared one (``leveattest.core.problems``); the
register adds the OAuth ``error`` and its own realm.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from leveattest.core.errors import LeveattestError
from leveattest.core.problems import PROBLEM_JSON, problem_headers, problem_status
from leveattest.core.problems import problem_body as shared_problem_body
from register.errors import InvalidTokenError, RegisterError

_PUBLIC_CONTEXT = frozenset({"problems", "reason", "claim", "needed", "max", "checks"})


def problem_body(error: LeveattestError, status: int | None = None) -> dict[str, Any]:
    body = shared_problem_body(error, _PUBLIC_CONTEXT, status=status)
    oauth = getattr(error, "oauth_error", None)
    if oauth:
        body["error"] = oauth  # RFC 6749 §5.2 for OAuth clients
    return body


def problem_response(
    error: LeveattestError, *, status: int | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    all_headers = {**(headers or {}), **problem_headers(error)}
    if problem_status(error, status) == 401:
        realm = 'Bearer realm="register"'
        if isinstance(error, InvalidTokenError):
            realm += ', error="invalid_token"'
        all_headers["WWW-Authenticate"] = realm
    return JSONResponse(
        problem_body(error, status),
        status_code=problem_status(error, status),
        media_type=PROBLEM_JSON,
        headers=all_headers,
    )


def is_refusal(error: LeveattestError) -> bool:
    return isinstance(error, RegisterError) and 400 <= error.http_status < 500
