"""Run the register's Alembic migrations programmatically (tests, CLI, app start-up)."""

from __future__ import annotations

from pathlib import Path

from leveattest.persistence import Migrations

VERSION_TABLE = "register_alembic_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATIONS = Migrations(MIGRATIONS_DIR)

alembic_config = MIGRATIONS.config
upgrade = MIGRATIONS.upgrade
downgrade = MIGRATIONS.downgrade
