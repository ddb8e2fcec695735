"""Which workers run, and which have their models loaded (``worker_presence``).

A worker process announces itself before it loads its models, marks itself ready when
they are loaded and checked (``Pipeline.warm_up``), renews ``seen_at`` every
``BEAT_SECONDS`` from a thread while it lives, and deletes its row when it stops. It
takes no job before it is ready, so "workers: N ready" in ``/readyz`` is the number that
can analyse now, on any host that shares the database. A worker killed with ``kill -9``
leaves its row behind: a row not renewed for ``STALE_SECONDS`` is not counted (and is
removed by the next worker that starts). Database outages do not stop a worker: a beat
that fails is tried again at the next one.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.jobs.models import WorkerPresence
from leveattest.persistence.outage import DATABASE_ERROR_TYPES

BEAT_SECONDS = 10.0
STALE_SECONDS = 45.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WorkersHealth:
    ready: int
    loading: int
    failed: int  # alive, but a model did not load: its jobs fail and go to a person

    @property
    def summary(self) -> str:
        text = f"workers: {self.ready} ready"
        if self.loading:
            text += f", {self.loading} loading"
        if self.failed:
            text += f", {self.failed} failed to load"
        return text

    def to_json(self) -> dict[str, int | str]:
        return {
            "ready": self.ready,
            "loading": self.loading,
            "failed": self.failed,
            "summary": self.summary,
        }


def workers_health(db: Session, now: datetime) -> WorkersHealth:
    """Live workers (renewed within ``STALE_SECONDS``) by state."""
    alive = WorkerPresence.seen_at >= now - timedelta(seconds=STALE_SECONDS)
    rows = db.execute(
        select(WorkerPresence.ready_at.is_not(None), WorkerPresence.warm_up_failed, func.count())
        .where(alive)
        .group_by(WorkerPresence.ready_at.is_not(None), WorkerPresence.warm_up_failed)
    ).all()
    ready = loading = failed = 0
    for is_ready, has_failed, count in rows:
        if is_ready:
            ready += int(count)
        elif has_failed:
            failed += int(count)
        else:
            loading += int(count)
    return WorkersHealth(ready=ready, loading=loading, failed=failed)


class Presence:
    """This worker process's row, and the thread that keeps it fresh."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self.host = socket.gethostname()[:64]
        self.worker_id = f"{self.host[:50]}-{os.getpid()}-{secrets.token_hex(4)}"
        self._started_at = clock.now()
        self._ready_at: datetime | None = None
        self._failed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def announce(self) -> None:
        """Before the models load: "loading". Also clears rows of workers long dead."""
        cutoff = self._clock.now() - timedelta(seconds=10 * STALE_SECONDS)
        self._write(
            lambda db: db.execute(delete(WorkerPresence).where(WorkerPresence.seen_at < cutoff))
        )
        self._renew()
        self._thread = threading.Thread(target=self._beat, name="worker-presence", daemon=True)
        self._thread.start()

    def ready(self, *, failed: bool = False) -> None:
        """The models are loaded and checked (or, ``failed``, one did not load)."""
        if failed:
            self._failed = True
        else:
            self._ready_at = self._clock.now()
        self._renew()

    def leave(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._write(
            lambda db: db.execute(
                delete(WorkerPresence).where(WorkerPresence.worker_id == self.worker_id)
            )
        )

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            self._renew()

    def _renew(self) -> None:
        # the whole row each time: a row removed meanwhile (a long outage) comes back
        row = WorkerPresence(
            worker_id=self.worker_id,
            host=self.host,
            pid=os.getpid(),
            started_at=self._started_at,
            ready_at=self._ready_at,
            warm_up_failed=self._failed,
            seen_at=self._clock.now(),
        )
        self._write(lambda db: db.merge(row))

    def _write(self, change: Callable[[Session], object]) -> bool:
        try:
            with self._sessions.begin() as db:
                change(db)
        except DATABASE_ERROR_TYPES as exc:
            log.warning("worker.presence_not_written", error_type=type(exc).__name__)
            return False
        return True
