"""Group commit of disclosures and the read path: every disclosure is durable before its
answer leaves, concurrent requests share transactions without forking the chain, a
failed log write discloses nothing, and a dead pooled read connection is retried once."""

from __future__ import annotations

import json
import threading

import pytest
from register_testkit import certify, nid, person, refused_problems, run
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from register.db.models import DisclosureEntry
from register.disclosure import Disclosure, verify_chain
from register.errors import DisclosureLogUnavailableError
from register.queries import batch_line


def test_concurrent_appends_share_transactions_and_keep_one_unbroken_chain(state):
    threads, per_thread = 12, 5
    seqs: list[list[int]] = []
    start = threading.Barrier(threads)

    def request(index: int) -> None:
        start.wait()
        for n in range(per_thread):
            ref = f"no:{nid(n)}"
            seqs.append(state.disclosures.append([Disclosure("pension-a", "status", ref, "0", 1)]))

    workers = [threading.Thread(target=request, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    flat = sorted(seq for group in seqs for seq in group)
    assert flat == list(range(1, threads * per_thread + 1))  # each once, no gaps
    assert state.disclosures.groups <= threads * per_thread
    with state.unit_of_work() as session:
        assert verify_chain(session).ok
        assert session.scalar(select(func.count()).select_from(DisclosureEntry)) == len(flat)


def test_a_failed_log_write_discloses_nothing(make_company, register_client, app, state):
    company = make_company()
    certify(register_client, 0, "session-group-0")
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    writer = app.state.register.disclosures

    def broken(entries: list[Disclosure]) -> list[int]:
        raise RuntimeError("database went away")

    writer._append = broken  # type: ignore[method-assign]
    unavailable = "register_disclosure_log_unavailable"
    assert refused_problems(company.client, person(0)) == [unavailable] * 3
    with state.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(DisclosureEntry)) == 0


def test_the_leader_reports_the_failure_to_itself_too(state):
    def broken(entries: list[Disclosure]) -> list[int]:
        raise RuntimeError("disk full")

    state.disclosures._append = broken
    with pytest.raises(DisclosureLogUnavailableError):
        state.disclosures.append([Disclosure("pension-a", "status", "no:1", "0")])


def test_a_dead_pooled_read_connection_is_retried_once(state):
    calls: list[int] = []

    def work(connection: object) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError(
                "SELECT 1", None, OSError("server closed"), connection_invalidated=True
            )
        return "read"

    assert state.run_read(work) == "read"
    assert len(calls) == 2


def test_other_read_errors_are_not_retried(state):
    calls: list[int] = []

    def work(connection: object) -> str:
        calls.append(1)
        raise DBAPIError("SELECT 1", None, ValueError("syntax"))

    with pytest.raises(DBAPIError):
        state.run_read(work)
    assert len(calls) == 1


@pytest.mark.parametrize("reference", ["AGR-1", 'odd "ref" \\ æøå'])
def test_batch_line_is_the_json_of_the_record(reference):
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    record = {
        "index": 7,
        "result": "found",
        "person": {"national_id": "01010150019"},
        "status": {"state": "no_certificate", "last_certificate": None},
        "relationship": {"agreement_reference": reference, "valid_to": "2026-05-31"},
    }
    line = batch_line(
        7, dumps(record["person"]), dumps(record["status"]), dumps(record["relationship"])
    )
    assert line == dumps(record).encode() + b"\n"
