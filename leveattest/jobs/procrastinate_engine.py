"""The PostgreSQL job engine: procrastinate (jobs in PostgreSQL, workers anywhere).

A submit writes two rows in ONE transaction: the attempt's row in ``leveattest_jobs`` (the
ledger: unique per attempt, leased by the worker that analyses it, the same on SQLite and
PostgreSQL) and a procrastinate job, deferred on the request's own database connection.
procrastinate delivers, retries and schedules; the ledger makes the results exactly-once.
See docs/decisions/0004-one-job-engine-story.md.

- A worker killed mid-job: procrastinate's worker heartbeat stops; every
  ``job_stall_check_seconds`` a periodic task hands jobs of workers silent for
  ``job_stalled_after_seconds`` to another worker, which takes the ledger lease over once
  the dead worker's heartbeat-renewed lease has expired (``job_lease_seconds``).
- The attempt is held by a live worker: the task raises :class:`AnalysisBusyError` and
  procrastinate retries it later. It never "succeeds" without a result.
- A failed analysis (:class:`AnalysisRetryError`) or a database error is retried with
  exponential back-off; after ``job_max_tries`` claims the session goes to a person.
- The sweep (every ``job_sweep_every_seconds``) re-queues sessions overdue with no job
  left to run them, whatever went wrong.
- ``run_worker`` rides out database outages: when procrastinate's worker stops because
  its connection died, it is started again after a back-off, until SIGTERM/SIGINT.
- The scheduled jobs (``leveattest.jobs.scheduled.SCHEDULE``: deadlines, reminders,
  yearly requests, both retentions) are periodic tasks, one per entry, deferred once per
  tick whatever the number of workers; finished procrastinate jobs are deleted after
  ``PROCRASTINATE_JOBS_KEPT_HOURS`` (docs/retention.md).

procrastinate's own schema is created by leveattest's migration 0002 (PostgreSQL only).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import cast

from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import fingerprint, get_logger
from leveattest.jobs.queue import TableJobQueue
from leveattest.jobs.scheduled import SCHEDULE, RegisterJobs, Report, ScheduledJob
from leveattest.jobs.scheduled import run_job as run_scheduled_job
from leveattest.jobs.sweep import sweep_stuck_sessions
from leveattest.jobs.worker import BUSY, RETRYING, Analyser, run_job
from leveattest.persistence import with_network_timeouts
from leveattest.persistence.outage import DATABASE_UNAVAILABLE_ERRORS, Backoff
from leveattest.sessions.context import SessionContext
from leveattest.sessions.settings import SessionSettings

QUEUE = "leveattest-analysis"
ANALYSE_TASK = "leveattest.analyse_session"
# finished procrastinate jobs (their arguments are a session id and an attempt) are kept
# this long for diagnosis, then deleted
PROCRASTINATE_JOBS_KEPT_HOURS = 30 * 24
log = get_logger("leveattest.jobs.procrastinate")


class AnalysisRetryError(LeveattestError):
    """The analysis failed and will be retried."""

    code = "analysis_retry"
    http_status = 503


class AnalysisBusyError(LeveattestError):
    """Another live worker is analysing this attempt; the job runs again later."""

    code = "analysis_busy"
    http_status = 503


RETRYABLE: frozenset[type[Exception]] = frozenset(
    {
        AnalysisRetryError,
        AnalysisBusyError,
        *(cast("type[Exception]", error) for error in DATABASE_UNAVAILABLE_ERRORS),
    }
)


def conninfo(database_url: str) -> str:
    """A libpq URL from the SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``),
    with the URL's ``connect_timeout`` (``make_engine`` puts the setting's there; the
    default when absent), so the workers' and the listener's connections fail fast too."""
    url = with_network_timeouts(database_url)
    return url.set(drivername="postgresql").render_as_string(False)


class ProcrastinateEngine:
    """The procrastinate app with leveattest's tasks; bind a runtime in worker processes."""

    def __init__(self, database_url: str, settings: SessionSettings | None = None) -> None:
        settings = settings or SessionSettings()
        self.settings = settings
        # the pool's connections and the LISTEN connection are opened from this conninfo
        self.conninfo = conninfo(database_url)
        self.app = App(connector=PsycopgConnector(conninfo=self.conninfo))
        self._runtime: tuple[SessionContext, Analyser] | None = None
        self._register_jobs: RegisterJobs | None = None
        self._worker: Worker | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = threading.Event()
        app = self.app

        @app.task(
            name=ANALYSE_TASK,
            queue=QUEUE,
            retry=RetryStrategy(
                # busy and outage retries do not count against job_max_tries (the ledger
                # counts real claims); this only bounds a job that can never run
                max_attempts=4 * settings.job_max_tries + 8,
                wait=1,
                exponential_wait=2,
                retry_exceptions=set(RETRYABLE),
            ),
        )
        def analyse_session(session_id: str, attempt: int) -> str | None:
            ctx, analyser = self.runtime
            state = run_job(ctx, analyser, session_id, attempt)
            if state == RETRYING:
                raise AnalysisRetryError()
            if state == BUSY:
                raise AnalysisBusyError()
            return state

        every = settings.job_stall_check_seconds

        @app.periodic(cron=f"* * * * * */{every}", periodic_id="retry-stalled")
        @app.task(name="leveattest.retry_stalled", queue=QUEUE, queueing_lock="retry-stalled")
        async def retry_stalled(timestamp: int) -> int:
            del timestamp
            return await self.retry_stalled_jobs()

        sweep_every = max(1, min(59, round(settings.job_sweep_every_seconds)))

        @app.periodic(cron=f"* * * * * */{sweep_every}", periodic_id="sweep")
        @app.task(name="leveattest.sweep", queue=QUEUE, queueing_lock="sweep")
        def sweep(timestamp: int) -> int:
            del timestamp
            return sweep_stuck_sessions(self.runtime[0], redeliver=self.redeliver)

        for job in SCHEDULE:
            self._schedule(job)

        @app.periodic(cron="35 4 * * *", periodic_id="remove-old-jobs")
        @app.task(name="leveattest.remove_old_jobs", queue=QUEUE, queueing_lock="remove-old-jobs")
        async def remove_old_jobs(timestamp: int) -> None:
            del timestamp
            await self.app.job_manager.delete_old_jobs(
                nb_hours=PROCRASTINATE_JOBS_KEPT_HOURS,
                include_failed=True,
                include_cancelled=True,
                include_aborted=True,
            )

        self.analyse_session = analyse_session

    def _schedule(self, job: ScheduledJob) -> None:
        """One entry of the schedule as a periodic task (one job per tick for all workers;
        the queueing lock keeps a slow run from piling up the next ticks)."""

        @self.app.periodic(cron=job.cron, periodic_id=job.name)
        @self.app.task(
            name=f"leveattest.scheduled.{job.name}",
            queue=QUEUE,
            queueing_lock=f"scheduled-{job.name}",
        )
        def scheduled(timestamp: int) -> Report | None:
            del timestamp
            return run_scheduled_job(self.runtime[0], self._register_jobs, job)

    @property
    def runtime(self) -> tuple[SessionContext, Analyser]:
        if self._runtime is None:
            raise LeveattestError("the procrastinate worker has no runtime bound")
        return self._runtime

    def bind(
        self, ctx: SessionContext, analyser: Analyser, register_jobs: RegisterJobs | None = None
    ) -> None:
        self._runtime = (ctx, analyser)
        self._register_jobs = register_jobs

    async def retry_stalled_jobs(self, seconds_since_heartbeat: float | None = None) -> int:
        """Hand the jobs of workers whose heartbeat stopped to the queue again."""
        if seconds_since_heartbeat is None:
            seconds_since_heartbeat = self.settings.job_stalled_after_seconds
        manager = self.app.job_manager
        stalled = [
            job
            for job in await manager.get_stalled_jobs(
                seconds_since_heartbeat=seconds_since_heartbeat
            )
            if job.task_name == ANALYSE_TASK
        ]
        for job in stalled:
            await manager.retry_job(job)
        if stalled:
            log.warning("jobs.stalled_retried", count=len(stalled))
        return len(stalled)

    def redeliver(self, db: Session, session_id: str, attempt: int) -> bool:
        """Make sure a procrastinate job will run the attempt (the sweep's hook); False
        when one is already waiting."""
        waiting = db.execute(
            text(
                "SELECT 1 FROM procrastinate_jobs WHERE queueing_lock = :lock AND status = 'todo'"
            ),
            {"lock": _lock(session_id, attempt)},
        ).first()
        if waiting is not None:
            return False
        try:
            with db.begin_nested():
                self.defer_analysis(db, session_id, attempt)
        except AlreadyEnqueued:
            return False
        log.info("jobs.redelivered", session=fingerprint(session_id), attempt=attempt)
        return True

    def defer_analysis(self, db: Session, session_id: str, attempt: int) -> None:
        """Defer the attempt's job on the caller's connection, in its transaction."""
        raw = db.connection().connection.driver_connection
        self.analyse_session.configure(
            connection=raw, queueing_lock=_lock(session_id, attempt)
        ).defer(session_id=session_id, attempt=attempt)

    def stop(self) -> None:
        """Ask the running worker to stop after its current job (signal-safe)."""
        self._stopping.set()
        worker, loop = self._worker, self._loop
        if worker is not None and loop is not None:
            loop.call_soon_threadsafe(worker.stop)

    def run_worker(self, *, install_signal_handlers: bool = True) -> None:
        """Run a worker on the analysis queue until SIGTERM/SIGINT (or :meth:`stop`).

        One analysis at a time per process (dlib). When procrastinate's worker stops on
        its own — its connection died in a database restart — it is started again after
        a back-off that doubles up to ``worker_restart_max_backoff_seconds``; the job it
        was running is retried (a database error is retryable) or found by the
        stalled-job check. A stop request lets the current job finish.
        """
        if install_signal_handlers:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stop())
        backoff = Backoff(ceiling=self.settings.worker_restart_max_backoff_seconds)
        while not self._stopping.is_set():
            try:
                asyncio.run(self._run_once())
            except Exception as exc:  # noqa: BLE001 - the supervisor loop must survive anything
                log.warning("worker.engine_failed", error_type=type(exc).__name__)
            else:
                backoff.reset()
            if self._stopping.is_set():
                break
            delay = backoff.next_delay()
            log.warning("worker.engine_restarting", in_s=delay)
            self._stopping.wait(delay)

    def run_until_idle(self) -> None:
        """Run the jobs that are due now, then return (tests, one-off operator runs)."""
        asyncio.run(self._run_once(wait=False, listen_notify=False))

    async def _run_once(self, *, wait: bool = True, listen_notify: bool = True) -> None:
        settings = self.settings
        self._loop = asyncio.get_running_loop()
        async with self.app.open_async():
            self._worker = Worker(
                app=self.app,
                queues=[QUEUE],
                concurrency=1,
                install_signal_handlers=False,
                update_heartbeat_interval=settings.job_heartbeat_seconds,
                stalled_worker_timeout=settings.job_stalled_after_seconds,
                fetch_job_polling_interval=settings.worker_poll_seconds,
                wait=wait,
                listen_notify=listen_notify,
            )
            try:
                if not self._stopping.is_set():
                    await self._worker.run()  # type: ignore[no-untyped-call]
            finally:
                self._worker = self._loop = None


def _lock(session_id: str, attempt: int) -> str:
    return f"{session_id}.{attempt}"


class ProcrastinateJobQueue(TableJobQueue):
    """The ``JobQueue`` port on PostgreSQL: the attempt's row plus a procrastinate job,
    both in the caller's transaction."""

    def __init__(self, engine: ProcrastinateEngine, clock: Clock) -> None:
        super().__init__(clock)
        self._engine = engine

    @property
    def engine(self) -> ProcrastinateEngine:
        return self._engine

    def enqueue(self, db: Session, session_id: str, attempt: int) -> None:
        super().enqueue(db, session_id, attempt)
        self._engine.defer_analysis(db, session_id, attempt)
