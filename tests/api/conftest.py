"""API fixtures: every database test runs on SQLite and on PostgreSQL.

leveattest's schema is built by its Alembic migrations once per backend; each test starts
from empty tables. PostgreSQL comes from ``LEVEATTEST_TEST_POSTGRES_URL`` (its database
name gets ``_api`` appended) or is a database of our own per process
(``leveattest_api_test_<pid>``, dropped afterwards); unreachable → skipped, unless
``LEVEATTEST_REQUIRE_POSTGRES=1``. The register (reached only through its client) runs on
its own SQLite file per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import NOW, Harness, StubPipeline, SyncClient
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

from leveattest.api.app import create_app
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.jobs.models import Job  # noqa: F401  (its table is emptied too)
from leveattest.sessions.db import Base, make_engine, upgrade
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.settings import RegisterSettings

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/leveattest_api_test"


def _postgres_url() -> tuple[str, bool]:
    configured = os.environ.get("LEVEATTEST_TEST_POSTGRES_URL")
    if configured:
        url = make_url(configured)
        return url.set(database=f"{url.database}_api").render_as_string(False), True
    return f"{PG_DEFAULT}_{os.getpid()}", True


def _admin(url: str) -> Engine:
    return make_engine(make_url(url).set(database="postgres").render_as_string(False))


def _postgres_engine(url_text: str) -> Engine:
    url = make_url(url_text)
    admin = _admin(url_text)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    return make_engine(url.render_as_string(hide_password=False))


def _drop_database(url_text: str) -> None:
    admin = _admin(url_text)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = make_url(url_text).database
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    own_database = None
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('api') / 'leveattest.db'}")
    else:
        url, own = _postgres_url()
        try:
            engine = _postgres_engine(url)
            own_database = url if own else None
        except OperationalError as exc:
            message = f"PostgreSQL unreachable ({type(exc).__name__})"
            if os.environ.get("LEVEATTEST_REQUIRE_POSTGRES") == "1":
                pytest.fail(message)
            pytest.skip(message)
    upgrade(engine)
    yield engine
    engine.dispose()
    if own_database:
        _drop_database(own_database)


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with migrated_engine.begin() as conn:
        if migrated_engine.dialect.name == "postgresql":
            tables += [f"procrastinate_{name}" for name in ("jobs", "periodic_defers", "workers")]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    return migrated_engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def register_settings(tmp_path: Path) -> RegisterSettings:
    return RegisterSettings(
        database_url=f"sqlite:///{tmp_path / 'register.db'}",
        signing_keys_path=tmp_path / "keys.json",
        accept_synthetic_ids=True,
    )


@pytest.fixture
def register_client(
    register_settings: RegisterSettings, clock: FixedClock
) -> Iterator[InProcessRegisterClient]:
    engine = make_register_engine(register_settings.database_url)
    upgrade_register(engine)
    client = InProcessRegisterClient(make_register_sessions(engine), clock, register_settings)
    client.engine = engine  # type: ignore[attr-defined]  # for the test helpers below
    yield client
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data={"var_dir": tmp_path / "var"})  # type: ignore[arg-type]


@pytest.fixture
def session_settings() -> SessionSettings:
    return SessionSettings(allow_known_person_start=True)


@pytest.fixture
def harness(
    engine: Engine,
    settings: Settings,
    session_settings: SessionSettings,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
) -> Iterator[Harness]:
    app = create_app(
        settings,
        clock=clock,
        register_client=register_client,
        session_settings=session_settings,
        engine=engine,
    )
    client = SyncClient(app)
    try:
        yield Harness(client, app.state.sessions, clock, register_client, StubPipeline())
    finally:
        client.close()
