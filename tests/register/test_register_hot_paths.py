"""The performance paths (cached token checks, one-query status, bulk disclosure appends)
answer exactly as the plain ones: same refusals, same hashes, a chain that verifies."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from register_testkit import nid, person, run
from sqlalchemy import func, select, update

from register.client import CertificateRecord
from register.company_client import RegisterHTTPError
from register.db.models import AuditEvent, Company, DisclosureEntry
from register.disclosure import (
    _BULK_FROM,
    Disclosure,
    _content,
    _content_bytes,
    append_disclosures,
    verify_chain,
)
from register.keys import canonical_json
from register.queries import _item_json


def _certify(register_client, index: int) -> None:
    register_client.record_certificate(
        CertificateRecord(
            national_id=nid(index),
            full_name="Kari Nordmann",
            birth_date=date(1950, 5, 17),
            certified_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            document_type="P",
            document_issuing_state="NOR",
            method="chip_face_liveness",
            session_reference=f"session-hot-{index}",
        )
    )


def test_deactivated_company_is_refused_at_once_although_its_token_is_cached(
    make_company, register_client, state
):
    company = make_company()
    _certify(register_client, 0)
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    assert run(company.client.status(person(0)))["status"]["state"] == "certified"
    with state.unit_of_work() as session:
        session.execute(update(Company).values(active=False))

    for call in (
        lambda: company.client.status(person(0)),
        lambda: company.client.batch([person(0)]),
        company.client.changes,
    ):
        with pytest.raises(RegisterHTTPError) as refused:
            run(call())
        assert refused.value.context["problem"] == "register_invalid_token"
    with state.unit_of_work() as session:
        codes = session.scalars(select(AuditEvent.detail)).all()
    assert sum("client_inactive" in (detail or "") for detail in codes) == 3


def test_cached_token_still_expires(make_company, register_client, state, clock):
    company = make_company()
    _certify(register_client, 0)
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    token = run(company.client.token("register.read"))
    run(company.client.status(person(0)))  # the token is now in the cache
    clock.advance(timedelta(seconds=state.settings.access_token_ttl_seconds + 1))
    response = run(
        company.client._http.post(
            f"{company.client.base_url}/status",
            json={"person": person(0)},
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    assert response.status_code == 401
    assert response.json()["code"] == "register_invalid_token"


@pytest.mark.parametrize(
    ("client_id", "relationship_id", "action"),
    [
        ("pension-a", 7, "status"),
        ('odd "client" \\ æøå', None, "changes"),
        ("x", 0, "batch"),
    ],
)
def test_fast_disclosure_content_is_byte_identical_to_canonical_json(
    client_id, relationship_id, action
):
    created_at = datetime(2026, 3, 16, 10, 0, 0, 123456, tzinfo=UTC)
    fields = {
        "created_at": created_at,
        "client_id": client_id,
        "relationship_id": relationship_id,
        "action": action,
        "statement_sha256": "ab" * 32,
        "commitment": "cd" * 32,
    }
    reference = canonical_json(_content(42, **fields))
    fast = _content_bytes(42, **{**fields, "created_at": created_at.isoformat()})
    assert fast == reference


def test_changes_item_hash_input_is_the_canonical_item():
    status = {"state": "certified", "last_certificate": None, "outstanding_request": None}
    item = {
        "event_id": 9,
        "kind": "certificate",
        "at": "2026-03-01T09:30:00+00:00",
        "person": {"foreign_id": "X<1", "issuing_state": "D<<"},
        "status": status,
    }
    assert _item_json(item, canonical_json(status).decode()) == canonical_json(item)


def test_bulk_append_keeps_the_chain_verifiable_and_every_person_findable(state):
    refs = [f"no:{nid(i)}" for i in range(_BULK_FROM + 5)]
    with state.unit_of_work() as session:
        append_disclosures(session, state.clock, [Disclosure("pension-a", "status", refs[0], "0")])
        append_disclosures(
            session,
            state.clock,
            [
                Disclosure("pension-a", "batch", ref, hashlib.sha256(ref.encode()).hexdigest(), 1)
                for ref in refs
            ],
        )
    with state.unit_of_work() as session:
        assert verify_chain(session).ok
        assert session.scalar(select(func.count()).select_from(DisclosureEntry)) == len(refs) + 1
        found = session.scalars(
            select(DisclosureEntry.action).where(DisclosureEntry.subject_ref == refs[3])
        ).all()
    assert found == ["batch"]  # one entry per person, found by the person's reference
