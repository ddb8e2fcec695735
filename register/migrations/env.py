"""Alembic environment for the register's own schema (version table register_alembic_version)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import register.db.models  # noqa: F401  (registers the tables on Base.metadata)
from register.db.base import Base
from register.db.engine import make_engine
from register.db.migrate import VERSION_TABLE

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported for the register")
run_migrations_online()
