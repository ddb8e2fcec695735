"""The register's part of the composition root (no biometric stack imported here).

Every function takes the whole settings tree: the register reads its section
(``settings.register``), the shared ``rate_limits`` and ``metrics`` sections, and is
governed by the one production switch (``LEVEATTEST_ENVIRONMENT``).
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leveattest.core.clock import Clock
from leveattest.core.settings import Settings, load_settings
from register.api import create_register_app
from register.client import InProcessRegisterClient
from register.db.engine import make_engine, make_session_factory
from register.db.migrate import upgrade
from register.keys import RegisterKeys


def register_engine(settings: Settings) -> Engine:
    """An engine on the register's database (the caller disposes of it)."""
    register = settings.register
    return make_engine(
        register.database_url,
        connect_timeout_seconds=register.database_connect_timeout_seconds,
    )


def register_sessions(settings: Settings) -> sessionmaker[Session]:
    """A session factory on a new engine on the register's database."""
    return make_session_factory(register_engine(settings))


def migrate_register(settings: Settings) -> None:
    """Bring the register's schema to its latest revision."""
    engine = register_engine(settings)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def register_client(
    settings: Settings, clock: Clock, sessions: sessionmaker[Session] | None = None
) -> InProcessRegisterClient:
    """The service's client of the register, in process, over the register's database
    (``sessions``, or a new engine's)."""
    return InProcessRegisterClient(
        sessions or register_sessions(settings), clock, settings.register
    )


def register_signing_keys(settings: Settings) -> RegisterKeys:
    """The register's signing keys: created on first use in development; in production
    the file must exist already (``SigningKeysMissingError``, naming the command that
    makes it), so that no API host ever signs with keys of its own."""
    return RegisterKeys.from_settings(settings.register)


def register_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    keys: RegisterKeys | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The register API (``/register/v1``) from the settings tree."""
    return create_register_app(
        settings.register,
        clock,
        keys=keys,
        engine=engine,
        rate_limits=settings.rate_limits,
        metrics=settings.metrics,
    )


def register_app_from_environment() -> FastAPI:
    """The register API from the environment: the factory each HTTP process calls under
    ``uvicorn --workers N --factory`` (the signing keys file must exist already)."""
    return register_app(load_settings())
