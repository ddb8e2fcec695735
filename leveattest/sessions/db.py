"""Declarative base, engines and migrations for leveattest's own tables.

SQLite is the embedded default (WAL, foreign keys, ``BEGIN IMMEDIATE`` so that a
read-then-write such as claiming a job cannot interleave between processes);
PostgreSQL is the production store (row locks, ``FOR UPDATE SKIP LOCKED``). The schema
is built by the Alembic migrations in ``leveattest/migrations`` (version table
``leveattest_alembic_version``).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from leveattest.persistence import (
    NAMING_CONVENTION,
    Migrations,
    UTCDateTime,
    make_engine,
    make_session_factory,
)

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "Base",
    "UTCDateTime",
    "alembic_config",
    "downgrade",
    "make_engine",
    "make_session_factory",
    "upgrade",
]

VERSION_TABLE = "leveattest_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATIONS = Migrations(MIGRATIONS_DIR)

alembic_config = MIGRATIONS.config
upgrade = MIGRATIONS.upgrade
downgrade = MIGRATIONS.downgrade


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
