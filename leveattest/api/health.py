"""``/healthz`` (the process answers; no database) and ``/readyz`` (it can do its work).

``/readyz`` runs ``SELECT 1`` on the service's database, reads the job queue
(``leveattest.jobs.health``) and which workers have their models loaded
(``leveattest.jobs.presence``: ``"summary": "workers: 2 ready"``), bounded by
:data:`READY_TIMEOUT_SECONDS`: 200 with the checks when the database answered, else 503
problem+json ``service_unavailable`` with the same checks and ``Retry-After``. A backlog
or no ready worker is reported, not judged: the API can take sessions while the workers
start or catch up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from leveattest.api.problems import problem_response
from leveattest.core.errors import ServiceUnavailableError
from leveattest.jobs.health import jobs_health
from leveattest.jobs.presence import workers_health
from leveattest.persistence import SNAPSHOT_READ
from leveattest.persistence.outage import DATABASE_ERROR_TYPES, database_fault, probe_database
from leveattest.sessions.context import SessionContext

READY_TIMEOUT_SECONDS = 2.0
router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> Response:
    return Response(status_code=204)


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    ctx: SessionContext = request.app.state.sessions
    try:
        checks = await asyncio.wait_for(
            run_in_threadpool(readiness_checks, ctx), READY_TIMEOUT_SECONDS
        )
    except TimeoutError:
        checks = {"database": {"ok": False, "reason": "timeout"}}
    if all(check["ok"] for check in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    return problem_response(ServiceUnavailableError(checks=checks), request.url.path)


def readiness_checks(ctx: SessionContext) -> dict[str, dict[str, Any]]:
    probe = probe_database(ctx.sessions.kw["bind"], SNAPSHOT_READ)
    if not probe.ok:
        return {"database": {"ok": False, "reason": str(probe.fault or "error")}}
    checks: dict[str, dict[str, Any]] = {"database": {"ok": True}}
    try:
        with ctx.sessions() as db:
            db.connection(execution_options=SNAPSHOT_READ)
            now = ctx.clock.now()
            checks["jobs"] = {"ok": True, **jobs_health(db, now).to_json()}
            # reported, not judged: the API takes sessions while workers start or catch up
            checks["workers"] = {"ok": True, **workers_health(db, now).to_json()}
    except DATABASE_ERROR_TYPES as exc:
        checks["jobs"] = {"ok": False, "reason": str(database_fault(exc) or "error")}
    return checks


def queue_numbers(ctx: SessionContext) -> tuple[int, int, int, float | None] | None:
    """The queue's depth and oldest age for ``/metrics`` (None when the database does not
    answer)."""
    try:
        with ctx.sessions() as db:
            db.connection(execution_options=SNAPSHOT_READ)
            jobs = jobs_health(db, ctx.clock.now())
    except DATABASE_ERROR_TYPES:
        return None
    return jobs.queued, jobs.running, jobs.stalled, jobs.oldest_queued_age_seconds
