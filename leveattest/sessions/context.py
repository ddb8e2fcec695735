"""What the session service, the API and the worker share: settings, clock, stores, ports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.core.keys import KeyRing, keyring_from
from leveattest.core.settings import LivenessSettings, SessionSettings, Settings
from leveattest.face.liveness.challenge import issue_challenge
from leveattest.storage.blobs import BlobStore
from register.client import RegisterClient


class ChallengeIssuer(Protocol):
    """Issues the liveness challenge of one attempt, as JSON with ``challenge_id`` and
    ``expires_at`` (ISO 8601)."""

    def __call__(self, session_id: str, clock: Clock) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LivenessChallengeIssuer:
    """The issuer of the service: :func:`leveattest.face.liveness.challenge.issue_challenge`
    with the ``liveness`` section of the settings (the same for the API and the worker)."""

    settings: LivenessSettings

    def __call__(self, session_id: str, clock: Clock) -> dict[str, Any]:
        return issue_challenge(session_id, clock=clock, settings=self.settings).to_dict()


def issue_liveness_challenge(session_id: str, clock: Clock) -> dict[str, Any]:
    """An issuer with the engine's default liveness settings."""
    return LivenessChallengeIssuer(LivenessSettings())(session_id, clock)


class JobQueue(Protocol):
    """Where submitted attempts wait for a worker; works in the caller's transaction."""

    def enqueue(self, db: Session, session_id: str, attempt: int) -> None:
        """Queue the analysis of one attempt (at most one job per attempt)."""
        ...

    def cancel(self, db: Session, session_id: str) -> None:
        """Cancel the session's jobs that have not finished."""
        ...


@dataclass
class SessionContext:
    settings: Settings
    clock: Clock
    sessions: sessionmaker[Session]
    blobs: BlobStore
    register: RegisterClient | None
    queue: JobQueue
    issue_challenge: ChallengeIssuer = issue_liveness_challenge

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    @property
    def session_settings(self) -> SessionSettings:
        """The ``sessions`` section of the settings."""
        return self.settings.sessions

    @session_settings.setter
    def session_settings(self, value: SessionSettings) -> None:
        self.settings = self.settings.model_copy(update={"sessions": value})

    @property
    def retry_budget(self) -> int:
        return self.settings.pipeline.retry_budget

    @cached_property
    def keyring(self) -> KeyRing:
        """The master key and the previous ones: every key is derived from it (docs/keys.md)."""
        return keyring_from(self.settings.security)


def blob_owner(session_id: str, attempt: int) -> str:
    """Blobs of one attempt share an owner (and a data key): a retry shreds the old ones."""
    return f"{session_id}.a{attempt}"
