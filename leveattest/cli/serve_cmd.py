"""``leveattest serve`` (API + register + worker processes) and ``leveattest worker``.

``serve`` migrates both schemas, starts ``--workers`` analysis worker processes (separate
OS processes: dlib is not thread-safe and analysis never runs in a request; supervised:
a worker that dies is started again with back-off), and serves
the mobile API (``/v1``, docs at ``/v1/docs``) with the register API under ``/register``
on one port. ``worker`` runs one worker in the foreground: on PostgreSQL start as many as
you like, on as many machines as you like (jobs are leased with ``SKIP LOCKED``).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from leveattest.api.app import build_context, create_app
from leveattest.cli.app import app
from leveattest.core.clock import Clock, SystemClock
from leveattest.core.logging import configure_logging, get_logger
from leveattest.core.observability import ObservabilityMiddleware
from leveattest.core.settings import Settings
from leveattest.jobs.pipeline_factory import build_pipeline
from leveattest.jobs.presence import Presence
from leveattest.jobs.procrastinate_engine import ProcrastinateJobQueue
from leveattest.jobs.supervisor import WorkerSupervisor
from leveattest.jobs.worker import Analyser, work
from leveattest.pensioner.app import PensionerSettings, create_pensioner_app
from leveattest.review.app import create_review_app
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.db import make_engine, upgrade
from leveattest.sessions.replay import DatabaseReplaySource
from leveattest.sessions.settings import SessionSettings
from register.api import create_register_app
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.invitation_view import RegisterRequesters
from register.keys import RegisterKeys
from register.scheduled import RegisterJobs
from register.settings import RegisterSettings, load_register_settings

log = get_logger("leveattest.serve")
_REGISTER_PREFIXES = ("/register/", "/.well-known/")
_OPS_PREFIX = "/ops"
_PENSIONER_PREFIXES = ("/i/", "/p/")


def _pensioner_path(path: str) -> bool:
    return path in ("/", "/i") or path.startswith(_PENSIONER_PREFIXES)


class _Dispatch:
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


def _register_client(settings: RegisterSettings, clock: Clock) -> InProcessRegisterClient:
    engine = make_register_engine(settings.database_url)
    return InProcessRegisterClient(make_register_sessions(engine), clock, settings)


def migrate_all(settings: Settings, register_settings: RegisterSettings) -> None:
    """Bring leveattest's and the register's schemas to their latest revisions."""
    for engine, migrate in (
        (make_engine(settings.database.url), upgrade),
        (make_register_engine(register_settings.database_url), upgrade_register),
    ):
        try:
            migrate(engine)
        finally:
            engine.dispose()


def worker_main(
    settings: Settings, session_settings: SessionSettings, register_settings: RegisterSettings
) -> None:
    """Entry point of one worker process (also ``leveattest worker``).

    Runs until SIGTERM/SIGINT, which let the current job finish. Database outages do not
    end it: it backs off and carries on (docs/operations.md). It runs the scheduled jobs
    too (``leveattest.jobs.scheduled``), the register's over the register's database."""
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    stopping = threading.Event()
    clock = SystemClock()
    register_sessions = make_register_sessions(make_register_engine(register_settings.database_url))
    ctx = build_context(
        settings,
        clock=clock,
        register_client=InProcessRegisterClient(register_sessions, clock, register_settings),
        session_settings=session_settings,
    )
    register_jobs = RegisterJobs(register_sessions, register_settings)
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
        pipeline = build_pipeline(
            settings, clock, replay_source=DatabaseReplaySource(ctx.sessions, clock)
        )
        presence.ready(failed=not warm_up(pipeline))
        if stopping.is_set():
            return
        if engine is not None:
            log.info("worker.started", engine="procrastinate")
            engine.bind(ctx, pipeline, register_jobs)
            engine.run_worker(install_signal_handlers=False)
        else:
            log.info("worker.started", engine="table")
            work(ctx, pipeline, stopping.is_set, register_jobs=register_jobs)
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


def service_app(
    settings: Settings,
    session_settings: SessionSettings,
    register_settings: RegisterSettings,
    clock: Clock,
) -> ASGIApp:
    """The one ASGI app of ``serve`` (and of the demo): mobile API, register, JWKS, ops
    console, the pensioner's pages."""
    api = create_app(
        settings,
        clock=clock,
        register_client=_register_client(register_settings, clock),
        session_settings=session_settings,
    )
    register = create_register_app(register_settings, clock)
    ops = create_review_app(api.state.sessions, ReviewSettings())
    review = ReviewSettings()
    pensioner = create_pensioner_app(
        api.state.sessions,
        RegisterRequesters(
            make_register_sessions(make_register_engine(register_settings.database_url))
        ),
        PensionerSettings(cookie_secure=review.cookie_secure),
    )
    # the pensioner's pages get the request id and request counter of the other apps
    return _Dispatch(api, register, ops, ObservabilityMiddleware(pensioner, app_name="pensioner"))


def start_workers(
    count: int,
    settings: Settings,
    session_settings: SessionSettings,
    register_settings: RegisterSettings,
    *,
    target: Callable[..., None] | None = None,
    extra_args: tuple[Any, ...] = (),
) -> WorkerSupervisor:
    """Start ``count`` supervised analysis worker processes: a worker that dies is started
    again with back-off (:class:`leveattest.jobs.supervisor.WorkerSupervisor`)."""
    return WorkerSupervisor(
        target=target or worker_main,
        args=(settings, session_settings, register_settings, *extra_args),
        count=count,
        max_backoff=session_settings.worker_restart_max_backoff_seconds,
    ).start()


def app_from_environment() -> ASGIApp:
    """The service app built from the environment: the factory each HTTP process of
    ``serve --http-workers N`` calls (uvicorn imports it by name in every process)."""
    settings = Settings()
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    return service_app(settings, SessionSettings(), load_register_settings(), SystemClock())


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8600,
    workers: Annotated[
        int, typer.Option("--workers", min=0, max=16, help="Analysis worker processes.")
    ] = 1,
    http_workers: Annotated[
        int,
        typer.Option(
            "--http-workers",
            min=1,
            max=16,
            help="HTTP server processes (more than one: each builds the app from the environment).",
        ),
    ] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
) -> None:
    """Serve the mobile API (/v1), the register (/register) and the ops console (/ops), and
    run analysis workers."""
    settings, session_settings = Settings(), SessionSettings()
    register_settings = load_register_settings()
    configure_logging(settings.logging.level, json_logs=settings.logging.json_logs)
    if migrate_first:
        migrate_all(settings, register_settings)
    supervisor = start_workers(workers, settings, session_settings, register_settings)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then raises the signal again; with
    # the default handler that would end this process before it stops its workers
    stopped_by: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: stopped_by.append(received))
    try:
        if http_workers > 1:
            # one signing key set for all processes, made before any of them starts
            RegisterKeys.load_or_create(register_settings.signing_keys_path)
            uvicorn.run(
                f"{__name__}:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=http_workers,
                log_config=None,  # uvicorn's loggers go through ours (configure_logging)
            )
        else:
            asgi = service_app(settings, session_settings, register_settings, SystemClock())
            uvicorn.run(asgi, host=host, port=port, log_config=None)
    finally:
        supervisor.stop()
        log.info("serve.stopped", signal=stopped_by[0] if stopped_by else None)


@app.command("worker")
def worker(
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = False,
) -> None:
    """Run one analysis worker in the foreground (start more for more throughput)."""
    settings, session_settings = Settings(), SessionSettings()
    register_settings = load_register_settings()
    if migrate_first:
        migrate_all(settings, register_settings)
    worker_main(settings, session_settings, register_settings)
