"""Review console fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by the Alembic migrations once per backend; each test starts from
empty tables. PostgreSQL comes from ``LEVEATTEST_TEST_POSTGRES_URL`` (its database name
gets ``_review`` appended) or is a database of our own per process
(``leveattest_review_test_<pid>``, dropped afterwards); unreachable → skipped, unless
``LEVEATTEST_REQUIRE_POSTGRES=1``. The register runs on its own SQLite file per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_helpers import NOW, Console
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import OperationalError

import leveattest.jobs.models
import leveattest.review.models  # noqa: F401  (their tables are emptied too)
from leveattest.api.app import build_context
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.review.app import create_review_app
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.db import Base, make_engine, upgrade
from leveattest.sessions.settings import SessionSettings
from register.client import InProcessRegisterClient
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.settings import RegisterSettings

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/leveattest_review_test"


def _postgres_url() -> str:
    configured = os.environ.get("LEVEATTEST_TEST_POSTGRES_URL")
    if configured:
        url = make_url(configured)
        return url.set(database=f"{url.database}_review").render_as_string(False)
    return f"{PG_DEFAULT}_{os.getpid()}"


def _admin_execute(url_text: str, *statements: str) -> None:
    admin = make_engine(make_url(url_text).set(database="postgres").render_as_string(False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def review_migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    own_database = None
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('review') / 'leveattest.db'}")
    else:
        url = _postgres_url()
        name = make_url(url).database
        try:
            _admin_execute(
                url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
            )
        except OperationalError as exc:
            message = f"PostgreSQL unreachable ({type(exc).__name__})"
            if os.environ.get("LEVEATTEST_REQUIRE_POSTGRES") == "1":
                pytest.fail(message)
            pytest.skip(message)
        own_database = url
        engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    if own_database:
        _admin_execute(
            own_database,
            f'DROP DATABASE IF EXISTS "{make_url(own_database).database}" WITH (FORCE)',
        )


@pytest.fixture
def engine(review_migrated_engine: Engine) -> Engine:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with review_migrated_engine.begin() as conn:
        if review_migrated_engine.dialect.name == "postgresql":
            tables += [f"procrastinate_{name}" for name in ("jobs", "periodic_defers", "workers")]
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    return review_migrated_engine


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
