"""Run one bounded context's Alembic migrations programmatically (tests, CLI, start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine


@dataclass(frozen=True)
class Migrations:
    """The migrations in ``directory`` (its env.py names the context's version table)."""

    directory: Path

    def config(self, url: str | None = None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.directory))
        if url is not None:
            config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return config

    def upgrade(self, engine: Engine, revision: str = "head") -> None:
        """Bring the schema on ``engine`` to ``revision`` (one transaction)."""
        config = self.config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def downgrade(self, engine: Engine, revision: str = "base") -> None:
        config = self.config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
