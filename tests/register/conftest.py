"""Register fixtures: every DB test runs on SQLite and on PostgreSQL.

The schema is built by the Alembic migrations once per backend and session; each test
starts from empty tables (truncation, heads re-seeded). PostgreSQL comes from
``LEVEATTEST_TEST_POSTGRES_URL`` (default: a database of our own per process,
``leveattest_register_test_<pid>``, dropped at the end); when it is unreachable the
PostgreSQL half is skipped, unless ``LEVEATTEST_REQUIRE_POSTGRES=1`` (CI), which makes it fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey
from sqlalchemy import Engine, insert, make_url, text
from sqlalchemy.exc import OperationalError

from leveattest.core.clock import FixedClock
from register.api import create_register_app
from register.client import InProcessRegisterClient
from register.companies import add_company_key, register_company
from register.company_client import CompanyClient, generate_company_key
from register.db.base import Base
from register.db.engine import make_engine, make_session_factory
from register.db.migrate import upgrade
from register.db.models import Head
from register.heads import HEAD_ROWS
from register.keys import RegisterKeys
from register.settings import ALL_SCOPES, RegisterSettings
from register.state import RegisterState

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/leveattest_register_test"
from register_testkit import BASE_URL, NOW, nid, person, run  # noqa: F401, E402


def _postgres_url() -> tuple[str, bool]:
    """The configured URL, or a database of our own for this process (dropped afterwards),
    so concurrent test runs on one server do not truncate each other's tables."""
    configured = os.environ.get("LEVEATTEST_TEST_POSTGRES_URL")
    if configured:
        return configured, False
    return f"{PG_DEFAULT}_{os.getpid()}", True


def _admin(url: str) -> Engine:
    return make_engine(make_url(url).set(database="postgres").render_as_string(False))


def _postgres_engine(url_text: str) -> Engine:
    url = make_url(url_text)
    admin = _admin(url_text)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


def _drop_database(url_text: str) -> None:
    admin = _admin(url_text)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = make_url(url_text).database
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    own_database = None
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("register") / "register.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        url, own = _postgres_url()
        try:
            engine = _postgres_engine(url)
            own_database = url if own else None
        except OperationalError as exc:
            message = (
                f"PostgreSQL unreachable ({type(exc).__name__}); set LEVEATTEST_TEST_POSTGRES_URL"
            )
            if os.environ.get("LEVEATTEST_REQUIRE_POSTGRES") == "1":
                pytest.fail(message)
            pytest.skip(message)
    upgrade(engine)
    yield engine
    engine.dispose()
    if own_database:
        _drop_database(own_database)


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        conn.execute(
            insert(Head),
            [{"name": n, "last_id": i, "last_hash": h} for n, i, h in HEAD_ROWS],
        )


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    _empty_tables(migrated_engine)
    return migrated_engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path) -> RegisterSettings:
    return RegisterSettings(
        base_url=BASE_URL,
        signing_keys_path=tmp_path / "keys.json",
        accept_synthetic_ids=True,
    )


@pytest.fixture(scope="session")
def keys() -> RegisterKeys:
    return RegisterKeys.generate()


@pytest.fixture
def state(engine: Engine, settings: RegisterSettings, clock: FixedClock, keys: RegisterKeys):
    return RegisterState(settings, clock, keys, make_session_factory(engine))


@pytest.fixture
def app(engine: Engine, settings: RegisterSettings, clock: FixedClock, keys: RegisterKeys):
    return create_register_app(settings, clock, keys=keys, engine=engine)


@pytest.fixture
def register_client(state: RegisterState) -> InProcessRegisterClient:
    return InProcessRegisterClient(state.sessions, state.clock, state.settings, state.keys)


@dataclass
class CompanyHandle:
    client_id: str
    company_id: int
    key: ECKey
    client: CompanyClient


@pytest.fixture
def make_company(state: RegisterState, app: Any) -> Iterator[Callable[..., CompanyHandle]]:
    created: list[CompanyClient] = []

    def factory(
        client_id: str = "pension-a", scopes: tuple[str, ...] = ALL_SCOPES
    ) -> CompanyHandle:
        key = generate_company_key(f"{client_id}-k1")
        with state.unit_of_work() as session:
            company = register_company(
                session, state.clock, client_id=client_id, name=f"{client_id} AS", scopes=scopes
            )
            add_company_key(session, state.clock, company, key.as_dict(private=False))
            company_id = company.id
        client = CompanyClient(
            BASE_URL, client_id, key, transport=httpx.ASGITransport(app=app), clock=state.clock
        )
        created.append(client)
        return CompanyHandle(client_id, company_id, key, client)

    yield factory
    for client in created:
        run(client.aclose())
