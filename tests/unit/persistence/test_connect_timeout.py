"""A PostgreSQL server that accepts connections and never answers: engines from
``make_engine`` give up after their ``connect_timeout`` with an outage (503
``service_unavailable``) instead of waiting minutes; the timeout rides in the URL, so the
register's read engine and procrastinate's conninfo carry it too. Real sockets on
127.0.0.1, no server needed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import psycopg.errors
import pytest
from silent_server import SilentServer, silent_server, timed_failure
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from leveattest.api.app import job_queue_for
from leveattest.core.clock import SystemClock
from leveattest.core.settings import DEFAULT_CONNECT_TIMEOUT_SECONDS, SessionSettings
from leveattest.jobs.procrastinate_engine import ProcrastinateJobQueue, conninfo
from leveattest.persistence import make_engine, with_network_timeouts
from leveattest.persistence.outage import DatabaseFault, database_fault, unavailable_error
from register.db.engine import make_read_engine

TIMEOUT = 2  # libpq's smallest
# it waited for the timeout (not refused at once), and not for psycopg's default (130 s)
# nor the setting's default (10 s); wide at the top for a loaded two-core machine
SOONEST, LATEST = 1.5, 8.0


@pytest.fixture
def server() -> Iterator[SilentServer]:
    with silent_server() as made:
        yield made


def _assert_outage_in_time(error: BaseException, elapsed: float, server: SilentServer) -> None:
    assert server.accepted, "the client never reached the silent server"
    assert SOONEST <= elapsed < LATEST, f"gave up after {elapsed:.1f} s"
    assert database_fault(error) is DatabaseFault.OUTAGE, repr(error)
    unavailable = unavailable_error(error)
    assert unavailable is not None
    assert unavailable.code == "service_unavailable"


def test_an_engine_gives_up_on_a_silent_server_after_its_connect_timeout(server):
    engine = make_engine(server.url(), connect_timeout_seconds=TIMEOUT)
    try:
        error, elapsed = timed_failure(lambda: engine.connect().close())
    finally:
        engine.dispose()
    assert isinstance(error, OperationalError)
    assert isinstance(error.orig, psycopg.errors.ConnectionTimeout)
    _assert_outage_in_time(error, elapsed, server)


def test_the_register_read_engine_inherits_the_connect_timeout(server):
    engine = make_engine(server.url(), connect_timeout_seconds=TIMEOUT)
    reader = make_read_engine(engine)
    try:
        assert reader.url.query["connect_timeout"] == str(TIMEOUT)
        error, elapsed = timed_failure(lambda: reader.connect().close())
    finally:
        engine.dispose()
    assert isinstance(error, OperationalError)
    _assert_outage_in_time(error, elapsed, server)


def test_procrastinate_connects_with_the_engines_connect_timeout(server):
    engine = make_engine(server.url(), connect_timeout_seconds=TIMEOUT)
    try:
        queue = job_queue_for(engine, SessionSettings(job_engine="procrastinate"), SystemClock())
    finally:
        engine.dispose()
    assert isinstance(queue, ProcrastinateJobQueue)
    info = queue.engine.conninfo
    assert make_url(info).query["connect_timeout"] == str(TIMEOUT)

    async def connect() -> None:
        # what psycopg_pool and procrastinate's LISTEN connection do with the conninfo
        connection = await psycopg.AsyncConnection.connect(info)
        await connection.close()

    error, elapsed = timed_failure(lambda: asyncio.run(connect()))
    assert isinstance(error, psycopg.errors.ConnectionTimeout)
    _assert_outage_in_time(error, elapsed, server)


def test_a_postgres_url_gets_the_default_connect_timeout():
    url = "postgresql+psycopg://u:p@db.example:5432/leveattest"
    engine = make_engine(url)
    try:
        assert engine.url.query["connect_timeout"] == str(DEFAULT_CONNECT_TIMEOUT_SECONDS)
    finally:
        engine.dispose()
    assert make_url(conninfo(url)).query["connect_timeout"] == str(DEFAULT_CONNECT_TIMEOUT_SECONDS)


def test_a_connect_timeout_written_in_the_url_is_kept():
    url = "postgresql+psycopg://u:p@db.example/leveattest?connect_timeout=7"
    engine = make_engine(url, connect_timeout_seconds=3)
    try:
        assert engine.url.query["connect_timeout"] == "7"
    finally:
        engine.dispose()


def test_an_open_connection_gets_keepalives_and_a_dead_connection_timeout():
    url = with_network_timeouts("postgresql+psycopg://u@db/x", 10)
    assert {name: url.query[name] for name in url.query if name != "connect_timeout"} == {
        "tcp_user_timeout": "30000",  # milliseconds: 3 connect timeouts
        "keepalives": "1",
        "keepalives_idle": "10",
        "keepalives_interval": "3",
        "keepalives_count": "3",
    }
    assert make_url(conninfo(str(url))).query["tcp_user_timeout"] == "30000"
    # a value written in the URL wins, the others are still added
    kept = with_network_timeouts("postgresql+psycopg://u@db/x?tcp_user_timeout=5000", 2)
    assert kept.query["tcp_user_timeout"] == "5000"
    assert kept.query["keepalives_interval"] == "1"
    every = "connect_timeout=3&tcp_user_timeout=1&keepalives=0&keepalives_idle=1"
    every += "&keepalives_interval=1&keepalives_count=1"
    written = make_url(f"postgresql+psycopg://u@db/x?{every}")
    assert with_network_timeouts(written, 9) == written


def test_sqlite_urls_are_left_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert with_network_timeouts(url, 5) == make_url(url)
    engine = make_engine(url, connect_timeout_seconds=5)
    try:
        assert "connect_timeout" not in engine.url.query
    finally:
        engine.dispose()


@pytest.mark.parametrize("seconds", [-1, 0, 1])
def test_a_timeout_libpq_would_not_honour_is_refused(seconds):
    # libpq reads 0 (and less) as "no timeout" and 1 as 2
    with pytest.raises(ValueError, match="at least 2"):
        with_network_timeouts("postgresql+psycopg://u@db/x", seconds)
