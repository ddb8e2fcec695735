"""What every request handler needs: settings, clock, signing keys and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from register.keys import RegisterKeys
from register.settings import RegisterSettings


@dataclass
class RegisterState:
    settings: RegisterSettings
    clock: Clock
    keys: RegisterKeys
    sessions: sessionmaker[Session]

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self.sessions() as session, session.begin():
            yield session
