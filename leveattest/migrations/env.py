"""Alembic environment for leveattest's own tables (version table leveattest_alembic_version)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import leveattest.jobs.models
import leveattest.review.models
import leveattest.sessions.models  # noqa: F401  (register the tables on Base.metadata)
from leveattest.sessions.db import VERSION_TABLE, Base, make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # procrastinate's tables (migration 0002) are not modelled here
        include_name=lambda name, kind, _parent: (
            not (kind == "table" and (name or "").startswith("procrastinate_"))
        ),
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
    raise SystemExit("offline migrations are not supported")
run_migrations_online()
