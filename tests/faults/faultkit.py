"""Real processes and a real PostgreSQL that a test may stop: the fault-injection kit.

Used by ``tests/faults`` and by ``bench/chaos.py``:

- :class:`PrivatePostgres` — a PostgreSQL cluster of our own (``initdb``/``pg_ctl`` from
  the machine's PostgreSQL binaries) in a temporary directory on a free port of
  127.0.0.1, so that a test can stop it and start it again without touching the
  machine's server. As root, the server runs as the ``postgres`` user (PostgreSQL
  refuses to run as root).
- :class:`Deployment` — ``leveattest serve`` and ``leveattest worker`` processes with one
  environment (databases, sample trust anchors, short fault timings), their logs in the
  work directory, and a way to SIGKILL a worker, also one that ``serve`` started.
- :func:`submit_genuine` — a phone session (the simulator) up to its submit.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from leveattest.contracts import SessionStarted
from mobile_stub import scenarios
from mobile_stub.client import MobileClient

# the timings a fault test runs with: a dead worker's job is taken over within seconds
FAST_FAULTS = {
    "LEVEATTEST_SESSIONS__JOB_LEASE_SECONDS": "4",
    "LEVEATTEST_SESSIONS__JOB_HEARTBEAT_SECONDS": "1",
    "LEVEATTEST_SESSIONS__JOB_STALLED_AFTER_SECONDS": "4",
    "LEVEATTEST_SESSIONS__JOB_STALL_CHECK_SECONDS": "2",
    "LEVEATTEST_SESSIONS__ANALYSIS_DEADLINE_SECONDS": "45",
    "LEVEATTEST_SESSIONS__JOB_SWEEP_EVERY_SECONDS": "5",
    "LEVEATTEST_SESSIONS__WORKER_POLL_SECONDS": "0.2",
    "LEVEATTEST_SESSIONS__WORKER_RESTART_MAX_BACKOFF_SECONDS": "2",
    "LEVEATTEST_SESSIONS__JOB_MAX_TRIES": "8",
}
WAITING = {"received", "analysing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bindir() -> Path | None:
    """The machine's PostgreSQL server binaries (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster that the caller can stop and start: on 127.0.0.1, or
    on a host of its own (``netns``: a network namespace, listening on ``address`` and
    trusting the clients of ``trusted_subnet``, e.g. ``10.201.3.0/24``)."""

    def __init__(
        self,
        bindir: Path,
        *,
        netns: str | None = None,
        address: str = "127.0.0.1",
        trusted_subnet: str | None = None,
    ) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="leveattest-pg-"))
        self.data = self.root / "data"
        self.netns, self.address = netns, address
        self.port = 5432 if netns else free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        if trusted_subnet:
            with open(self.data / "pg_hba.conf", "a", encoding="utf-8") as hba:
                hba.write(f"host all all {trusted_subnet} trust\n")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        if self.netns:
            command = ["ip", "netns", "exec", self.netns, *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={self.address} -k {self.root} "
            "-c fsync=off -c max_connections=200"
        )
        log = str(self.root / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@{self.address}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg  # noqa: PLC0415 - only where a cluster is made

        with psycopg.connect(
            f"host={self.address} port={self.port} user=postgres dbname=postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PrivatePostgres(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def service_environment(
    workdir: Path,
    database_url: str,
    register_url: str,
    samples: Path,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of every process of one deployment."""
    pki = samples / "pki"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LEVEATTEST_SESSIONS__", "LEVEATTEST_DATABASE__"))
    }
    env.update(
        {
            "LEVEATTEST_DATA__VAR_DIR": str(workdir / "var"),
            "LEVEATTEST_DATABASE__URL": database_url,
            "LEVEATTEST_REGISTER__DATABASE_URL": register_url,
            "LEVEATTEST_REGISTER__SIGNING_KEYS_PATH": str(workdir / "register-keys.json"),
            "LEVEATTEST_REGISTER__ACCEPT_SYNTHETIC_IDS": "true",
            "LEVEATTEST_CHIP__TRUST_PATHS": json.dumps(
                [str(pki / "trust"), str(pki / "crl"), str(pki / "link")]
            ),
            "LEVEATTEST_SESSIONS__ALLOW_KNOWN_PERSON_START": "true",
            "LEVEATTEST_LOGGING__JSON_LOGS": "true",
            **FAST_FAULTS,
            **(extra or {}),
        }
    )
    return env


def leveattest_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "leveattest"), *args]


@dataclass
class Deployment:
    """The processes of one service: ``serve`` and any separate ``worker`` processes."""

    workdir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                leveattest_command(*args),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def serve(self, workers: int, *, timeout: float = 120.0) -> None:
        self.server = self._spawn(
            "serve", "serve", "--port", str(self.port), "--workers", str(workers)
        )
        self.wait_healthy(timeout)

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = self._spawn(f"worker-{len(self.workers)}", "worker")
        self.workers.append(worker)
        return worker

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.server is not None
            assert self.server.poll() is None, self.logs()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code < 300:
                    return
            time.sleep(0.3)
        raise TimeoutError("the service did not start\n" + self.logs())

    def serve_children(self) -> list[int]:
        """The worker processes ``serve`` started (not multiprocessing's resource tracker)."""
        assert self.server is not None
        return [pid for pid in child_pids(self.server.pid) if "spawn_main" in cmdline(pid)]

    def live_workers(self) -> list[int]:
        own = [w.pid for w in self.workers if w.poll() is None]
        return own + (self.serve_children() if self.server is not None else [])

    def logs(self, tail: int = 60) -> str:
        out = []
        for path in sorted(self.workdir.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(out)

    def log_events(self, event: str) -> list[dict[str, Any]]:
        """Every JSON log line of the deployment whose event is ``event``."""
        found = []
        for path in sorted(self.workdir.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if event in line and line.startswith("{"):
                    with contextlib.suppress(ValueError):
                        record = json.loads(line)
                        if record.get("event") == event:
                            found.append(record)
        return found

    def stop(self) -> None:
        processes = [p for p in [*self.workers, self.server] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_group(process.pid)
                process.wait(timeout=10)


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def child_pids(pid: int) -> list[int]:
    """Live children of ``pid`` (from /proc), skipping zombies."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(stat.parent.name))
    return sorted(children)


def norwegian_pensioners(samples: Path) -> list[Path]:
    """The sample pensioners with a Norwegian passport or ID card and a fødselsnummer:
    a genuine session of theirs is approved and handed to the register."""
    chosen = []
    for folder in sorted((samples / "persons").glob("p*")):
        person = json.loads((folder / "person.json").read_text())
        national = person.get("national_id") or {}
        if national.get("kind") == "fnr" and person["document"]["issuing_state"] == "NOR":
            chosen.append(folder)
    return chosen


def person_identity(folder: Path) -> dict[str, str]:
    person = json.loads((folder / "person.json").read_text())
    return {"national_id": str(person["national_id"]["value"])}


def submit_genuine(client: MobileClient, folder: Path) -> SessionStarted:
    """A genuine pensioner's session, known to the service, up to its submit."""
    session = client.start_known_person(person_identity(folder))
    client.consent(session)
    scenarios.capture_and_upload(client, session, folder)
    client.submit(session)
    return session


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.2)
