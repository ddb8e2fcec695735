"""Engines and sessions for the register. SQLite is the embedded default, PostgreSQL the
production store.

SQLite transactions start with ``BEGIN IMMEDIATE`` (see ``leveattest.persistence``) so
that the read-then-append of the hash chain and the change counter cannot interleave
between processes; on PostgreSQL the same serialisation comes from row locks on
``register_heads``.

``make_read_engine`` gives the hot read paths (status, batch, changes) connections that
never take a write lock: they read, sign, and hand their disclosures to the group
commit (``register.group_commit``), which writes them in a transaction of its own.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import Engine, create_engine, event

from leveattest.persistence import make_engine, make_session_factory, with_network_timeouts
from leveattest.persistence.outage import watch_engine

__all__ = ["make_engine", "make_read_engine", "make_session_factory"]


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def make_read_engine(engine: Engine) -> Engine:
    """An engine for read-only work on ``engine``'s database (one per engine).

    PostgreSQL: JIT compilation off (it costs more than the reads it compiles), autocommit,
    so a single-statement read is one round trip (no BEGIN or
    COMMIT; a multi-statement read sees committed data per statement, as it did under
    READ COMMITTED), and no ping per checkout: reads are idempotent, so
    ``RegisterState.run_read`` retries once on a connection found dead instead (a database
    restart invalidates the whole pool, so the retry gets a fresh connection). SQLite:
    WAL, deferred ``BEGIN`` and ``query_only``, so readers neither take nor wait for the
    write lock. An in-memory SQLite database cannot be shared: its engine is used as is.
    """
    reader = _READERS.get(engine)
    if reader is None:
        reader = _READERS[engine] = _new_read_engine(engine)
        if reader is not engine:
            event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


def _new_read_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "sqlite":
        # JIT off for reads: a batch chunk's plan (thousands of numbers) costs enough to
        # trigger LLVM compilation, ~1.6 s per 20,000-person chunk at 1 M persons against
        # ~0.1 s of execution; a changes page ~0.2 s (bench/results/register_explain_1m.md)
        options = {"options": "-c jit=off"} if engine.dialect.name == "postgresql" else {}
        return watch_engine(
            create_engine(
                # the writer's connect_timeout (make_engine puts it in the URL), else the default
                with_network_timeouts(engine.url),
                isolation_level="AUTOCOMMIT",
                pool_size=8,
                pool_pre_ping=False,
                connect_args=options,
            )
        )
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return engine
    reader = watch_engine(
        create_engine(engine.url, connect_args={"timeout": 30, "check_same_thread": False})
    )

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(reader, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")  # deferred: a snapshot, no write lock

    return reader
