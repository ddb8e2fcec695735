"""``add_security_headers``: every answer carries the app's set, a header a route set
itself is kept, and the refusals of middleware added before it carry the set too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI, Request, Response

from leveattest.core.security_headers import add_security_headers

HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}


def _app() -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def _refuse(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path == "/refused":
            return Response(status_code=415)
        return await call_next(request)

    add_security_headers(app, HEADERS)

    @app.get("/plain")
    def plain() -> Response:
        return Response("plain")

    @app.get("/cached")
    def cached() -> Response:
        return Response("cached", headers={"Cache-Control": "max-age=60"})

    return app


async def _get(*paths: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [await client.get(path) for path in paths]


def test_every_answer_carries_the_set_and_a_routes_own_header_is_kept():
    plain, cached, missing, refused = asyncio.run(_get("/plain", "/cached", "/missing", "/refused"))
    assert (plain.headers["cache-control"], plain.headers["x-frame-options"]) == (
        "no-store",
        "DENY",
    )
    assert (cached.headers["cache-control"], cached.headers["x-frame-options"]) == (
        "max-age=60",
        "DENY",
    )
    assert (missing.status_code, missing.headers["cache-control"]) == (404, "no-store")
    assert (refused.status_code, refused.headers["x-frame-options"]) == (415, "DENY")
