"""A database server that has gone silent: a TCP listener on 127.0.0.1 that accepts every
connection and never answers (as when a firewall or a dead link swallows the packets after
the handshake), and a way to time a call against it without letting a hang hang the tests.

The accepted sockets are held open, never read; closing the server closes them, which
frees any client still waiting on one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

# a call that should give up after a 2 s connect timeout is failed by the test after this
# long, however it ends (no client default is this short: psycopg waits 130 s, the kernel more)
HANG_LIMIT_SECONDS = 30.0


class SilentServer:
    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, database: str = "silent") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(connection)  # held open, never read, never answered

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for connection in self.accepted:
            connection.close()


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


def timed(call: Callable[[], Any]) -> tuple[Any, BaseException | None, float]:
    """Run ``call`` in a thread: (what it returned, what it raised, seconds it took). Fails
    the test when it is still waiting after :data:`HANG_LIMIT_SECONDS` (the thread is then
    left to the server's closing)."""
    outcome: list[tuple[Any, BaseException | None]] = []

    def run() -> None:
        try:
            outcome.append((call(), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append((None, exc))

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT_SECONDS)
    elapsed = time.monotonic() - started
    if thread.is_alive():
        pytest.fail(f"still waiting for the silent server after {elapsed:.0f} s")
    value, error = outcome[0]
    return value, error, elapsed


def timed_failure(call: Callable[[], Any]) -> tuple[BaseException, float]:
    """Like :func:`timed` for a call that must raise: (the exception, seconds it took)."""
    _value, error, elapsed = timed(call)
    if error is None:
        pytest.fail("the call succeeded against a server that never answers")
    return error, elapsed
