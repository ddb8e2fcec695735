"""``leveattest serve`` (API + register + worker processes) and ``leveattest worker``.

``serve`` migrates both schemas, starts ``--workers`` analysis worker processes (separate
OS processes: dlib is not thread-safe and analysis never runs in a request; supervised:
a worker that dies is started again with back-off), and serves
the mobile API (``/v1``, docs at ``/v1/docs``) with the register API under ``/register``
on one port. ``worker`` runs one worker in the foreground: on PostgreSQL start as many as
you like, on as many machines as you like (jobs are leased with ``SKIP LOCKED``).
Everything is built by the composition root (:mod:`leveattest.app.bootstrap`) from the
settings tree.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer
import uvicorn

from leveattest.app import bootstrap
from leveattest.app.register_root import register_signing_keys
from leveattest.cli.app import app, settings_or_exit
from leveattest.core.clock import SystemClock

log = bootstrap.log
WORKER_HEALTHCHECK_SECONDS = 60  # a hung HTTP worker is replaced after this


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
    settings = settings_or_exit()
    bootstrap.configure(settings)
    # before anything starts: production refuses a missing file (development makes it here,
    # once, before the HTTP processes that each load it)
    register_signing_keys(settings)
    if migrate_first:
        bootstrap.migrate_all(settings)
    supervisor = bootstrap.start_workers(workers, settings)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then raises the signal again; with
    # the default handler that would end this process before it stops its workers
    stopped_by: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: stopped_by.append(received))
    try:
        if http_workers > 1:
            uvicorn.run(
                "leveattest.app.bootstrap:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=http_workers,
                # uvicorn pings each worker every 0.5 s and kills one that does not answer
                # within this time, also while it is still importing: its default of 5 s
                # killed and respawned workers over and over on a busy 2-core host
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                log_config=None,  # uvicorn's loggers go through ours (configure_logging)
            )
        else:
            asgi = bootstrap.service_app(settings, SystemClock())
            uvicorn.run(asgi, host=host, port=port, log_config=None)
    finally:
        supervisor.stop()
        log.info("serve.stopped", signal=stopped_by[0] if stopped_by else None)


@app.command("worker")
def worker(
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = False,
) -> None:
    """Run one analysis worker in the foreground (start more for more throughput)."""
    settings = settings_or_exit()
    if migrate_first:
        bootstrap.migrate_all(settings)
    bootstrap.worker_main(settings)
