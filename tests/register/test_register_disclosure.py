"""Relationship → status → batch → changes, and the disclosure rules (no enumeration)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import structlog
from register_testkit import BASE_URL, nid, person, run
from sqlalchemy import func, select

from leveattest.core.logging import configure_logging
from register.client import CertificateRecord
from register.company_client import RegisterHTTPError, verify_statement
from register.db.models import AuditEvent, DisclosureEntry, Person
from register.disclosure import verify_chain


def _certify(register_client, index: int, session_reference: str, at: datetime | None = None):
    return register_client.record_certificate(
        CertificateRecord(
            national_id=nid(index),
            full_name="Kari Nordmann",
            birth_date=date(1950, 5, 17),
            certified_at=at or datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            document_type="P",
            document_issuing_state="NOR",
            method="chip_face_liveness",
            session_reference=session_reference,
        )
    )


def _raw_status(handle, body):
    token = run(handle.client.token("register.read"))
    return run(
        handle.client._http.post(
            f"{BASE_URL}/status", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    )


def _count(state, model, *where):
    with state.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_happy_path_relationship_status_batch_changes_and_verified_signatures(
    make_company, register_client, state
):
    company = make_company()
    _certify(register_client, 0, "session-0000-a")
    receipt = run(company.client.register_relationship(person(0), "AGR-2024-001", "2026-02"))
    assert receipt == {
        "agreement_reference": "AGR-2024-001",
        "latest_payment_period": "2026-02",
        "valid_to": "2026-05-31",
    }
    status = run(company.client.status(person(0)))
    assert status["person"] == person(0)
    assert status["aud"] == company.client_id
    assert status["status"]["state"] == "certified"
    assert status["status"]["last_certificate"]["document_type"] == "P"
    assert "full_name" not in json.dumps(status)

    run(company.client.register_relationship(person(1), "AGR-2024-002", "2026-02"))
    records = run(company.client.batch([person(0), person(1), person(2), {"national_id": "123"}]))
    assert [r["result"] for r in records] == ["found", "found", "not_found", "invalid"]
    assert records[1]["status"]["state"] == "no_certificate"

    page = run(company.client.changes())
    assert [item["kind"] for item in page["items"]] == [
        "certificate"
    ]  # recorded at the instant the relationship began
    assert page["has_more"] is False
    _certify(register_client, 1, "session-0001-a")
    nxt = run(company.client.changes(since=page["next_cursor"]))
    assert [(i["kind"], i["person"]) for i in nxt["items"]] == [("certificate", person(1))]
    again = run(company.client.changes(since=nxt["next_cursor"]))
    assert again["items"] == []

    jwks = run(company.client.jwks())
    token = run(company.client.token("register.read"))
    signed = run(
        company.client._http.post(
            f"{BASE_URL}/status",
            json={"person": person(0)},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()["statement"]
    assert verify_statement(signed, jwks)["status"]["state"] == "certified"
    # 1 status + 2 batch + 1 changes + 1 changes + 1 status
    assert _count(state, DisclosureEntry) == 6
    with state.unit_of_work() as session:
        assert verify_chain(session).ok


def test_no_relationship_answers_exactly_like_an_unknown_person(
    make_company, register_client, state
):
    company = make_company()
    _certify(register_client, 0, "session-0000-a")  # known person, no relationship
    known = _raw_status(company, {"person": person(0)})
    unknown = _raw_status(company, {"person": person(5)})
    assert known.status_code == unknown.status_code == 404
    # the same answer but for the request's own id (random, in the header and the instance)
    for answer in (known, unknown):
        assert answer.json()["instance"].endswith(answer.headers["x-request-id"])

    def without_request_id(answer: Any) -> tuple[dict[str, Any], dict[str, str]]:
        body = {k: v for k, v in answer.json().items() if k != "instance"}
        headers = {k: v for k, v in answer.headers.items() if k != "x-request-id"}
        return body, headers

    assert without_request_id(known) == without_request_id(unknown)
    assert known.json()["code"] == "register_not_found"
    audits = _count(state, AuditEvent, AuditEvent.action == "company:status:refused")
    assert audits == 2
    assert _count(state, DisclosureEntry) == 0


def test_another_companys_relationship_discloses_nothing(make_company, register_client):
    payer, other = make_company("payer"), make_company("other")
    _certify(register_client, 0, "session-0000-a")
    run(payer.client.register_relationship(person(0), "AGR-1", "2026-02"))
    assert run(payer.client.status(person(0)))["status"]["state"] == "certified"
    assert _raw_status(other, {"person": person(0)}).status_code == 404
    assert run(other.client.batch([person(0)]))[0]["result"] == "not_found"
    assert run(other.client.changes())["items"] == []


def test_relationship_expires_three_months_after_the_last_payment_unless_renewed(
    make_company, register_client, clock
):
    company = make_company()
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    assert run(company.client.status(person(0)))["relationship"]["valid_to"] == "2026-05-31"
    clock.set(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    assert _raw_status(company, {"person": person(0)}).status_code == 404
    run(company.client.register_relationship(person(0), "AGR-1", "2026-05"))
    assert run(company.client.status(person(0)))["relationship"]["valid_to"] == "2026-08-31"


@pytest.mark.parametrize(
    ("period", "code"),
    [
        ("2026-07", "register_payment_statement_stale"),
        ("2025-01", "register_payment_statement_stale"),
        ("2026-13", "register_payment_statement_invalid"),
    ],
)
def test_stale_future_or_malformed_payment_periods_are_refused(make_company, period, code):
    company = make_company()
    with pytest.raises(RegisterHTTPError) as caught:
        run(company.client.register_relationship(person(0), "AGR-1", period))
    assert caught.value.context["problem"] == code


def test_payment_statement_signed_by_an_unregistered_key_is_refused(make_company, state):
    company, other = make_company("payer"), make_company("other")
    statement = other.client.payment_statement(person(0), "AGR-1", "2026-02")
    token = run(company.client.token("register.relationships"))
    response = run(
        company.client._http.post(
            f"{BASE_URL}/relationships",
            json={"statement": statement},
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    assert response.status_code == 422
    assert response.json()["code"] == "register_payment_statement_invalid"
    assert _count(state, AuditEvent, AuditEvent.action == "company:relationship:refused") == 1


@pytest.mark.parametrize(
    "body",
    [
        {"person": {"national_id": nid(0)[:-1] + str((int(nid(0)[-1]) + 1) % 10)}},
        {"person": {"national_id": "' OR 1=1 --"}},
        {"person": {"foreign_id": "X'; DROP TABLE persons;--", "issuing_state": "SWE"}},
        {"person": {"foreign_id": "AB123", "issuing_state": "NOR"}},
        {"person": {"national_id": nid(0), "foreign_id": "AB123"}},
        {"person": "01010012345"},
    ],
)
def test_malformed_and_injection_shaped_ids_get_a_problem_and_an_audit_entry(
    make_company, state, body
):
    company = make_company()
    response = _raw_status(company, body)
    assert response.status_code == 422
    assert response.json()["code"] == "register_person_id_invalid"
    assert _count(state, AuditEvent, AuditEvent.code == "register_person_id_invalid") == 1
    assert _count(state, Person) == 0  # the table is still there and untouched


def test_oversized_batch_is_refused_before_any_lookup(make_company, state):
    state.settings.max_batch = 3
    company = make_company()
    with pytest.raises(RegisterHTTPError) as caught:
        run(company.client.batch([person(i) for i in range(4)]))
    assert caught.value.context == {"status": 413, "problem": "register_batch_too_large"}
    assert _count(state, AuditEvent, AuditEvent.action == "company:batch:refused") == 1


def test_tampered_foreign_or_garbage_cursors_are_refused(make_company, register_client):
    company, other = make_company("payer"), make_company("other")
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    cursor = run(company.client.changes())["next_cursor"]
    prefix, body, mac = cursor.split(".")
    forged_body = body[:-1] + ("A" if body[-1] != "A" else "B")
    for bad in [f"{prefix}.{forged_body}.{mac}", cursor + "x", "' OR 1=1 --", "v1..", "%00"]:
        with pytest.raises(RegisterHTTPError) as caught:
            run(company.client.changes(since=bad))
        assert caught.value.context["problem"] == "register_cursor_invalid", bad
    with pytest.raises(RegisterHTTPError) as caught:
        run(other.client.changes(since=cursor))  # cursors are bound to their company
    assert caught.value.context["problem"] == "register_cursor_invalid"


def test_changes_feed_pages_in_stable_order(make_company, register_client):
    company = make_company()
    for index in range(5):
        run(company.client.register_relationship(person(index), f"AGR-{index}", "2026-02"))
    for index in range(5):
        _certify(register_client, index, f"session-{index:04d}-a")
    seen, cursor = [], None
    while True:
        page = run(company.client.changes(since=cursor, limit=2))
        seen.extend(item["event_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(seen) == 5
    assert seen == sorted(seen)


def test_batch_of_thousands_streams_ndjson_with_a_signed_manifest(make_company, register_client):
    company = make_company()
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    persons = [person(0)] + [
        {"national_id": nid(i % 200, date(1940, 1, 1 + i % 28))} for i in range(3_000)
    ]
    records = run(company.client.batch(persons))
    assert len(records) == len(persons)
    assert records[0]["result"] == "found"
    assert {r["result"] for r in records[1:]} == {"not_found"}


def test_certificate_requested_by_a_company_shows_as_outstanding(make_company, clock):
    company = make_company()
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    receipt = run(company.client.request_certificate(person(0)))
    assert receipt["deadline"] == (clock.today() + timedelta(days=60)).isoformat()
    status = run(company.client.status(person(0)))["status"]
    assert status["outstanding_request"]["deadline"] == receipt["deadline"]
    with pytest.raises(RegisterHTTPError) as caught:
        run(company.client.request_certificate(person(1)))  # no relationship
    assert caught.value.context["status"] == 404


def test_logs_of_a_refusing_and_disclosing_run_hold_no_identifiers(
    make_company, register_client, capsys
):
    stream = io.StringIO()
    previous = structlog.get_config()
    configure_logging("DEBUG", json_logs=True, stream=stream)
    try:
        _refuse_and_disclose(make_company, register_client)
    finally:
        structlog.configure(**previous)
    output = stream.getvalue() + capsys.readouterr().out
    assert "register.refused" in output
    for secret in (nid(0), nid(1), "12345678901", "Kari", "1950-05-17"):
        assert secret not in output


def _refuse_and_disclose(make_company, register_client):
    company = make_company()
    _certify(register_client, 0, "session-0000-a")
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    run(company.client.status(person(0)))
    assert _raw_status(company, {"person": person(1)}).status_code == 404
    assert _raw_status(company, {"person": {"national_id": "12345678901"}}).status_code == 422
