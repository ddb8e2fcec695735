"""The disclosure-log append on PostgreSQL in two round trips (psycopg pipeline mode).

Used by the group commit's leader (``register.group_commit``) on a connection it keeps:
``BEGIN`` and the head lock go in one round trip; the entries (``INSERT``, or ``COPY`` for
large groups), the head update and ``COMMIT`` in a second. The rows and the chain are
those of ``register.disclosure.append_disclosures`` (same ``chain_rows``), which runs the
same steps through SQLAlchemy in the caller's transaction instead.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import PoolProxiedConnection

from leveattest.core.clock import Clock
from register.disclosure import BULK_FROM, COLUMNS, Disclosure, chain_rows
from register.heads import DISCLOSURE_LOG, GENESIS_HASH

_NAMES = ", ".join(COLUMNS)
_LOCK = "SELECT last_id, last_hash FROM register_heads WHERE name = %s FOR UPDATE"
_UPDATE = "UPDATE register_heads SET last_id = %s, last_hash = %s WHERE name = %s"
_INSERT = f"INSERT INTO disclosure_log ({_NAMES}) VALUES ({', '.join('%s' for _ in COLUMNS)})"  # noqa: S608 (constant)
_COPY = f"COPY disclosure_log ({_NAMES}) FROM STDIN"


_APPENDERS: weakref.WeakKeyDictionary[Engine, PipelinedAppender] = weakref.WeakKeyDictionary()


def pipelined_appender(engine: Engine) -> PipelinedAppender:
    """The engine's appender (one per engine, closed when the engine is disposed)."""
    appender = _APPENDERS.get(engine)
    if appender is None:
        appender = _APPENDERS[engine] = PipelinedAppender(engine)
        event.listen(engine, "engine_disposed", lambda _engine: appender.close())
    return appender


class PipelinedAppender:
    """Appends groups of disclosures on one connection it keeps (one group at a time)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: PoolProxiedConnection | None = None
        self._lock = threading.Lock()

    def append(self, clock: Clock, items: Sequence[Disclosure], secret: str) -> list[int]:
        """Append and commit ``items``; on any failure nothing is committed."""
        with self._lock:
            if self._held is None:
                self._held = self._engine.raw_connection()  # pinged once, then kept
            try:
                return _append(_driver(self._held.driver_connection), clock, items, secret)
            except Exception:
                held, self._held = self._held, None
                held.invalidate()  # closing rolls back; the next group gets a new connection
                raise

    def close(self) -> None:
        with self._lock:
            if self._held is not None:
                self._held.detach()  # its pool may be disposed already: close it for good
                self._held.close()
                self._held = None


def _driver(connection: DBAPIConnection | None) -> psycopg.Connection[Any]:
    if not isinstance(connection, psycopg.Connection):
        raise TypeError("the pipelined disclosure append needs a psycopg connection")
    return connection


def _append(
    pg: psycopg.Connection[Any], clock: Clock, items: Sequence[Disclosure], secret: str
) -> list[int]:
    created_at = clock.now()
    with pg.pipeline():
        head = pg.execute(_LOCK, (DISCLOSURE_LOG,)).fetchone()  # BEGIN + lock: one round trip
    if head is None:
        raise LookupError("the disclosure-log head row is missing")
    last_seq, last_hash = int(head[0]), head[1] or GENESIS_HASH
    rows, new_hash = chain_rows(items, created_at, last_seq, last_hash, secret)
    new_seq = last_seq + len(rows)
    if len(rows) >= BULK_FROM:
        with pg.cursor() as cursor, cursor.copy(_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        rows = []
    with pg.pipeline(), pg.cursor() as cursor:
        if rows:
            cursor.executemany(_INSERT, rows)
        cursor.execute(_UPDATE, (new_seq, new_hash, DISCLOSURE_LOG))
        pg.commit()
    return list(range(last_seq + 1, new_seq + 1))
