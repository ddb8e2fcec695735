"""What every request handler needs: settings, clock, signing keys, sessions and the
disclosure writer."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from register.auth import TokenCache
from register.db.engine import make_read_engine
from register.group_commit import DisclosureWriter
from register.keys import RegisterKeys
from register.settings import RegisterSettings

T = TypeVar("T")
P = ParamSpec("P")


@dataclass
class RegisterState:
    settings: RegisterSettings
    clock: Clock
    keys: RegisterKeys
    sessions: sessionmaker[Session]
    token_cache: TokenCache = field(default_factory=TokenCache)
    _gate: AbstractContextManager[object] = field(default_factory=nullcontext, repr=False)
    _read_gate: AbstractContextManager[object] = field(default_factory=nullcontext, repr=False)
    reader: Engine = field(init=False, repr=False)
    disclosures: DisclosureWriter = field(init=False, repr=False)
    executor: ThreadPoolExecutor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Bound the transactions running at once in this process.

        SQLite admits one writer (every transaction is BEGIN IMMEDIATE): threads queue on a
        lock instead of SQLite's sleeping busy handler, which adds tens of milliseconds
        under load (other processes still meet the busy timeout); its readers use their
        own connections and need no lock. On PostgreSQL a few transactions at a time:
        forty threads contending for the GIL while one of them holds the disclosure-chain
        lock make every request wait for that one (a convoy).
        """
        bind: Engine = self.sessions.kw["bind"]
        self.reader = make_read_engine(bind)
        if bind.dialect.name == "sqlite":
            self._gate = threading.RLock()
            if self.reader is bind:  # in-memory: reads share the writer's connections
                self._read_gate = self._gate
        elif self.settings.max_concurrent_transactions > 0:
            self._gate = threading.BoundedSemaphore(self.settings.max_concurrent_transactions)
            self._read_gate = self._gate
        self.disclosures = DisclosureWriter(
            self.unit_of_work, self.clock, bind, self.settings.secret.get_secret_value()
        )
        self.executor = ThreadPoolExecutor(
            self.settings.worker_threads, thread_name_prefix="register"
        )

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking ``work`` on this register's threads (a few, not anyio's forty:
        fewer threads contending for the GIL; the group commit still gets its groups)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # the request id reaches the thread's log lines
        call = functools.partial(context.run, work, *args, **kwargs)
        return await loop.run_in_executor(self.executor, call)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self._gate, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection that takes no write lock (``make_read_engine``)."""
        with self._read_gate, self.reader.connect() as connection:
            yield connection

    def run_read(self, work: Callable[[Connection], T]) -> T:
        """``work`` on a read connection, once more if the pooled connection was dead
        (database restarted): reads are idempotent, and this replaces a ping per checkout.
        """
        try:
            with self.read() as connection:
                return work(connection)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self.read() as connection:
            return work(connection)
