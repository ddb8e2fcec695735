"""Database outages: tell them from bugs, answer them honestly, log them once.

:func:`database_fault` sorts an exception into

* ``outage`` — the database cannot be reached: a connection that cannot be opened
  (refused, timed out, name not resolved), one the server closed or an administrator
  terminated (SQLSTATE class 08, 57P01–57P03), a connection SQLAlchemy invalidated, a
  SQLite file that cannot be opened;
* ``busy`` — it is reachable but cannot take this now: SQLite's ``database is locked``
  after its busy timeout, PostgreSQL's ``lock_not_available`` (55P03),
  ``query_canceled`` (57014, a statement timeout), ``too_many_connections`` (53300),
  or SQLAlchemy's pool timing out;
* ``None`` — anything else (a constraint violated, bad SQL): a bug, answered 500.

Both outage and busy answer 503 (``service_unavailable`` / ``service_busy`` with
``Retry-After``); only an outage opens an *episode*. :func:`watch_engine` (every engine
from ``make_engine``) logs ``db.unavailable`` once when an engine of a database first
fails to reach it and ``db.available_again`` once when a new connection to it succeeds
again — one pair per outage and database in a process, however many requests fail in
between. After an outage PostgreSQL engines recover without a restart: SQLAlchemy
invalidates the pool on a disconnect and ``pool_pre_ping`` replaces any connection that
died while idle.

Loops that are not requests (job workers, heartbeats) catch
:data:`DATABASE_UNAVAILABLE_ERRORS`, log through an :class:`OutageEpisode` of their own
and wait with a :class:`Backoff`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from leveattest.core.errors import ServiceBusyError, ServiceUnavailableError
from leveattest.core.logging import get_logger

log = get_logger("leveattest.persistence")

_OUTAGE_STATES = frozenset({"57P01", "57P02", "57P03"})  # admin/crash shutdown, starting up
_BUSY_STATES = frozenset({"55P03", "57014", "53300"})
_SQLITE_BUSY = ("database is locked", "database table is locked")
_SQLITE_OUTAGE = ("unable to open database file", "disk i/o error")


class DatabaseFault(StrEnum):
    OUTAGE = "outage"
    BUSY = "busy"


def _driver_fault(error: BaseException) -> DatabaseFault | None:
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        state = getattr(error, "sqlstate", None)
        if state is None or state.startswith("08") or state in _OUTAGE_STATES:
            return DatabaseFault.OUTAGE  # no SQLSTATE: the client lost or never had a link
        return DatabaseFault.BUSY if state in _BUSY_STATES else None
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        if message.startswith(_SQLITE_BUSY):
            return DatabaseFault.BUSY
        if message.startswith(_SQLITE_OUTAGE):
            return DatabaseFault.OUTAGE
    return None


def database_fault(error: BaseException) -> DatabaseFault | None:
    """Outage, busy or neither, for ``error`` or the first database error it wraps."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, PoolTimeoutError):
            return DatabaseFault.BUSY
        if isinstance(current, DBAPIError):
            if current.connection_invalidated:
                return DatabaseFault.OUTAGE
            return None if current.orig is None else _driver_fault(current.orig)
        fault = _driver_fault(current)
        if fault is not None:
            return fault
        current = current.__cause__ or current.__context__
    return None


def unavailable_error(error: BaseException) -> ServiceUnavailableError | None:
    """The 503 to answer for ``error``, or None when it is not an outage or busy."""
    fault = database_fault(error)
    if fault is DatabaseFault.OUTAGE:
        return ServiceUnavailableError()
    if fault is DatabaseFault.BUSY:
        return ServiceBusyError()
    return None


# what a request handler may see of a database, wrapped by SQLAlchemy or not (the register's
# COPY and pipelined appends talk to psycopg directly)
DATABASE_ERROR_TYPES: tuple[type[Exception], ...] = (SQLAlchemyError, psycopg.Error, sqlite3.Error)

# the exception classes a job engine treats as "the database is not there right now"
# (retry with back-off); request handlers sort finer with :func:`database_fault`
DATABASE_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


class OutageEpisode:
    """One log line when a loop (a worker, a heartbeat) starts failing to reach the
    database and one when it succeeds again; nothing in between."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._lock = threading.Lock()
        self._since: float | None = None
        self.episodes = 0

    @property
    def down(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since = time.monotonic()
            self.episodes += 1
        log.warning(
            "db.unavailable",
            source=self.source,
            error_type=type(error).__name__,
            sqlstate=_sqlstate(error),
        )

    def succeeded(self) -> None:
        if self._since is None:  # the common case: no lock
            return
        with self._lock:
            if self._since is None:
                return
            down_for = time.monotonic() - self._since
            self._since = None
        log.warning("db.available_again", source=self.source, down_seconds=round(down_for, 1))


def _sqlstate(error: BaseException) -> str | None:
    state = getattr(getattr(error, "orig", error), "sqlstate", None)
    return state if isinstance(state, str) else None


class Backoff:
    """Delays that double from ``initial`` up to ``ceiling`` seconds; ``reset`` after a success."""

    def __init__(self, *, ceiling: float, initial: float = 1.0) -> None:
        self._initial = min(initial, ceiling)
        self._ceiling = ceiling
        self._next = self._initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self._ceiling)
        return delay

    def reset(self) -> None:
        self._next = self._initial


_EPISODES: dict[str, OutageEpisode] = {}
_EPISODES_LOCK = threading.Lock()
_WATCHED: weakref.WeakSet[Engine] = weakref.WeakSet()


def database_name(engine: Engine) -> str:
    """``dialect://host:port/database`` (no user, no password): the key of its episodes."""
    url = engine.url
    where = f"{url.host}:{url.port}" if url.host else ""
    return f"{url.get_backend_name()}://{where}/{url.database or ''}"


def episodes_for(engine: Engine) -> OutageEpisode:
    """The outage episodes of ``engine``'s database in this process (shared by its engines)."""
    name = database_name(engine)
    with _EPISODES_LOCK:
        episodes = _EPISODES.get(name)
        if episodes is None:
            episodes = _EPISODES[name] = OutageEpisode(name)
        return episodes


def watch_engine(engine: Engine) -> Engine:
    """Log the outage episodes of ``engine``'s database (idempotent); returns ``engine``."""
    episodes = episodes_for(engine)
    with _EPISODES_LOCK:
        if engine in _WATCHED:
            return engine
        _WATCHED.add(engine)

    def on_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # a stale pooled connection: SQLAlchemy reconnects and reports if that fails
        error = context.original_exception
        if context.is_disconnect or database_fault(error) is DatabaseFault.OUTAGE:
            episodes.failed(error)

    def on_connect(_dbapi_connection: Any, _record: Any) -> None:
        episodes.succeeded()

    event.listen(engine, "handle_error", on_error)
    event.listen(engine, "connect", on_connect)
    return engine


@dataclass(frozen=True)
class DatabaseProbe:
    ok: bool
    fault: DatabaseFault | None = None
    error_type: str | None = None


def probe_database(
    engine: Engine, execution_options: dict[str, Any] | None = None
) -> DatabaseProbe:
    """``SELECT 1`` on a pooled connection (the caller bounds how long it may take)."""
    try:
        with engine.connect() as connection:
            connection.execution_options(**(execution_options or {}))
            connection.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:  # noqa: BLE001 (readiness reports whatever went wrong)
        return DatabaseProbe(False, database_fault(exc), type(exc).__name__)
    return DatabaseProbe(True)
