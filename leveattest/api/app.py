"""``create_app(settings)``: the mobile verification API under ``/v1``.

OpenAPI is published at ``/v1/openapi.json`` (interactive docs at ``/v1/docs``). The
database schema must already be migrated (``leveattest serve`` migrates first). Analysis
never runs here: ``submit`` enqueues a job for a worker process. ``/healthz`` and
``/readyz``: ``leveattest.api.health``.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from leveattest.api import health, routes, uploads
from leveattest.api.admission import UploadAdmissions
from leveattest.api.openapi import install_openapi
from leveattest.api.problems import install_problem_handlers
from leveattest.core.clock import Clock, SystemClock
from leveattest.core.metrics import QueueCollector
from leveattest.core.observability import install_observability
from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import Settings
from leveattest.jobs.procrastinate_engine import ProcrastinateEngine, ProcrastinateJobQueue
from leveattest.jobs.queue import TableJobQueue
from leveattest.sessions.blob_store import blob_store_for
from leveattest.sessions.context import (
    ChallengeIssuer,
    JobQueue,
    LivenessChallengeIssuer,
    SessionContext,
)
from leveattest.sessions.db import make_engine, make_session_factory
from leveattest.sessions.settings import SessionSettings
from leveattest.storage.blobs import BlobStore
from register.client import RegisterClient


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    register_client: RegisterClient | None = None,
    session_settings: SessionSettings | None = None,
    engine: Engine | None = None,
    blobs: BlobStore | None = None,
    challenge_issuer: ChallengeIssuer | None = None,
) -> SessionContext:
    """The shared service context of the API and the worker (``session_settings``, when
    given, replaces the tree's ``sessions`` section)."""
    clock = clock or SystemClock()
    if session_settings is not None:
        settings = settings.model_copy(update={"sessions": session_settings})
    engine = engine or make_engine(
        settings.database.url, connect_timeout_seconds=settings.database.connect_timeout_seconds
    )
    store = blobs or blob_store_for(settings, engine, clock)
    return SessionContext(
        settings=settings,
        clock=clock,
        sessions=make_session_factory(engine),
        blobs=store,
        register=register_client,
        queue=job_queue_for(engine, settings.sessions, clock),
        issue_challenge=challenge_issuer or LivenessChallengeIssuer(settings.liveness),
    )


def job_queue_for(engine: Engine, settings: SessionSettings, clock: Clock) -> JobQueue:
    """procrastinate on PostgreSQL, the local table queue on SQLite (``job_engine``)."""
    choice = settings.job_engine
    if choice == "auto":
        choice = "procrastinate" if engine.dialect.name == "postgresql" else "table"
    if choice == "table":
        return TableJobQueue(clock)
    url = engine.url.render_as_string(hide_password=False)
    return ProcrastinateJobQueue(ProcrastinateEngine(url, settings), clock)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    register_client: RegisterClient | None = None,
    session_settings: SessionSettings | None = None,
    engine: Engine | None = None,
    blobs: BlobStore | None = None,
    challenge_issuer: ChallengeIssuer | None = None,
) -> FastAPI:
    context = build_context(
        settings,
        clock=clock,
        register_client=register_client,
        session_settings=session_settings,
        engine=engine,
        blobs=blobs,
        challenge_issuer=challenge_issuer,
    )
    app = FastAPI(
        title="leveattest mobile verification API",
        version="1",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.sessions = context
    app.state.rate_limiter = RateLimiter(settings.rate_limits)
    app.state.upload_admissions = UploadAdmissions()
    install_problem_handlers(app)
    install_observability(
        app,
        "api",
        metrics=settings.metrics,
        collectors=[QueueCollector(lambda: health.queue_numbers(context))],
    )
    app.include_router(routes.router)
    app.include_router(uploads.router)
    app.include_router(health.router)
    install_openapi(app)
    return app
