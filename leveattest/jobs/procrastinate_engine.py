"""The PostgreSQL job engine: procrastinate (jobs in PostgreSQL, workers anywhere).

A submit writes two rows in ONE transaction: the attempt's row in ``leveattest_jobs``
(unique per attempt: concurrent submits give exactly one) and a procrastinate job, deferred
on the request's own database connection. The procrastinate task then runs
:func:`leveattest.jobs.worker.run_job`, which leases the ``leveattest_jobs`` row, so
results are written once even when procrastinate runs a job twice.

A worker killed mid-job: its heartbeat stops, the periodic ``retry_stalled`` task hands
the job to another worker (procrastinate's stalled-job API), which takes over the lease
once it has expired. A failed analysis raises :class:`AnalysisRetryError`, and
procrastinate retries it with exponential back-off; after ``job_max_tries`` the session
goes to a person. Retention runs hourly as a periodic task.

procrastinate's own schema is created by leveattest's migration 0002 (PostgreSQL only).
"""

from __future__ import annotations

from typing import Any

from procrastinate import App, PsycopgConnector, RetryStrategy
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from leveattest.core.clock import Clock
from leveattest.core.errors import LeveattestError
from leveattest.core.logging import get_logger
from leveattest.jobs.queue import TableJobQueue
from leveattest.jobs.worker import RETRYING, Analyser, run_job
from leveattest.sessions.context import SessionContext
from leveattest.sessions.retention import run_retention

QUEUE = "leveattest-analysis"
ANALYSE_TASK = "leveattest.analyse_session"
log = get_logger("leveattest.jobs.procrastinate")


class AnalysisRetryError(LeveattestError):
    """The analysis failed and will be retried."""

    code = "analysis_retry"
    http_status = 503


def conninfo(database_url: str) -> str:
    """A libpq URL from the SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


class ProcrastinateEngine:
    """The procrastinate app with leveattest's tasks; bind a runtime in worker processes."""

    def __init__(self, database_url: str, *, max_tries: int = 5) -> None:
        self.app = App(connector=PsycopgConnector(conninfo=conninfo(database_url)))
        self._runtime: tuple[SessionContext, Analyser] | None = None
        app = self.app

        @app.task(
            name=ANALYSE_TASK,
            queue=QUEUE,
            retry=RetryStrategy(
                max_attempts=max_tries + 1,
                exponential_wait=5,
                retry_exceptions={AnalysisRetryError},
            ),
        )
        def analyse_session(session_id: str, attempt: int) -> str | None:
            ctx, analyser = self.runtime
            state = run_job(ctx, analyser, session_id, attempt)
            if state == RETRYING:
                raise AnalysisRetryError()
            return state

        @app.periodic(cron="*/2 * * * *", periodic_id="retry-stalled")
        @app.task(name="leveattest.retry_stalled", queue=QUEUE, queueing_lock="retry-stalled")
        async def retry_stalled(timestamp: int) -> int:
            del timestamp
            return await self.retry_stalled_jobs()

        @app.periodic(cron="17 * * * *", periodic_id="retention")
        @app.task(name="leveattest.retention", queue=QUEUE, queueing_lock="retention")
        def retention(timestamp: int) -> int:
            del timestamp
            return len(run_retention(self.runtime[0]).shredded)

        self.analyse_session = analyse_session

    @property
    def runtime(self) -> tuple[SessionContext, Analyser]:
        if self._runtime is None:
            raise LeveattestError("the procrastinate worker has no runtime bound")
        return self._runtime

    def bind(self, ctx: SessionContext, analyser: Analyser) -> None:
        self._runtime = (ctx, analyser)

    async def retry_stalled_jobs(self, seconds_since_heartbeat: float = 30.0) -> int:
        manager = self.app.job_manager
        stalled = list(
            await manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat)
        )
        for job in stalled:
            await manager.retry_job(job)
        if stalled:
            log.warning("jobs.stalled_retried", count=len(stalled))
        return len(stalled)

    def run_worker(self, **options: Any) -> None:
        """Run a worker on the analysis queue (blocks; SIGTERM/SIGINT stop it gracefully)."""
        options.setdefault("concurrency", 1)  # one analysis at a time per process (dlib)
        self.app.run_worker(queues=[QUEUE], **options)


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
        raw = db.connection().connection.driver_connection
        self._engine.analyse_session.configure(
            connection=raw, queueing_lock=f"{session_id}.{attempt}"
        ).defer(session_id=session_id, attempt=attempt)
