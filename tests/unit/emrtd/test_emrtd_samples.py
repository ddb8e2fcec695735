"""The synthetic sample set (``leveattest samples generate``) verifies as documented.

Persons are accepted with a server challenge signed by their AA key; each negative fails
for its one chip reason (negatives about the document rather than the chip, such as an
expired document, are outside ``verify_chip``). A cloned chip is *inconclusive*, not
rejected: issue 3's policy lets the user retry clone detection.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from emrtd_builder import sign_ecdsa, sign_iso9796_2

from leveattest.core.checks import Verdict
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import CHECK_NAMES, ChipResult, ChipVerification, verify_chip

pytestmark = pytest.mark.slow
CHALLENGE = bytes.fromhex("a1b2c3d4e5f60718")


@pytest.fixture(scope="module")
def samples(generated_samples: Path) -> Path:
    """The session's generated sample set (tests/samples_fixture.py), read only."""
    return generated_samples


def _verify(folder: Path, store: FileTrustStore, at: datetime) -> ChipVerification:
    chip = folder / "chip"
    groups = {int(p.stem.removeprefix("DG")): p.read_bytes() for p in chip.glob("DG*.bin")}
    key = load_pem_private_key((folder / "aa_key.pem").read_bytes(), None)
    if isinstance(key, rsa.RSAPrivateKey):
        signature = sign_iso9796_2(key, CHALLENGE)
    else:
        signature = sign_ecdsa(key, CHALLENGE, plain=True)  # type: ignore[arg-type]
    sod = (chip / "EF_SOD.bin").read_bytes()
    return verify_chip(sod, groups, store, at=at, aa_challenge=CHALLENGE, aa_signature=signature)


def test_samples_verify_as_documented(samples: Path):
    pki = samples / "pki"
    store = FileTrustStore([pki / "trust", pki / "crl", pki / "link"])
    persons = sorted((samples / "persons").iterdir())
    assert persons
    for person in persons:
        reference = json.loads((person / "person.json").read_text())
        at = datetime(2026, 1, 1, 12, tzinfo=UTC)
        result = _verify(person, store, at)
        assert result.result is ChipResult.ACCEPTED, (reference["person_id"], result.to_json_dict())
    for negative in sorted((samples / "negatives").iterdir()):
        expected = json.loads((negative / "expected.json").read_text())
        at = datetime.fromisoformat(expected["evaluate_at"]).replace(hour=12, tzinfo=UTC)
        result = _verify(negative, store, at)
        if expected["failed_check"] not in CHECK_NAMES:
            continue  # a document-level negative (e.g. expired document): not a chip fact
        failed = [(c.check, c.reason.value) for c in result.checks if c.verdict is Verdict.FAILED]
        assert failed == [(expected["failed_check"], expected["reason"])], negative.name
        wanted = (
            ChipResult.INCONCLUSIVE
            if expected["failed_check"] == "active_auth"
            else (ChipResult.REJECTED)
        )
        assert result.result is wanted, negative.name
