"""RFC 9457 problem details for register errors, with stable codes.

Only whitelisted context keys reach the client: a refusal never echoes identifiers,
fingerprints or anything that would tell an unknown person from a non-disclosable one.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from leveattest.core.errors import LeveattestError
from register.errors import InvalidTokenError, RegisterError

PROBLEM_TYPE_BASE = "https://leveattest.example/problems/"
_PUBLIC_CONTEXT = frozenset({"problems", "reason", "claim", "needed", "max"})


def problem_body(error: LeveattestError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.message,
        "status": error.http_status,
        "code": error.code,
    }
    body.update({k: v for k, v in error.context.items() if k in _PUBLIC_CONTEXT})
    oauth = getattr(error, "oauth_error", None)
    if oauth:
        body["error"] = oauth  # RFC 6749 §5.2 for OAuth clients
    return body


def problem_response(error: LeveattestError) -> JSONResponse:
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    if error.http_status == 401:
        realm = 'Bearer realm="register"'
        if isinstance(error, InvalidTokenError):
            realm += ', error="invalid_token"'
        headers["WWW-Authenticate"] = realm
    return JSONResponse(
        problem_body(error),
        status_code=error.http_status,
        media_type="application/problem+json",
        headers=headers,
    )


def is_refusal(error: LeveattestError) -> bool:
    return isinstance(error, RegisterError) and 400 <= error.http_status < 500
