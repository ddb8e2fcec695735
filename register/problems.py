"""RFC 9457 problem details for register errors, with stable codes.

Only whitelisted context keys reach the client: a refusal never echoes identifiers,
fingerprints or anything that would tell an unknown person from a non-disclosable one.
The document is rendered by leveattest's one renderer (``leveattest.core.problems``), with
the register's realm; an error's OAuth ``error`` code (RFC 6749 §5.2) is published with it.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from leveattest.core.errors import LeveattestError
from leveattest.core.problems import ProblemRenderer
from register.errors import RegisterError

RENDERER = ProblemRenderer(
    frozenset({"problems", "reason", "claim", "needed", "max", "checks"}), realm="register"
)


def problem_response(
    error: LeveattestError, *, status: int | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    problem = RENDERER.render(error, status=status, headers=headers)
    return JSONResponse(
        problem.body,
        status_code=problem.status,
        media_type=problem.media_type,
        headers=problem.headers,
    )


def is_refusal(error: LeveattestError) -> bool:
    return isinstance(error, RegisterError) and 400 <= error.http_status < 500
