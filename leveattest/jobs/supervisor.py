"""Worker processes that come back: ``serve --workers N`` and the demo supervise them.

Each worker is a separate OS process (spawned: dlib is not fork-safe). A monitor thread
looks at them twice a second; a worker that died — killed, crashed, out of memory — is
logged (``worker.child_died`` with its exit code) and started again after a back-off
that doubles from 1 s per slot up to ``max_backoff`` (``worker.child_restarted``). A
worker that then runs for a minute gets its back-off reset. ``stop`` sends SIGTERM (the
worker finishes its current job), waits, then kills what is left.

Workers also watch their parent: if the supervising process disappears (SIGKILL), they
stop after their current job instead of running on as orphans.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from leveattest.core.logging import get_logger
from leveattest.persistence.outage import Backoff

log = get_logger("leveattest.jobs.supervisor")
STABLE_AFTER_SECONDS = 60.0


@dataclass
class _Slot:
    index: int
    process: BaseProcess
    started: float
    backoff: Backoff
    restart_at: float | None = None
    restarts: int = 0


@dataclass
class WorkerSupervisor:
    """Start ``count`` processes running ``target(*args)`` and keep them running."""

    target: Callable[..., None]
    args: tuple[Any, ...]
    count: int
    max_backoff: float = 30.0
    check_every: float = 0.5
    _slots: list[_Slot] = field(default_factory=list, init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _monitor: threading.Thread | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def start(self) -> WorkerSupervisor:
        with self._lock:
            self._slots = [
                _Slot(i, self._spawn(i), time.monotonic(), Backoff(ceiling=self.max_backoff))
                for i in range(self.count)
            ]
        self._monitor = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)
        self._monitor.start()
        return self

    @property
    def processes(self) -> list[BaseProcess]:
        with self._lock:
            return [slot.process for slot in self._slots]

    @property
    def restarts(self) -> int:
        with self._lock:
            return sum(slot.restarts for slot in self._slots)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every worker (it finishes its job), then SIGKILL after ``timeout``."""
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(timeout=5)
        processes = self.processes
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + timeout
        for process in processes:
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker.child_killed", pid=process.pid)
                process.kill()
                process.join(timeout=5)

    def _spawn(self, index: int) -> BaseProcess:
        spawn = multiprocessing.get_context("spawn")
        process = spawn.Process(
            target=run_child,
            args=(os.getpid(), self.target, self.args),
            name=f"leveattest-worker-{index}",
            daemon=True,
        )
        process.start()
        return process

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_every):
            with self._lock:
                for slot in self._slots:
                    try:
                        self._check(slot)
                    except Exception as exc:  # noqa: BLE001 - the monitor must keep watching
                        log.warning("worker.restart_failed", slot=slot.index, error=repr(exc))

    def _check(self, slot: _Slot) -> None:
        now = time.monotonic()
        if slot.restart_at is None:
            if slot.process.is_alive():
                if now - slot.started > STABLE_AFTER_SECONDS:
                    slot.backoff.reset()
                return
            delay = slot.backoff.next_delay()
            slot.restart_at = now + delay
            log.warning(
                "worker.child_died",
                slot=slot.index,
                pid=slot.process.pid,
                exitcode=slot.process.exitcode,
                restart_in_s=delay,
            )
            return
        if now < slot.restart_at or self._stopping.is_set():
            return
        slot.process = self._spawn(slot.index)
        slot.started, slot.restart_at = now, None
        slot.restarts += 1
        log.warning("worker.child_restarted", slot=slot.index, pid=slot.process.pid)


def run_child(parent_pid: int, target: Callable[..., None], args: tuple[Any, ...]) -> None:
    """A worker process: ``target(*args)``, stopped (SIGTERM to itself) when the parent is
    gone, so that it finishes its job and exits instead of running on as an orphan.
    Ctrl-C in the terminal reaches the whole process group: the worker ignores it, the
    supervisor stops it with SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _watch_parent() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                log.warning("worker.parent_gone")
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=_watch_parent, name="parent-watch", daemon=True).start()
    target(*args)
