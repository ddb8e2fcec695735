"""The composition root of the service: engines, stores, queue, register client, pipeline
and the ASGI app, built from one :class:`~leveattest.core.settings.Settings`.

``leveattest serve``, ``worker``, ``demo``, ``jobs run-scheduled`` and ``ops`` call these
functions, and so do the test fixtures; nothing else assembles the service. The register's
part is :mod:`leveattest.app.register_root` (``register serve`` needs only that).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from leveattest.api.app import build_context, create_app
from leveattest.app.register_root import (
    migrate_register,
    register_app,
    register_engine,
    register_sessions,
)
from leveattest.app.register_root import register_client as in_process_client
from leveattest.core.clock import Clock, SystemClock
from leveattest.core.keys import keyring_from
from leveattest.core.logging import configure_logging, get_logger
from leveattest.core.observability import ObservabilityMiddleware
from leveattest.core.settings import Settings, load_settings
from leveattest.jobs.pipeline_factory import build_pipeline
from leveattest.jobs.presence import Presence
from leveattest.jobs.procrastinate_engine import ProcrastinateJobQueue
from leveattest.jobs.supervisor import WorkerSupervisor
from leveattest.jobs.worker import Analyser, work
from leveattest.pensioner.app import create_pensioner_app
from leveattest.review.app import create_review_app
from leveattest.sessions.context import SessionContext
from leveattest.sessions.db import make_engine, make_session_factory, upgrade
from leveattest.sessions.replay import DatabaseReplaySource
from leveattest.storage.blobs import BlobStore
from leveattest.storage.envelope import MasterKey
from register.client import RegisterClient
from register.db.engine import make_session_factory as make_register_session_factory
from register.invitation_view import RegisterRequesters
from register.scheduled import RegisterJobs

log = get_logger("leveattest.serve")
_REGISTER_PREFIXES = ("/register/", "/.well-known/")
_OPS_PREFIX = "/ops"
_PENSIONER_PREFIXES = ("/i/", "/p/")


def configure(settings: Settings, **kwargs: Any) -> None:
    """Logging as the settings say (``kwargs`` as for ``configure_logging``)."""
    options: dict[str, Any] = {"json_logs": settings.logging.json_logs} | kwargs
    configure_logging(settings.logging.level, **options)


def service_engine(settings: Settings) -> Engine:
    """An engine on the service's database (the caller disposes of it)."""
    database = settings.database
    return make_engine(database.url, connect_timeout_seconds=database.connect_timeout_seconds)


def master_key(settings: Settings) -> MasterKey:
    """The master key (and the previous ones, for reading) of the blob store, the review
    console and the contacts (docs/keys.md)."""
    return MasterKey.from_ring(keyring_from(settings.security))


def migrate_all(settings: Settings) -> None:
    """Bring the service's and the register's schemas to their latest revisions."""
    engine = service_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    migrate_register(settings)


def migrate_service(settings: Settings) -> None:
    """Bring the service's schema (not the register's) to its latest revision."""
    engine = service_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@contextmanager
def service_database(settings: Settings) -> Iterator[Any]:
    """A session factory on the service's database for a command's short work."""
    engine = service_engine(settings)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def service_context(
    settings: Settings,
    clock: Clock | None = None,
    *,
    engine: Engine | None = None,
    blobs: BlobStore | None = None,
    register_sessions: sessionmaker[Session] | None = None,
    register_client: RegisterClient | None = None,
) -> SessionContext:
    """The context the API, the worker and the scheduled jobs share, with the in-process
    register client (over ``register_sessions`` when given), or ``register_client``."""
    clock = clock or SystemClock()
    return build_context(
        settings,
        clock=clock,
        register_client=register_client or in_process_client(settings, clock, register_sessions),
        engine=engine,
        blobs=blobs,
    )


def api_app(settings: Settings, clock: Clock, **kwargs: Any) -> FastAPI:
    """The mobile API with the in-process register client (``kwargs``: ``create_app``'s)."""
    kwargs.setdefault("register_client", in_process_client(settings, clock))
    return create_app(settings, clock=clock, **kwargs)


def _pensioner_path(path: str) -> bool:
    return path in ("/", "/i") or path.startswith(_PENSIONER_PREFIXES)


class Dispatch:
    """One ASGI app: the register under ``/register`` (and its JWKS), the ops console
    under ``/ops``, the pensioner's pages at ``/`` and ``/i/<reference>`` (the letter's QR
    code), the rest to the API."""

    def __init__(
        self,
        api: ASGIApp,
        register: ASGIApp,
        ops: ASGIApp | None = None,
        pensioner: ASGIApp | None = None,
    ) -> None:
        self.api, self.register, self.ops, self.pensioner = api, register, ops, pensioner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "lifespan" and path.startswith(_REGISTER_PREFIXES):
            await self.register(scope, receive, send)
        elif (
            self.ops is not None
            and scope["type"] != "lifespan"
            and (path == _OPS_PREFIX or path.startswith(_OPS_PREFIX + "/"))
        ):
            await self.ops(scope, receive, send)
        elif self.pensioner is not None and scope["type"] != "lifespan" and _pensioner_path(path):
            await self.pensioner(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def service_app(settings: Settings, clock: Clock) -> ASGIApp:
    """The one ASGI app of ``serve`` (and of the demo): mobile API, register, JWKS, ops
    console, the pensioner's pages."""
    api = api_app(settings, clock)
    ctx: SessionContext = api.state.sessions
    ops = create_review_app(ctx, settings.review)
    pensioner = create_pensioner_app(
        ctx,
        RegisterRequesters(register_sessions(settings)),
        # plain http (tests, the demo) turns the Secure flag off for both consoles' cookies
        settings.pensioner.model_copy(
            update={
                "cookie_secure": settings.pensioner.cookie_secure and settings.review.cookie_secure
            }
        ),
    )
    # the pensioner's pages get the request id and request counter of the other apps
    return Dispatch(
        api,
        register_app(settings, clock),
        ops,
        ObservabilityMiddleware(pensioner, app_name="pensioner"),
    )


def app_from_environment() -> ASGIApp:
    """The service app built from the environment: the factory each HTTP process of
    ``serve --http-workers N`` calls (uvicorn imports it by name in every process)."""
    settings = load_settings()
    configure(settings)
    return service_app(settings, SystemClock())


def worker_pipeline(settings: Settings, clock: Clock, ctx: SessionContext) -> Analyser:
    """The analysis pipeline of a worker process (replays looked up in the database)."""
    return build_pipeline(settings, clock, replay_source=DatabaseReplaySource(ctx.sessions, clock))


def worker_main(settings: Settings) -> None:
    """Entry point of one worker process (also ``leveattest worker``).

    Runs until SIGTERM/SIGINT, which let the current job finish. Database outages do not
    end it: it backs off and carries on (docs/operations.md). It runs the scheduled jobs
    too (``leveattest.jobs.scheduled``), the register's over the register's database."""
    configure(settings)
    stopping = threading.Event()
    clock = SystemClock()
    sessions = register_sessions(settings)
    ctx = service_context(settings, clock, register_sessions=sessions)
    jobs = RegisterJobs(sessions, settings.register)
    engine = ctx.queue.engine if isinstance(ctx.queue, ProcrastinateJobQueue) else None

    def _stop(_signum: int, _frame: Any) -> None:
        stopping.set()
        if engine is not None:
            engine.stop()

    signal.signal(signal.SIGTERM, _stop)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _stop)
    presence = Presence(ctx.sessions, clock)
    presence.announce()
    try:
        pipeline = worker_pipeline(settings, clock, ctx)
        presence.ready(failed=not warm_up(pipeline))
        if stopping.is_set():
            return
        if engine is not None:
            log.info("worker.started", engine="procrastinate")
            engine.bind(ctx, pipeline, jobs)
            engine.run_worker(install_signal_handlers=False)
        else:
            log.info("worker.started", engine="table")
            work(ctx, pipeline, stopping.is_set, register_jobs=jobs)
    finally:
        presence.leave()
    log.info("worker.stopped")


def warm_up(pipeline: Analyser) -> bool:
    """Load the models before taking work; ``worker.ready`` says how long it took. A model
    that fails to load is logged (False) and the worker goes on: its jobs fail, are retried
    and finally go to a person, as with any analysis error; ``/readyz`` counts it apart."""
    started = time.perf_counter()
    warm = getattr(pipeline, "warm_up", None)
    try:
        if callable(warm):
            warm()
    except Exception as exc:  # noqa: BLE001 - reported; the jobs will report it again
        log.warning("worker.warm_up_failed", error_type=type(exc).__name__)
        return False
    log.info("worker.ready", load_s=round(time.perf_counter() - started, 1))
    return True


def start_workers(
    count: int,
    settings: Settings,
    *,
    target: Callable[..., None] | None = None,
    extra_args: tuple[Any, ...] = (),
) -> WorkerSupervisor:
    """Start ``count`` supervised analysis worker processes: a worker that dies is started
    again with back-off (:class:`leveattest.jobs.supervisor.WorkerSupervisor`)."""
    return WorkerSupervisor(
        target=target or worker_main,
        args=(settings, *extra_args),
        count=count,
        max_backoff=settings.sessions.worker_restart_max_backoff_seconds,
    ).start()


@contextmanager
def scheduled_context(
    settings: Settings, clock: Clock
) -> Iterator[tuple[SessionContext, RegisterJobs]]:
    """The service context and the register's jobs for one run of the scheduled jobs
    (sharing one register engine); the engines are disposed of afterwards."""
    engine = register_engine(settings)
    sessions = make_register_session_factory(engine)
    ctx = service_context(settings, clock, register_sessions=sessions)
    try:
        yield ctx, RegisterJobs(sessions, settings.register)
    finally:
        engine.dispose()
        bind = ctx.sessions.kw.get("bind")
        if bind is not None:
            bind.dispose()
