"""The demo's running service: ``leveattest serve`` on the embedded default, in a folder.

:class:`DemoService` starts what ``serve`` starts — the mobile API, the register and the
ops console on one port (uvicorn in a thread of this process) and analysis worker
processes — on SQLite files and a local blob store under one run folder, with the chip
trust store of the generated samples. Its log (API and workers, including what native
libraries print) goes to ``service.log`` in that folder, not to the terminal.

It also plays the two outside parties a demo needs: a pension company (its own key
pair; it proves its pension relationships and requests certificates over the register's
HTTP API) and the register's post room (a letter with the invitation's QR code for
every open request).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import httpx
import uvicorn
from joserfc.jwk import ECKey

from leveattest.app import bootstrap
from leveattest.app.register_root import register_engine
from leveattest.core.clock import SystemClock
from leveattest.core.errors import LeveattestError
from leveattest.core.settings import RegisterSettings, Settings, load_settings
from leveattest.jobs.supervisor import WorkerSupervisor
from leveattest.review.auth import NewAccount, create_account
from register.companies import add_company_key, company_by_client_id, register_company
from register.company_client import CompanyClient, generate_company_key
from register.db.engine import make_session_factory as make_register_sessions
from register.db.models import Person
from register.identity import norwegian_id
from register.letters import invitation_letter_png
from register.persons import find_person
from register.requests import open_invitation

COMPANY_ID = "demo-pensjon"
COMPANY_NAME = "Demo Pensjon AS"


class DemoServiceError(LeveattestError):
    code = "demo_service_failed"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_worker(settings: Settings, log_path: str) -> None:
    """A worker process whose output (ours and the native libraries') goes to the log."""
    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (process-long)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log
    bootstrap.worker_main(settings)


@dataclass
class DemoService:
    """The service of one demo run, in ``root`` (emptied first)."""

    root: Path
    trust_paths: list[Path]
    workers: int = 1
    port: int = field(default_factory=free_port)
    settings: Settings = field(init=False)
    _server: uvicorn.Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _workers: WorkerSupervisor | None = field(default=None, init=False)
    _log: TextIO | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        base = load_settings()
        self.settings = base.model_copy(
            update={
                "data": base.data.model_copy(update={"var_dir": self.root / "var"}),
                "database": base.database.model_copy(
                    update={"url": f"sqlite:///{self.root / 'leveattest.db'}"}
                ),
                "chip": base.chip.model_copy(update={"trust_paths": self.trust_paths}),
                "logging": base.logging.model_copy(update={"json_logs": True}),
                "register": base.register.model_copy(
                    update={
                        "database_url": f"sqlite:///{self.root / 'register.db'}",
                        "base_url": f"{self.url}/register/v1",
                        "signing_keys_path": self.root / "register-signing-keys.json",
                        # the sample pensioners' identity numbers are synthetic
                        "accept_synthetic_ids": True,
                    }
                ),
            }
        )

    @property
    def register_settings(self) -> RegisterSettings:
        return self.settings.register

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / "service.log"

    # -- life cycle --------------------------------------------------------------------

    def start(self, *, timeout: float = 60.0) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self._log = open(self.log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        bootstrap.configure(self.settings, stream=self._log)
        bootstrap.migrate_all(self.settings)
        app = bootstrap.service_app(self.settings, SystemClock())
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            log_config=None,  # uvicorn's warnings go to the service log as JSON too
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="demo-api", daemon=True)
        self._thread.start()
        self._workers = bootstrap.start_workers(
            self.workers,
            self.settings,
            target=demo_worker,
            extra_args=(str(self.log_path),),
        )
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise DemoServiceError("the demo service did not start", log=str(self.log_path))
            time.sleep(0.05)

    def wait_for_workers(
        self, progress: Callable[[dict[str, Any], float], None], *, timeout: float = 600.0
    ) -> dict[str, Any]:
        """Poll ``/readyz`` until every worker has loaded its models; ``progress`` gets the
        workers' check and the seconds waited at each poll. A worker whose models failed to
        load counts as done (its jobs will go to a person)."""
        started = time.monotonic()
        workers: dict[str, Any] = {}
        while time.monotonic() - started < timeout:
            try:
                checks = httpx.get(f"{self.url}/readyz", timeout=5).json().get("checks", {})
                workers = checks.get("workers") or {}
            except (httpx.HTTPError, ValueError):
                workers = {}
            progress(workers, time.monotonic() - started)
            if workers.get("ready", 0) + workers.get("failed", 0) >= self.workers:
                return workers
            time.sleep(0.5)
        raise DemoServiceError("the workers did not load their models", log=str(self.log_path))

    def stop(self) -> None:
        if self._workers is not None:
            self._workers.stop()
            self._workers = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        bootstrap.configure(self.settings, json_logs=False)
        if self._log is not None:
            self._log.close()

    def wait_until_stopped(self) -> None:
        """Block until Ctrl-C or SIGTERM (``demo --keep-running``); the caller then stops
        the service and its workers."""
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while self._thread is not None and self._thread.is_alive() and not stop.is_set():
                stop.wait(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)

    @contextmanager
    def running(self) -> Iterator[DemoService]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    # -- the pension company and the post room ---------------------------------------

    def enrol_company(self) -> DemoCompany:
        """Create the demo pension company with a fresh key (as ``register seed-demo``)."""
        engine = register_engine(self.settings)
        key = generate_company_key(f"{COMPANY_ID}-1")
        try:
            with make_register_sessions(engine)() as db, db.begin():
                company = company_by_client_id(db, COMPANY_ID) or register_company(
                    db, SystemClock(), client_id=COMPANY_ID, name=COMPANY_NAME
                )
                add_company_key(db, SystemClock(), company, key.as_dict(private=False))
        finally:
            engine.dispose()
        return DemoCompany(self.register_settings.base_url, key)

    def add_staff(self, username: str, role: str) -> NewAccount:
        """An ops console account (password and TOTP secret are returned once)."""
        master = bootstrap.master_key(self.settings)
        with bootstrap.service_database(self.settings) as sessions, sessions() as db, db.begin():
            return create_account(
                db, master, self.settings.review, SystemClock().now(), username=username, role=role
            )

    def letter_for(self, national_id: str, out: Path) -> Path:
        """The register's post room: the letter of the person's open invitation."""
        engine = register_engine(self.settings)
        try:
            with make_register_sessions(engine)() as db:
                pid = norwegian_id(national_id, accept_synthetic=True)
                person: Person | None = find_person(db, pid)
                invitation = (
                    open_invitation(db, person.id, SystemClock().today())
                    if person is not None
                    else None
                )
                if invitation is None:
                    raise DemoServiceError("no open invitation for a demo pensioner")
                reference, deadline = invitation.reference, invitation.deadline
        finally:
            engine.dispose()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(
            invitation_letter_png(
                self.register_settings, reference, full_name=None, deadline=deadline
            )
        )
        return out


@dataclass(frozen=True)
class DemoCompany:
    """The pension company, talking to the register over HTTP with its own key."""

    register_url: str
    key: ECKey

    def _call(self, work: Callable[[CompanyClient], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        async def main() -> dict[str, Any]:
            async with CompanyClient(self.register_url, COMPANY_ID, self.key) as client:
                return await work(client)

        return asyncio.run(main())

    def request_certificate(
        self, national_id: str, *, agreement: str, today: date, full_name: str | None = None
    ) -> None:
        """Prove that it pays this person a pension (with the name it knows, so the register
        can link a foreign passport to them), then ask for a life certificate."""
        person = {"national_id": national_id}

        async def work(client: CompanyClient) -> dict[str, Any]:
            await client.register_relationship(
                person, agreement, f"{today:%Y-%m}", full_name=full_name
            )
            return await client.request_certificate(person)

        self._call(work)

    def status(self, national_id: str) -> dict[str, Any]:
        """The person's status as the register tells the company (signature verified)."""
        return self._call(lambda client: client.status({"national_id": national_id}))


def probe(url: str) -> bool:
    """Whether ``url`` answers with a page (following redirects, e.g. to a sign-in)."""
    try:
        return httpx.get(url, timeout=5, follow_redirects=True).status_code == 200
    except httpx.HTTPError:
        return False
