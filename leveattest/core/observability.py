"""The outermost ASGI layer of every app: request id, one request counter, ``/metrics``.

Framework-free (plain ASGI), so the register, the mobile API and the ops console share it
(:func:`install_observability` puts it outside the web framework's own error handling,
so a 500 carries the id too). Per request it binds one context variable (the request id,
structlog's ``request_id``) and increments one counter: nothing else on the hot path.

``/metrics`` answers only when ``LEVEATTEST_METRICS__TOKEN`` is set, and only with
``Authorization: Bearer <token>`` (401 otherwise); unset, the path is the app's own (404).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from prometheus_client.registry import Collector
from structlog.contextvars import bind_contextvars, reset_contextvars

from leveattest.core.metrics import HTTP_REQUESTS, METRICS_CONTENT_TYPE, render_metrics
from leveattest.core.request_id import REQUEST_ID_HEADER, accept_request_id
from leveattest.core.settings import MetricsSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER = REQUEST_ID_HEADER.encode()
_STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


class ObservabilityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        app_name: str,
        metrics: MetricsSettings | None = None,
        collectors: Iterable[Collector] = (),
    ) -> None:
        self.app, self.app_name = app, app_name
        token = metrics.token if metrics is not None else None
        self._token = token.get_secret_value().encode() if token is not None else None
        self._collectors = tuple(collectors)
        self._counters = {
            status_class: HTTP_REQUESTS.labels(app=app_name, status_class=status_class)
            for status_class in _STATUS_CLASSES.values()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._token is not None and scope.get("path") == "/metrics":
            await self._metrics(scope, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == _HEADER:
                incoming = value
                break
        request_id = accept_request_id(incoming)
        tokens = bind_contextvars(request_id=request_id)
        header = (_HEADER, request_id.encode())
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._counters[_STATUS_CLASSES.get(status[0] // 100, "5xx")].inc()
            reset_contextvars(**tokens)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                given = bytes(value)
        expected = b"Bearer " + (self._token or b"")
        if scope.get("method") != "GET" or not hmac.compare_digest(given, expected):
            await _answer(send, 401, b"", [(b"www-authenticate", b'Bearer realm="metrics"')])
            return
        body = await asyncio.to_thread(render_metrics, self._collectors)
        await _answer(send, 200, body, [(b"content-type", METRICS_CONTENT_TYPE.encode())])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_observability(
    app: Any,
    app_name: str,
    *,
    metrics: MetricsSettings | None = None,
    collectors: Iterable[Collector] = (),
) -> None:
    """Wrap a Starlette/FastAPI ``app``'s whole middleware stack (its error handlers
    included) in :class:`ObservabilityMiddleware`."""
    build = app.build_middleware_stack

    def build_with_observability() -> ASGIApp:
        return ObservabilityMiddleware(
            build(), app_name=app_name, metrics=metrics, collectors=collectors
        )

    app.build_middleware_stack = build_with_observability
