"""Review console fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by the Alembic migrations once per backend; each test starts from
empty tables. PostgreSQL comes from ``LEVEATTEST_TEST_POSTGRES_URL`` (its database name
gets ``_review`` appended) or is a database of our own per process
(``leveattest_review_test_<pid>``, dropped afterwards); unreachable → skipped, unless
``LEVEATTEST_REQUIRE_POSTGRES=1``. The register runs on its own SQLite file per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from leveattest_databases import BACKENDS, emptied, migrated
from review_helpers import NOW, Console
from sqlalchemy import Engine

import leveattest.jobs.models
import leveattest.review.models  # noqa: F401  (their tables are emptied too)
from leveattest.api.app import build_context
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.review.app import create_review_app
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.settings import RegisterSettings


@pytest.fixture(scope="session", params=BACKENDS)
def review_migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated(request.param, tmp_path_factory.mktemp("review"), "review") as engine:
        yield engine


@pytest.fixture
def engine(review_migrated_engine: Engine) -> Engine:
    return emptied(review_migrated_engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def register_client(tmp_path: Path, clock: FixedClock) -> Iterator[InProcessRegisterClient]:
    settings = RegisterSettings(
        database_url=f"sqlite:///{tmp_path / 'register.db'}",
        signing_keys_path=tmp_path / "keys.json",
        accept_synthetic_ids=True,
    )
    engine = make_register_engine(settings.database_url)
    upgrade_register(engine)
    client = InProcessRegisterClient(make_register_sessions(engine), clock, settings)
    client.engine = engine  # type: ignore[attr-defined]
    yield client
    engine.dispose()


@pytest.fixture
def review_settings() -> ReviewSettings:
    return ReviewSettings(cookie_secure=False, max_failed_sign_ins=3)


@pytest.fixture
def console(
    engine: Engine,
    tmp_path: Path,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
    review_settings: ReviewSettings,
) -> Iterator[Console]:
    settings = Settings(data={"var_dir": tmp_path / "var"})  # type: ignore[arg-type]
    ctx = build_context(
        settings,
        clock=clock,
        register_client=register_client,
        session_settings=SessionSettings(),
        engine=engine,
    )
    app = create_review_app(ctx, review_settings)
    with Console(app, ctx, clock, register_client, review_settings) as console:
        yield console
