"""RFC 9457 problem documents: the one renderer of the mobile API, the register and the
ops console.

Framework-free: each app holds a :class:`ProblemRenderer` (which context keys it publishes,
renamed how, its Bearer realm) and sends what :meth:`ProblemRenderer.render` returns —
status, body and headers — in its web framework's JSON response, unchanged.
:func:`error_for_http_status` gives the error for a status the web framework decided
(an ``HTTPException`` of Starlette/FastAPI): the status is kept, the code is stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leveattest.core.errors import (
    InputTooLargeError,
    LeveattestError,
    MethodNotAllowedError,
    RequestInvalidError,
    RequestRefusedError,
    RouteNotFoundError,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnsupportedFormatError,
)
from leveattest.core.ratelimit import RateLimitedError
from leveattest.core.request_id import current_request_id

PROBLEM_TYPE_BASE = "https://leveattest.example/problems/"
PROBLEM_JSON = "application/problem+json"
REQUEST_ID_URN = "urn:leveattest:request:"

_BY_STATUS: dict[int, type[LeveattestError]] = {
    400: RequestInvalidError,  # e.g. a body that is not valid UTF-8 ("error parsing the body")
    404: RouteNotFoundError,
    405: MethodNotAllowedError,
    413: InputTooLargeError,
    415: UnsupportedFormatError,
    422: RequestInvalidError,
    429: TooManyRequestsError,
    503: ServiceUnavailableError,
}


def error_for_http_status(status: int) -> tuple[LeveattestError, int]:
    """The error and the status to answer for a framework ``HTTPException(status)``.

    A 4xx keeps its status (unknown ones answer ``request_refused``); a 5xx other than 503
    is ours and answers ``internal_error``. The exception's detail is never echoed.
    """
    known = _BY_STATUS.get(status)
    if known is not None:
        return known(), status
    if 400 <= status < 500:
        return RequestRefusedError(), status
    return LeveattestError(), 500


def problem_status(error: LeveattestError, status: int | None = None) -> int:
    return status if status is not None else error.http_status


def problem_body(
    error: LeveattestError,
    public_context: Iterable[str],
    *,
    instance: str | None = None,
    status: int | None = None,
    renamed: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``type``, ``title``, ``status``, ``code``, ``instance`` and the whitelisted context.

    ``instance`` is the request's id (``urn:leveattest:request:<X-Request-ID>``) when one
    is bound (every HTTP request), else the ``instance`` given.

    The standard members always win: a context value under one of their names is
    published under its name in ``renamed`` (e.g. a session's ``status`` as ``state``),
    or not at all, so ``status`` is always the HTTP status.
    """
    public = frozenset(public_context)
    renamed = renamed or {}
    body: dict[str, Any] = {renamed.get(k, k): v for k, v in error.context.items() if k in public}
    body.update(
        {
            "type": PROBLEM_TYPE_BASE + error.code,
            "title": error.message,
            "status": problem_status(error, status),
            "code": error.code,
        }
    )
    request_id = current_request_id()
    if request_id is not None:
        instance = REQUEST_ID_URN + request_id  # the id in the logs and the X-Request-ID header
    if instance:
        body["instance"] = instance
    return body


def problem_headers(error: LeveattestError) -> dict[str, str]:
    """``Cache-Control: no-store``, and ``Retry-After`` for a temporary unavailability or
    a rate limit."""
    headers = {"Cache-Control": "no-store"}
    if isinstance(error, ServiceUnavailableError):
        headers["Retry-After"] = str(error.retry_after_seconds)
    elif isinstance(error, RateLimitedError):
        headers["Retry-After"] = str(error.retry_after)
    return headers


@dataclass(frozen=True)
class Problem:
    """A rendered problem: what an app answers, as it is."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    media_type: str = PROBLEM_JSON


@dataclass(frozen=True)
class ProblemRenderer:
    """How one app publishes its errors as problem+json.

    ``public_context``: the error-context keys a client may see (nothing else is echoed);
    ``renamed``: context keys published under another name (see :func:`problem_body`);
    ``realm``: the Bearer realm of a 401's ``WWW-Authenticate`` (RFC 6750 §3), with the
    error's ``bearer_error`` when it has one. An error's ``oauth_error`` (RFC 6749 §5.2) is
    published as ``error`` for OAuth clients.
    """

    public_context: frozenset[str] = frozenset()
    renamed: Mapping[str, str] = field(default_factory=dict)
    realm: str | None = None

    def render(
        self,
        error: LeveattestError,
        *,
        instance: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Problem:
        answered = problem_status(error, status)
        body = problem_body(
            error, self.public_context, instance=instance, status=answered, renamed=self.renamed
        )
        if error.oauth_error:
            body["error"] = error.oauth_error
        all_headers = {**(headers or {}), **problem_headers(error)}
        if answered == 401 and self.realm is not None:
            challenge = f'Bearer realm="{self.realm}"'
            if error.bearer_error:
                challenge += f', error="{error.bearer_error}"'
            all_headers["WWW-Authenticate"] = challenge
        return Problem(answered, body, all_headers)
