"""A database server that stops answering mid-connection (issue 15, several machines).

The server runs on a host of its own (a network namespace); the test is its client on
the machine, through a real engine made by ``make_engine``. Then the server's cable is
pulled: its packets are dropped and nobody is told — no reset, no FIN, as when a switch,
a firewall or a cloud network fails. A connection that was already open must then fail
as a database outage within its timeouts (``tcp_user_timeout`` for a request sent and not
acknowledged, keepalives for a connection waiting for an answer), not hang for the
kernel's ~15 minutes of retransmissions holding its request thread; once the cable is
back, the same engine works again without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faultkit import PrivatePostgres
from netns import Host, Network
from sqlalchemy import Connection, Engine, text

from leveattest.persistence import make_engine
from leveattest.persistence.outage import DatabaseFault, database_fault

pytestmark = pytest.mark.slow
TIMEOUT = 2  # the connect timeout; an open connection is dead after 3 × it unacknowledged
# far more than the timeouts allow, far less than the kernel's retransmissions (~15 min)
GIVE_UP = 60.0


@pytest.fixture
def engine(net: Network, pg_bindir: Path) -> Iterator[tuple[Engine, Network]]:
    host = net.add_host("db")
    server = PrivatePostgres(
        pg_bindir, netns=host.name, address=host.address, trusted_subnet=f"{net.subnet}.0/24"
    )
    try:
        server.start()
        made = make_engine(server.url(), connect_timeout_seconds=TIMEOUT)
        try:
            yield made, net
        finally:
            made.dispose()
    finally:
        net.mend(host)
        server.destroy()


def _fails_in_time(work: Callable[[], object], connection: Connection) -> BaseException:
    """Run ``work`` on ``connection`` in a thread; the exception it ends with, or a test
    failure if it is still waiting after ``GIVE_UP`` seconds (the connection is then closed
    under it, so that the test ends)."""
    ended: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            ended.append(exc)
        else:
            ended.append(AssertionError("the query answered on a cut network"))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GIVE_UP)
    if thread.is_alive():
        connection.invalidate()
        pytest.fail(f"still waiting for the database after {GIVE_UP:.0f} s")
    return ended[0]


def _is_outage(error: BaseException) -> None:
    assert not isinstance(error, AssertionError), error
    assert database_fault(error) is DatabaseFault.OUTAGE, repr(error)


def _answers_again(made: Engine) -> None:
    """Once the cable is back the same engine answers (the pool drops the dead connection
    and opens a new one); the link takes a moment to carry packets again."""
    started = time.monotonic()
    while True:
        try:
            with made.connect() as connection:
                assert connection.execute(text("SELECT 42")).scalar_one() == 42
        except Exception as exc:  # noqa: BLE001 - retried until the link is up
            refused: Exception | None = exc
        else:
            refused = None
        waited = time.monotonic() - started
        if refused is None:
            print(f"answering again {waited:.1f} s after the cable was back")
            return
        assert database_fault(refused) is DatabaseFault.OUTAGE, repr(refused)
        assert waited < GIVE_UP, "no answer after the cable was back"
        time.sleep(0.5)


def _host(net: Network) -> Host:  # the one host of the fixture
    return net.hosts["db"]


def test_a_request_sent_on_a_cut_network_fails_as_an_outage(engine):
    made, net = engine
    with made.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        net.cut(_host(net))
        started = time.monotonic()
        error = _fails_in_time(
            lambda: connection.execute(text("SELECT 2")).scalar_one(), connection
        )
        waited = time.monotonic() - started
    _is_outage(error)
    print(f"a request on a cut network failed after {waited:.1f} s")  # for the log
    net.mend(_host(net))
    _answers_again(made)


def test_a_connection_waiting_for_its_answer_notices_the_server_is_gone(engine):
    made, net = engine

    def long_query(connection: Connection) -> object:
        return connection.execute(text("SELECT pg_sleep(600)")).scalar_one()

    with made.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        cutter = threading.Timer(1.0, net.cut, args=(_host(net),))
        cutter.start()  # the query is sent and acknowledged; then the server goes silent
        try:
            error = _fails_in_time(lambda: long_query(connection), connection)
        finally:
            cutter.cancel()
    _is_outage(error)
    net.mend(_host(net))
    _answers_again(made)
