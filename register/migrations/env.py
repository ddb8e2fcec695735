"""Alembic environment for the register's own schema (version table register_alembic_version)."""

from __future__ import annotations

import register.db.models  # noqa: F401  (registers the tables on Base.metadata)
from leveattest.persistence.alembic_env import run_online
from register.db.base import Base
from register.db.engine import make_engine
from register.db.migrate import VERSION_TABLE

run_online(Base.metadata, VERSION_TABLE, make_engine)
