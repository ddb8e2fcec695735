"""Database plumbing shared by every bounded context (sessions, jobs, the register).

Generic only: column types, engine set-up for SQLite and PostgreSQL, and running a
context's own Alembic migrations. Each context keeps its own schema, models,
migrations and version table.
"""

from leveattest.persistence.migrations import Migrations
from leveattest.persistence.sql import (
    NAMING_CONVENTION,
    SNAPSHOT_READ,
    UTCDateTime,
    make_engine,
    make_session_factory,
    with_network_timeouts,
)

__all__ = [
    "NAMING_CONVENTION",
    "SNAPSHOT_READ",
    "Migrations",
    "UTCDateTime",
    "make_engine",
    "make_session_factory",
    "with_network_timeouts",
]
