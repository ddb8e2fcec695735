"""leveattest's schema on SQLite and on PostgreSQL for the test suites that need both.

``migrated(backend, folder, suffix)`` builds the schema with the Alembic migrations on a
SQLite file in ``folder`` or on a PostgreSQL database of its own: from
``LEVEATTEST_TEST_POSTGRES_URL`` with ``_<suffix>`` appended to its database name, or
``leveattest_<suffix>_test_<pid>`` on 127.0.0.1:5432, dropped afterwards. PostgreSQL
unreachable → the test is skipped, unless ``LEVEATTEST_REQUIRE_POSTGRES=1`` (CI).
``emptied(engine)`` empties every table (and procrastinate's) before a test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

import leveattest.jobs.models
import leveattest.review.models
import leveattest.sessions.blob_store
import leveattest.sessions.models  # noqa: F401  (every table is on Base.metadata)
from leveattest.sessions.db import Base, make_engine, upgrade

BACKENDS = ["sqlite", "postgresql"]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PROCRASTINATE_TABLES = ("jobs", "periodic_defers", "workers")


def postgres_url(suffix: str) -> str:
    configured = os.environ.get("LEVEATTEST_TEST_POSTGRES_URL")
    if configured:
        url = make_url(configured)
        return url.set(database=f"{url.database}_{suffix}").render_as_string(False)
    return f"{PG_SERVER}/leveattest_{suffix}_test_{os.getpid()}"


def _admin_execute(url_text: str, *statements: str) -> None:
    admin = make_engine(make_url(url_text).set(database="postgres").render_as_string(False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


@contextmanager
def migrated(backend: str, folder: Path, suffix: str) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'leveattest.db'}")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    url = postgres_url(suffix)
    drop = f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'
    try:
        _admin_execute(url, drop, f'CREATE DATABASE "{make_url(url).database}"')
    except OperationalError as exc:
        message = f"PostgreSQL unreachable ({type(exc).__name__})"
        if os.environ.get("LEVEATTEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        _admin_execute(url, drop)


def emptied(engine: Engine) -> Engine:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            tables += [f"procrastinate_{name}" for name in PROCRASTINATE_TABLES]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    return engine
