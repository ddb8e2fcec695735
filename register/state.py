"""What every request handler needs: settings, clock, signing keys and sessions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from register.auth import TokenCache
from register.keys import RegisterKeys
from register.settings import RegisterSettings


@dataclass
class RegisterState:
    settings: RegisterSettings
    clock: Clock
    keys: RegisterKeys
    sessions: sessionmaker[Session]
    token_cache: TokenCache = field(default_factory=TokenCache)
    _gate: AbstractContextManager[object] = field(default_factory=nullcontext, repr=False)

    def __post_init__(self) -> None:
        """Bound the transactions running at once in this process.

        SQLite admits one writer (every transaction is BEGIN IMMEDIATE): threads queue on a
        lock instead of SQLite's sleeping busy handler, which adds tens of milliseconds
        under load (other processes still meet the busy timeout). On PostgreSQL a few
        transactions at a time: forty threads contending for the GIL while one of them
        holds the disclosure-chain lock make every request wait for that one (a convoy).
        """
        bind = self.sessions.kw.get("bind")
        if bind is not None and bind.dialect.name == "sqlite":
            self._gate = threading.RLock()
        elif self.settings.max_concurrent_transactions > 0:
            self._gate = threading.BoundedSemaphore(self.settings.max_concurrent_transactions)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self._gate, self.sessions() as session, session.begin():
            yield session
