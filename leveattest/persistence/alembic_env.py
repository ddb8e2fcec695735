"""The body of an Alembic ``env.py``, shared by leveattest's and the register's schemas.

Both run online only, on the connection handed over by ``Migrations`` (or on an engine of
their own from ``sqlalchemy.url``), each with its own version table, batch mode on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, MetaData

NameFilter = Callable[[str | None, str, Any], bool]


def run_online(
    metadata: MetaData,
    version_table: str,
    make_engine: Callable[[str], Engine],
    *,
    include_name: NameFilter | None = None,
) -> None:
    """Run the migrations of ``metadata`` (call from ``env.py``)."""
    if context.is_offline_mode():
        raise SystemExit("offline migrations are not supported")

    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()

    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            run(conn)
    finally:
        engine.dispose()
