"""The worker's heartbeat: renews the lease of the job it is analysing.

A lease lasts ``job_lease_seconds`` and is renewed every ``job_heartbeat_seconds`` (at
most a third of the lease) from a thread of the worker process, on its own connection,
while the analysis runs in the main thread. A worker that dies — SIGKILL, out of memory,
its machine gone — stops renewing, and its job is claimable again within one lease.
A heartbeat that finds the lease gone (consent withdrawn, job cancelled) stops; the
worker's late results are then refused by :func:`leveattest.jobs.queue.lock_lease`.
"""

from __future__ import annotations

import threading
from types import TracebackType

from leveattest.core.logging import get_logger
from leveattest.jobs.queue import ClaimedJob, renew_lease
from leveattest.persistence.outage import DATABASE_UNAVAILABLE_ERRORS, OutageEpisode
from leveattest.sessions.context import SessionContext

log = get_logger("leveattest.jobs.heartbeat")


def heartbeat_interval(lease_seconds: float, heartbeat_seconds: float) -> float:
    """How often the lease is renewed: the setting, but at least three times a lease."""
    return max(0.05, min(heartbeat_seconds, lease_seconds / 3))


class LeaseHeartbeat:
    """``with LeaseHeartbeat(ctx, claimed):`` renews the lease until the block ends."""

    def __init__(self, ctx: SessionContext, claimed: ClaimedJob) -> None:
        self._ctx, self._claimed = ctx, claimed
        settings = ctx.session_settings
        self._lease = settings.job_lease_seconds
        self._every = heartbeat_interval(settings.job_lease_seconds, settings.job_heartbeat_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._outage = OutageEpisode("worker.heartbeat")
        self.lost = False

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                with self._ctx.unit_of_work() as db:
                    held = renew_lease(db, self._ctx.clock, self._claimed, self._lease)
            except DATABASE_UNAVAILABLE_ERRORS as exc:
                self._outage.failed(exc)
                continue
            self._outage.succeeded()
            if not held:
                self.lost = True
                log.info("job.lease_gone", job=self._claimed.job_id)
                return
