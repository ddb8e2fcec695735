"""A person's own access report: which companies asked about them and when, with a proof
that the entries are in the hash-chained disclosure log (a Merkle audit path each and a
signed tree head), and that changing anything in it makes the proof fail."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from register_testkit import nid, person, run
from sqlalchemy import select, update
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from register.client import verify_access_proof
from register.db.models import AuditEvent, DisclosureEntry
from register.identity import norwegian_id
from register.keys import RegisterKeys
from register.merkle import (
    MerkleTree,
    inclusion_path,
    leaf_hash,
    node_hash,
    tree_root,
    verify_inclusion,
)
from register.persons import find_person
from register.requests import create_request, open_invitation
from register.settings import COMPANY_SCOPES
from register.subject_access import mask_identifier

BIRTH = date(1950, 5, 17)


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: split at the largest power of two below n."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(n)]


@given(st.integers(min_value=1, max_value=70))
def test_merkle_root_is_the_rfc_9162_tree_and_every_leaf_proves_in(n):
    leaves = _leaves(n)
    root = tree_root(leaves)
    assert root == _reference_root(leaves)
    tree = MerkleTree(leaves)  # one tree, every path (what a report does)
    for index in range(n):
        path = inclusion_path(index, leaves)
        assert tree.path(index) == path
        assert verify_inclusion(index, n, leaves[index], path, root)
        assert not verify_inclusion(index, n, leaves[(index + 1) % n], path, root) or n == 1
        if path:
            bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
            assert not verify_inclusion(index, n, leaves[index], bent, root)
    assert not verify_inclusion(n, n, leaves[0], [], root)


def _letter(state, index: int) -> str:
    with state.unit_of_work() as session:
        found = find_person(session, norwegian_id(nid(index), accept_synthetic=True))
        assert found is not None
        create_request(session, state.clock, state.settings, found, schedule="yearly")
        invitation = open_invitation(session, found.id, state.clock.today())
        assert invitation is not None
        return invitation.reference


@pytest.fixture
def disclosed(make_company, register_client, state):
    """Person 0 asked about by two companies (three times), person 1 by one; a letter to 0."""
    first, second = make_company("pension-a"), make_company("pension-b")
    for company in (first, second):
        run(company.client.register_relationship(person(0), "AGR-1", "2026-02"))
    run(first.client.register_relationship(person(1), "AGR-2", "2026-02"))
    run(first.client.status(person(0)))
    run(first.client.status(person(1)))
    run(second.client.status(person(0)))
    run(first.client.batch([person(1), person(0)]))
    return _letter(state, 0)


def test_the_report_lists_who_asked_when_and_the_proof_verifies(
    disclosed, register_client, state, keys
):
    report = register_client.access_report(disclosed, BIRTH)
    assert report is not None
    assert [(d["company"], d["action"]) for d in report["disclosures"]] == [
        ("pension-a AS", "status"),
        ("pension-b AS", "status"),
        ("pension-a AS", "batch"),
    ]
    assert report["person"] == {"national_id": nid(0)[:6] + "*****"}
    assert nid(0) not in json.dumps(report)  # the full number is never in the report
    result = verify_access_proof(report, keys.jwks())
    assert result.ok, result
    assert (result.entries, result.tree_size) == (3, 5)
    with state.unit_of_work() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "person:subject_access:reported" in actions


def test_without_the_birth_date_there_is_no_report(disclosed, register_client, state):
    assert register_client.access_report(disclosed, date(1950, 5, 18)) is None
    assert register_client.access_report("A" * 24, BIRTH) is None
    with state.unit_of_work() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person:subject_access:refused")
        ).all()
    assert len(refused) == 2


def _tampered(report, change):
    copied = copy.deepcopy(report)
    change(copied)
    return copied


def _flip(hex_value: str) -> str:
    return hex_value[:-1] + ("0" if hex_value[-1] != "0" else "1")


TAMPERING = {
    "entry_hash_mismatch": lambda r: r["disclosures"][0]["entry"].update(
        created_at="2026-03-01T00:00:00+00:00"
    ),
    "entry_hash_mismatch ": lambda r: r["disclosures"][1]["entry"].update(client_id="pension-a"),
    "not_in_tree": lambda r: r["disclosures"][2]["inclusion_path"].__setitem__(
        0, _flip(r["disclosures"][2]["inclusion_path"][0])
    ),
    "not_in_tree ": lambda r: r["disclosures"][0]["inclusion_path"].pop(),
    "summary_differs": lambda r: r["disclosures"][0].update(at="2020-01-01T00:00:00+00:00"),
    "signature_invalid": lambda r: r["proof"].update(
        tree_head=r["proof"]["tree_head"][:-4] + "AAAA"
    ),
    "chain_head_not_in_tree": lambda r: r["proof"]["chain_head_path"].pop(),
    "malformed": lambda r: r["disclosures"][0]["entry"].pop("prev_hash"),
}


@pytest.mark.parametrize("reason", sorted(TAMPERING))
def test_any_change_breaks_the_proof(disclosed, register_client, keys, reason):
    report = register_client.access_report(disclosed, BIRTH)
    result = verify_access_proof(_tampered(report, TAMPERING[reason]), keys.jwks())
    assert (result.ok, result.reason) == (False, reason.strip())


def test_a_tree_head_signed_by_another_key_or_with_another_root_does_not_verify(
    disclosed, register_client, keys
):
    report = register_client.access_report(disclosed, BIRTH)
    other = RegisterKeys.generate()
    assert verify_access_proof(report, other.jwks()).reason == "signature_invalid"
    # a forger with a key of their own re-signs a head over a different root
    payload = json.loads(
        base64.urlsafe_b64decode(report["proof"]["tree_head"].split(".")[1] + "==")
    )
    payload["root_hash"] = _flip(payload["root_hash"])
    forged = _tampered(report, lambda r: None)
    forged["proof"]["tree_head"] = other.sign_json(payload, typ="disclosure-head+jws")
    assert verify_access_proof(forged, keys.jwks()).reason == "signature_invalid"
    assert verify_access_proof(forged, other.jwks()).reason == "chain_head_not_in_tree"
    # a statement of another kind is not a tree head
    wrong_typ = _tampered(report, lambda r: None)
    wrong_typ["proof"]["tree_head"] = keys.sign_json(payload, typ="status+jws")
    assert verify_access_proof(wrong_typ, keys.jwks()).reason == "signature_invalid"


def test_a_log_changed_in_the_database_gets_no_signed_proof(disclosed, register_client, state):
    with state.unit_of_work() as session:
        session.execute(
            update(DisclosureEntry).where(DisclosureEntry.seq == 5).values(entry_hash="0" * 64)
        )
    with pytest.raises(Exception) as raised:
        register_client.access_report(disclosed, BIRTH)
    assert getattr(raised.value, "code", None) == "register_disclosure_log_unavailable"


def test_the_http_endpoint_needs_its_own_scope(disclosed, make_company, app, keys):
    service = make_company("pensioner-pages")
    body = {"reference": disclosed, "birth_date": BIRTH.isoformat()}

    async def call(client, payload):
        token = await client.token("register.subject_access")
        return await client._http.post(
            client.base_url + "/subject-access",
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
        )

    answer = run(call(service.client, body))
    assert answer.status_code == 200
    assert verify_access_proof(answer.json(), keys.jwks()).ok
    wrong = run(call(service.client, body | {"birth_date": "1950-05-18"}))
    assert (wrong.status_code, wrong.json()["code"]) == (404, "register_not_found")
    bad = run(call(service.client, {"reference": "x", "birth_date": "soon"}))
    assert bad.status_code == 422
    company = make_company("pension-c", scopes=COMPANY_SCOPES)
    refused = run(company.client.request_token("register.subject_access"))
    assert refused.status_code in (400, 401, 403)


def test_identifiers_are_masked():
    assert mask_identifier(norwegian_id(nid(0), accept_synthetic=True)) == {
        "national_id": nid(0)[:6] + "*****"
    }


def test_the_cli_verifies_a_saved_report_and_refuses_a_changed_one(
    disclosed, register_client, keys, tmp_path: Path
):
    report = register_client.access_report(disclosed, BIRTH)
    good, bad, jwks = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "jwks.json"
    good.write_text(json.dumps(report))
    bad.write_text(json.dumps(_tampered(report, TAMPERING["not_in_tree"])))
    jwks.write_text(json.dumps(keys.jwks()))
    _register_commands()
    runner = CliRunner()
    ok = runner.invoke(app, ["register", "verify-proof", str(good), "--jwks", str(jwks)])
    assert ok.exit_code == 0, ok.output
    assert "proof verified: 3 disclosures in a log of 5 entries" in ok.output
    broken = runner.invoke(app, ["register", "verify-proof", str(bad), "--jwks", str(jwks)])
    assert broken.exit_code == 1
    assert "proof broken: not_in_tree" in broken.output
    missing = runner.invoke(app, ["register", "verify-proof", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
