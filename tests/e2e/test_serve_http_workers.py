"""``leveattest serve --http-workers 2``: several HTTP processes serve one service.

Each process builds the app from the environment; they must agree on the register's
signing keys (made once, before they start) and all serve the API, register and console.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _http_workers(parent: int) -> set[int]:
    """The uvicorn worker processes of ``parent`` (multiprocessing spawn children)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"multiprocessing-fork" in cmdline:
            found.add(int(stat.parent.name))
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_two_http_processes_serve_one_service(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "LEVEATTEST_DATA__VAR_DIR": str(tmp_path / "var"),
        "LEVEATTEST_DATABASE__URL": f"sqlite:///{tmp_path / 'leveattest.db'}",
        "LEVEATTEST_REGISTER__DATABASE_URL": f"sqlite:///{tmp_path / 'register.db'}",
        "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(tmp_path / "keys.json"),
    }
    script = Path(sys.executable).parent / "leveattest"  # the installed entry point
    command = [str(script), "serve", "--port", str(port)]
    command += ["--workers", "0", "--http-workers", "2"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)
        # a new connection each time, so both processes answer
        keys = {httpx.get(f"{base}/.well-known/jwks.json", timeout=5).text for _ in range(12)}
        assert len(keys) == 1
        assert httpx.get(f"{base}/ops/login", timeout=5).status_code == 200
        # a worker starved of CPU for 8 s (a busy host) is not killed and replaced:
        # uvicorn's default health check (5 s) did that over and over on a busy machine
        workers = _http_workers(server.pid)
        assert len(workers) == 2
        stalled = min(workers)
        os.kill(stalled, signal.SIGSTOP)
        try:
            time.sleep(8)
        finally:
            os.kill(stalled, signal.SIGCONT)
        time.sleep(2)
        assert _http_workers(server.pid) == workers
        assert httpx.get(f"{base}/ops/login", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
