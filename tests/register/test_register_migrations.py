"""The migrations build the schema the models describe (no drift), on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from register.db.base import Base
from register.db.engine import make_engine
from register.db.migrate import VERSION_TABLE, downgrade, upgrade
from register.db.models import Head


def test_models_and_migrations_do_not_drift(engine: Engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_use_their_own_version_table_and_seed_the_heads(engine: Engine):
    tables = set(inspect(engine).get_table_names())
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables
    with engine.connect() as conn:
        names = set(conn.scalars(select(Head.name)))
    assert names == {"change_events", "disclosure_log"}


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        upgrade(engine)
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
        upgrade(engine)
        assert "persons" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
