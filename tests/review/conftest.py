"""Review console fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by the Alembic migrations once per backend; each test starts from
empty tables. PostgreSQL comes from ``LEVEATTEST_TEST_POSTGRES_URL`` (its database name
gets ``_review`` appended) or is a database of our own per process
(``leveattest_review_test_<pid>``, dropped afterwards); unreachable → skipped, unless
``LEVEATTEST_REQUIRE_POSTGRES=1``. The register runs on its own SQLite file per test. The
context and the console are built by the composition root from one settings tree.
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
from leveattest.app import bootstrap
from leveattest.app.register_root import register_client as in_process_register_client
from leveattest.app.register_root import register_engine
from leveattest.core.clock import FixedClock
from leveattest.core.settings import ReviewSettings, Settings
from leveattest.review.app import create_review_app
from register.client import InProcessRegisterClient
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register


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
def review_settings() -> ReviewSettings:
    return ReviewSettings(cookie_secure=False, max_failed_sign_ins=3)


@pytest.fixture
def settings(tmp_path: Path, review_settings: ReviewSettings) -> Settings:
    return Settings(
        data={"var_dir": tmp_path / "var"},  # type: ignore[arg-type]
        review=review_settings,
        register={
            "database_url": f"sqlite:///{tmp_path / 'register.db'}",
            "signing_keys_path": tmp_path / "keys.json",
            "accept_synthetic_ids": True,
        },
    )


@pytest.fixture
def register_client(settings: Settings, clock: FixedClock) -> Iterator[InProcessRegisterClient]:
    engine = register_engine(settings)
    upgrade_register(engine)
    client = in_process_register_client(settings, clock, make_register_sessions(engine))
    client.engine = engine  # type: ignore[attr-defined]
    yield client
    engine.dispose()


@pytest.fixture
def console(
    engine: Engine,
    settings: Settings,
    clock: FixedClock,
    register_client: InProcessRegisterClient,
) -> Iterator[Console]:
    ctx = bootstrap.service_context(settings, clock, engine=engine, register_client=register_client)
    app = create_review_app(ctx, settings.review)
    with Console(app, ctx, clock, register_client, settings.review) as console:
        yield console
