"""The security headers a server-rendered app puts on every answer.

The pensioner's pages and the ops console each name their own set (their
Content-Security-Policies differ); this registers the one middleware both use. Framework-free
like :mod:`leveattest.core.observability`: it takes the Starlette/FastAPI app as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol


class _Headers(Protocol):
    def setdefault(self, key: str, value: str) -> str: ...


class _Answer(Protocol):
    @property
    def headers(self) -> _Headers: ...


def add_security_headers(app: Any, headers: Mapping[str, str]) -> None:
    """Add to ``app`` an HTTP middleware that sets each of ``headers`` on every answer,
    except where a route set that header itself. Middleware added later wraps this one."""

    async def _headers(
        request: object, call_next: Callable[[object], Awaitable[_Answer]]
    ) -> _Answer:
        response = await call_next(request)
        for key, value in headers.items():
            response.headers.setdefault(key, value)
        return response

    app.middleware("http")(_headers)
