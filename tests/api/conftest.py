"""API fixtures: every database test runs on SQLite and on PostgreSQL.

leveattest's schema is built by its Alembic migrations once per backend; each test starts
from empty tables. PostgreSQL comes from ``LEVEATTEST_TEST_POSTGRES_URL`` (its database
name gets ``_api`` appended) or is a database of our own per process
(``leveattest_api_test_<pid>``, dropped afterwards); unreachable → skipped, unless
``LEVEATTEST_REQUIRE_POSTGRES=1``. The register (reached only through its client) runs on
its own SQLite file per test. The app is built by the composition root
(``leveattest.app.bootstrap``) from one settings tree, as ``leveattest serve`` builds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import NOW, Harness, StubPipeline, SyncClient
from leveattest_databases import BACKENDS, emptied, migrated
from sqlalchemy import Engine

from leveattest.app import bootstrap
from leveattest.app.register_root import register_client as in_process_register_client
from leveattest.app.register_root import register_engine
from leveattest.core.clock import FixedClock
from leveattest.core.settings import RegisterSettings, SessionSettings, Settings
from register.client import InProcessRegisterClient
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated(request.param, tmp_path_factory.mktemp("api"), "api") as engine:
        yield engine


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return emptied(migrated_engine)


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
def settings(tmp_path: Path, register_settings: RegisterSettings) -> Settings:
    return Settings(
        data={"var_dir": tmp_path / "var"},  # type: ignore[arg-type]
        register=register_settings,
    )


@pytest.fixture
def session_settings() -> SessionSettings:
    return SessionSettings(allow_known_person_start=True)


@pytest.fixture
def register_client(
    register_settings: RegisterSettings, clock: FixedClock
) -> Iterator[InProcessRegisterClient]:
    # built from the register section alone: a test may override ``settings`` without one
    tree = Settings(register=register_settings)
    engine = register_engine(tree)
    upgrade_register(engine)
    client = in_process_register_client(tree, clock, make_register_sessions(engine))
    client.engine = engine  # type: ignore[attr-defined]  # for the test helpers below
    yield client
    engine.dispose()


@pytest.fixture
def harness(
    engine: Engine,
    settings: Settings,
    session_settings: SessionSettings,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
) -> Iterator[Harness]:
    app = bootstrap.api_app(
        settings.model_copy(update={"sessions": session_settings}),
        clock,
        register_client=register_client,
        engine=engine,
    )
    client = SyncClient(app)
    try:
        yield Harness(client, app.state.sessions, clock, register_client, StubPipeline())
    finally:
        client.close()
