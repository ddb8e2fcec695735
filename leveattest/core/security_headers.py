"""The security headers a server-rendered app puts on every answer.

The pensioner's pages and the ops console each name their own set (``PAGE_HEADERS`` and
their own Content-Security-Policy); this registers the one middleware both use. Framework-free
like :mod:`leveattest.core.observability`: it takes the Starlette/FastAPI app as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol

# every answer of a server-rendered page: never cached, never framed, never sniffed, no
# referrer; each app adds its own Content-Security-Policy
PAGE_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }
)


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
