"""The disclosure chain under load and across a lost connection: verification never
cries wolf while disclosures are written, the group commit's writer comes back after its
database connection dies (answering 503 meanwhile), and ``leveattest register verify-log``
tells an auditor the verdict."""

from __future__ import annotations

import threading

import pytest
from register_testkit import nid
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.persistence.outage import unavailable_error
from register.disclosure import Disclosure, verify_chain
from register.errors import DisclosureLogUnavailableError
from register.state import RegisterState


def _disclose(state: RegisterState, count: int) -> list[int]:
    return state.disclosures.append(
        [Disclosure("pension-a", "status", f"no:{nid(n % 20)}", "0", 1) for n in range(count)]
    )


def test_verification_never_reports_tampering_while_disclosures_are_written(
    state: RegisterState, engine: Engine
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the verification with the writers (BEGIN IMMEDIATE)")
    _disclose(state, 10)
    writing, failures, runs = threading.Event(), [], []
    writing.set()

    def writer() -> None:
        while writing.is_set():
            _disclose(state, 3)

    def verifier() -> None:
        for _ in range(25):
            with state.sessions() as session, session.begin():
                result = verify_chain(session)  # READ COMMITTED: the hard case
            runs.append(result.entries)
            if not result.ok:
                failures.append(result)

    writers = [threading.Thread(target=writer) for _ in range(4)]
    for thread in writers:
        thread.start()
    try:
        verifiers = [threading.Thread(target=verifier) for _ in range(2)]
        for thread in verifiers:
            thread.start()
        for thread in verifiers:
            thread.join()
    finally:
        writing.clear()
        for thread in writers:
            thread.join()
    assert failures == []
    assert runs[-1] > runs[0]  # the writers did write while it verified
    with state.sessions() as session, session.begin():
        assert verify_chain(session).ok


def test_the_disclosure_writer_answers_503_when_its_connection_dies_then_recovers(
    state: RegisterState, engine: Engine
):
    if engine.dialect.name != "postgresql":
        pytest.skip("a kept server connection to kill is PostgreSQL's")
    assert _disclose(state, 2) == [1, 2]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    with pytest.raises(DisclosureLogUnavailableError) as failed:
        _disclose(state, 1)
    outage = unavailable_error(failed.value)
    assert outage is not None
    assert outage.code == "service_unavailable"
    assert _disclose(state, 1) == [3]  # a fresh connection; nothing half-written
    with state.sessions() as session, session.begin():
        result = verify_chain(session)
    assert result.ok
    assert result.entries == 3


def _verify_log(monkeypatch: pytest.MonkeyPatch, engine: Engine):
    _register_commands()
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("LEVEATTEST_REGISTER__DATABASE_URL", url)
    return CliRunner().invoke(app, ["register", "verify-log"])


def test_verify_log_exits_0_with_the_entry_count(state, engine, monkeypatch):
    _disclose(state, 4)
    result = _verify_log(monkeypatch, engine)
    assert result.exit_code == 0, result.output
    assert "chain verified: 4 entries" in result.output


def test_verify_log_exits_1_with_the_reason_and_the_seq_of_a_tampered_entry(
    state, engine, monkeypatch
):
    _disclose(state, 4)
    with engine.begin() as conn:
        conn.execute(text("UPDATE disclosure_log SET action = 'batch' WHERE seq = 3"))
    result = _verify_log(monkeypatch, engine)
    assert result.exit_code == 1
    assert "entry_hash_mismatch at seq 3" in result.output
