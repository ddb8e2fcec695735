"""The bare baseline of the register benchmark: a minimal ASGI app doing only the lookup.

``POST {prefix}/status`` with ``{"person": {"national_id": ...}}`` answers with the row
found by the unique index on the person's number (``persons (id_scheme, id_state, id_value)``) and
its last certificate's time, as ``{"statement": {...}}`` — no token check, no signature,
no disclosure entry, no validation of the number, no ORM: what any service answering the
question over HTTP from this database must at least pay. PostgreSQL only (psycopg's async
pool, as many connections as the register's ``max_concurrent_transactions``).

``bench/register_http.py`` serves it with exactly the uvicorn settings of the real
register (same host, worker processes, log level, loop and parser) and drives both with
the same load generator (``bench/register_loadgen.py --bare``).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LOOKUP = (
    "SELECT p.id, p.objected_at, "
    "(SELECT max(c.certified_at) FROM certificates c WHERE c.person_id = p.id) "
    "FROM persons p WHERE p.id_scheme = 'no' AND p.id_state = 'NOR' AND p.id_value = %s"
)
PREFIX = "/register/v1"


def create_bare_app(conninfo: str, pool_size: int = 4) -> Starlette:
    pool = AsyncConnectionPool(conninfo, min_size=pool_size, max_size=pool_size, open=False)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        yield
        await pool.close()

    async def status(request: Request) -> Response:
        body: Any = json.loads(await request.body())
        value = str(body["person"]["national_id"])
        async with pool.connection() as conn:
            cursor = await conn.execute(LOOKUP, (value,), prepare=True)
            row = await cursor.fetchone()
        if row is None:
            answer: dict[str, Any] = {"result": "not_found"}
        else:
            certified = row[2].isoformat() if row[2] else None
            answer = {"result": "found", "person": row[0], "certified_at": certified}
        return Response(
            json.dumps({"statement": answer}, separators=(",", ":")),
            media_type="application/json",
        )

    async def healthz(_request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route(f"{PREFIX}/status", status, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def create_bare_app_from_environment() -> Starlette:
    """For uvicorn's ``factory=True`` with several worker processes."""
    url = os.environ["BARE_REGISTER_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    return create_bare_app(url, int(os.environ.get("BARE_REGISTER_POOL", "4")))
