"""The performance paths (cached token checks, one-query status, bulk disclosure appends)
answer exactly as the plain ones: same refusals, same hashes, a chain that verifies."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from register_testkit import certify, nid, person, refused_problems, run
from sqlalchemy import func, select, update

from register.changes import item_json, page_payload
from register.db.models import AuditEvent, Company, DisclosureEntry
from register.disclosure import (
    BULK_FROM,
    Disclosure,
    _content,
    _content_bytes,
    append_disclosures,
    subject_key,
    verify_chain,
)
from register.keys import canonical_json


def test_deactivated_company_is_refused_at_once_although_its_token_is_cached(
    make_company, register_client, state
):
    company = make_company()
    certify(register_client, 0, "session-hot-0")
    run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    assert run(company.client.status(person(0)))["status"]["state"] == "certified"
    with state.unit_of_work() as session:
        session.execute(update(Company).values(active=False))

    assert refused_problems(company.client, person(0)) == ["register_invalid_token"] * 3
    with state.unit_of_work() as session:
        codes = session.scalars(select(AuditEvent.detail)).all()
    assert sum("client_inactive" in (detail or "") for detail in codes) == 3


def test_cached_token_still_expires(make_company, register_client, state, clock):
    company = make_company()
    certify(register_client, 0, "session-hot-0")
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


@pytest.mark.parametrize(
    "who",
    [{"national_id": "01010150019"}, {"foreign_id": "X<1", "issuing_state": "D<<"}],
)
def test_changes_item_hash_input_is_the_canonical_item(who):
    status = {"state": "certified", "last_certificate": None, "outstanding_request": None}
    item = {
        "event_id": 9,
        "kind": "certificate",
        "at": "2026-03-01T09:30:00+00:00",
        "person": who,
        "status": status,
    }
    assert item_json(9, "certificate", item["at"], who, status) == canonical_json(item)


def test_spliced_changes_page_is_the_canonical_page():
    items = [
        {
            "event_id": n,
            "kind": "certificate",
            "at": "2026-03-01T09:30:00+00:00",
            "person": {"national_id": f"0101015001{n}"},
            "status": {"state": "no_certificate"},
        }
        for n in range(3)
    ]
    head = {
        "iss": 'odd "items":[] iss',
        "aud": "pension-a",
        "iat": 1,
        "as_of": "x",
        "has_more": False,
        "next_cursor": "v1.a.b",
    }
    spliced = page_payload(head, [canonical_json(item) for item in items])
    assert spliced == canonical_json({**head, "items": items})
    assert page_payload(head, []) == canonical_json({**head, "items": []})


def test_bulk_append_keeps_the_chain_verifiable_and_every_person_findable(state):
    refs = [f"no:{nid(i)}" for i in range(BULK_FROM + 5)]
    secret = state.settings.secret.get_secret_value()
    with state.unit_of_work() as session:
        append_disclosures(
            session, state.clock, [Disclosure("pension-a", "status", refs[0], "0")], secret
        )
        append_disclosures(
            session,
            state.clock,
            [
                Disclosure("pension-a", "batch", ref, hashlib.sha256(ref.encode()).hexdigest(), 1)
                for ref in refs
            ],
            secret,
        )
    with state.unit_of_work() as session:
        assert verify_chain(session).ok
        assert session.scalar(select(func.count()).select_from(DisclosureEntry)) == len(refs) + 1
        found = session.scalars(
            select(DisclosureEntry.action).where(
                DisclosureEntry.subject_key == subject_key(secret, refs[3])
            )
        ).all()
        stored = session.execute(select(DisclosureEntry)).scalars().all()
    assert found == ["batch"]  # one entry per person, found by the keyed lookup
    # no plain identifier anywhere in the log (the commitment and the key are hashes)
    assert not any(ref.split(":")[1] in str(vars(entry)) for entry in stored for ref in refs[:5])


def test_reads_on_postgresql_run_without_jit_compilation(engine):
    """A batch chunk's plan costs enough to trigger LLVM JIT, which took longer than the
    read itself at 1 M persons (bench/results/register_explain_1m.md): reads turn it off."""
    if engine.dialect.name != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    from register.db.engine import make_read_engine  # noqa: PLC0415

    with make_read_engine(engine).connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
