"""Real and sample SODs re-encoded as BER keep their whole passive-authentication verdict.

The shared ICAO/BSI/ETSI vectors (../shared/data/emrtd, read in place) and the project's
synthetic sample chips are DER; issuing states also write the same SignedData with
indefinite lengths and a constructed eContent (ICAO 9303-10 §4.6.2, RFC 5652). Each
re-encoding is a mutation that must not change any check's verdict, reason or evidence.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ber_reencode import CMS_LAYERS, sod_as_ber
from test_emrtd_ber import verdicts

from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipVerification, verify_chip

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
# (vector folder, trust paths under emrtd/)
VECTORS = {
    "bsi2013": ("trust/csca", "trust/masterlists", "trust/crl", "trust/link"),
    "loes2006": ("trust/csca", "trust/masterlists", "trust/crl", "trust/link"),
    "etsi": ("etsi/CSCA_test_de.der",),
    "slovenia": ("slovenia/csca_si_448831f1.cer",),
}
ENCODINGS = {
    "every_layer_indefinite": {},
    "every_layer_indefinite_econtent_in_segments": {"segment": 13},
    "definite_lengths_econtent_in_indefinite_segments": {"layers": (), "segment": 100},
    "wrapper_and_signed_data_only": {"layers": ("ef_sod_wrapper", "signed_data")},
}


def _groups(folder: Path, prefix: str) -> dict[int, bytes]:
    return {int(p.stem.removeprefix(prefix)): p.read_bytes() for p in folder.glob(f"{prefix}*.bin")}


@pytest.fixture(scope="module")
def stores(shared_data: Path) -> dict[str, FileTrustStore]:
    emrtd = shared_data / "emrtd"
    return {name: FileTrustStore([emrtd / p for p in paths]) for name, paths in VECTORS.items()}


def _slovenia_aa(folder: Path) -> dict[str, bytes]:
    entry = next(iter(json.loads((folder / "aa_signatures.json").read_text()).values()))
    return {
        "aa_challenge": bytes.fromhex(entry["challenge"])[:8],
        "aa_signature": bytes.fromhex(entry["csigs"][0]),
    }


@pytest.mark.shared_data
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("vector", sorted(VECTORS))
def test_shared_vector_reencoded_as_ber_keeps_its_verdict(vector, encoding, shared_data, stores):
    folder = shared_data / "emrtd" / vector
    sod = (folder / "EF_SOD.bin").read_bytes()
    groups = _groups(folder, "Datagroup")
    aa = _slovenia_aa(folder) if vector == "slovenia" else {}
    ber = sod_as_ber(sod, **ENCODINGS[encoding])  # type: ignore[arg-type]
    assert ber != sod

    def run(data: bytes) -> ChipVerification:
        return verify_chip(data, groups, stores[vector], at=NOW, **aa)

    original, reencoded = run(sod), run(ber)
    assert original.check("sod_parse").verdict.value == "passed"
    assert verdicts(reencoded) == verdicts(original)
    if encoding.startswith("every_layer"):
        encoding_seen = reencoded.check("sod_parse").evidence.asn1_encoding
        assert encoding_seen["indefinite_lengths"] >= len(CMS_LAYERS)


@pytest.mark.slow
def test_sample_chips_reencoded_as_ber_keep_their_verdicts(generated_samples: Path):
    pki = generated_samples / "pki"
    store = FileTrustStore([pki / "trust", pki / "crl", pki / "link"])
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    folders = sorted((generated_samples / "persons").iterdir())
    folders += sorted((generated_samples / "negatives").iterdir())
    assert len(folders) > 12
    for folder in folders:
        chip = folder / "chip"
        sod = (chip / "EF_SOD.bin").read_bytes()
        groups = _groups(chip, "DG")
        original = verify_chip(sod, groups, store, at=at)
        reencoded = verify_chip(sod_as_ber(sod, segment=29), groups, store, at=at)
        assert verdicts(reencoded) == verdicts(original), folder.name
