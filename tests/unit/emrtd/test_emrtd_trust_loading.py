"""Loading a trust store folder: bad files are listed as errors, the good ones still load."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import crl as a_crl
from emrtd_builder import Pki, build_master_list

from leveattest.core.errors import TrustStoreError
from leveattest.emrtd import trust as trust_module
from leveattest.emrtd.tlv import encode_length
from leveattest.emrtd.trust import FileTrustStore

AT = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _errors(store: FileTrustStore) -> dict[str, str]:
    return {Path(e["file"]).name: e["code"] for e in store.summary(AT, 30)["errors"]}


def test_a_trust_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="does not exist"):
        FileTrustStore([tmp_path / "missing"])


def test_bad_files_are_listed_and_the_good_anchor_still_loads(pki: Pki, tmp_path: Path) -> None:
    pki.write_store(tmp_path)
    (tmp_path / "garbage.der").write_bytes(b"\x30\x03\x02\x01")
    (tmp_path / "broken.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\nnot base64 !!!\n-----END CERTIFICATE-----\n"
    )
    (tmp_path / "notes.txt").write_text("not a trust file")
    store = FileTrustStore([tmp_path])
    assert store.anchor_count == 1
    assert set(_errors(store)) == {"garbage.der", "broken.pem"}


def test_a_trust_file_over_the_size_limit_is_listed_not_read(pki: Pki, tmp_path: Path) -> None:
    pki.write_store(tmp_path)
    (tmp_path / "huge.crl").write_bytes(bytes(5000))
    store = FileTrustStore([tmp_path], max_file_bytes=4000)
    assert store.anchor_count == 1
    assert _errors(store) == {"huge.crl": "trust_store_unavailable"}


def test_a_crl_over_the_crl_limit_is_listed_not_parsed(
    pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_module, "MAX_CRL_BYTES", 100)
    pki.write_store(tmp_path, crl=pki.crl())
    store = FileTrustStore([tmp_path])
    assert store.anchor_count == 1
    assert _errors(store) == {"csca.crl": "trust_store_unavailable"}


def test_a_master_list_that_cannot_be_read_is_listed(pki: Pki, tmp_path: Path) -> None:
    pki.write_store(tmp_path)
    (tmp_path / "list.ml").write_bytes(b"\x30\x03\x02\x01\x01")
    store = FileTrustStore([tmp_path])
    assert store.anchor_count == 1
    assert set(_errors(store)) == {"list.ml"}
    assert store.summary(AT, 30)["master_lists"] == []


def test_the_trusted_certificates_and_the_crl_summary_are_reported(
    pki: Pki, tmp_path: Path
) -> None:
    store = FileTrustStore([pki.write_store(tmp_path, crl=pki.crl())])
    (anchor,) = store.trusted_certificates()
    assert anchor.source["kind"]
    (crl,) = store.summary(AT, 30)["crls"]
    assert crl["file"].endswith("csca.crl")


def test_a_csca_without_a_key_identifier_is_an_anchor(tmp_path: Path) -> None:
    pki = Pki(csca_cn="No SKI CSCA", csca_ski=False)
    (anchor,) = FileTrustStore([pki.write_store(tmp_path)]).trusted_certificates()
    assert anchor.ski is None


def test_the_certificates_of_an_unverified_master_list_are_not_trusted(
    pki: Pki, tmp_path: Path
) -> None:
    pki.write_store(tmp_path)
    other = Pki(kind="ec", csca_cn="Listed CSCA")
    listing = build_master_list(other, [other.csca], mutation="no_signer_certificate")
    (tmp_path / "list.ml").write_bytes(listing)
    store = FileTrustStore([tmp_path])
    assert store.anchor_count == 1
    (summary,) = store.summary(AT, 30)["master_lists"]
    assert summary["verified"] is False


def test_a_crl_is_verified_by_the_csca_whose_key_signed_it_among_same_named_ones(
    tmp_path: Path,
) -> None:
    genuine = Pki(kind="ec", csca_cn="CRL CSCA")
    # same name, no key identifier to tell them apart: an RSA key (the EC signature cannot
    # be checked with it) and another EC curve (the signature does not verify)
    rsa_twin = Pki(kind="rsa", csca_cn="CRL CSCA", csca_ski=False)
    curve_twin = Pki(kind="brainpool", csca_cn="CRL CSCA", csca_ski=False)
    (tmp_path / "a_rsa.pem").write_bytes(rsa_twin.csca_pem())
    (tmp_path / "b_curve.pem").write_bytes(curve_twin.csca_pem())
    genuine.write_store(tmp_path, crl=genuine.crl())
    store = FileTrustStore([tmp_path])
    assert store.anchor_count == 3
    (crl,) = store.summary(AT, 30)["crls"]
    (anchor,) = [a for a in store.trusted_certificates() if a.ski is not None]
    assert crl["verified_by"] == anchor.fingerprint


def test_a_crl_whose_signature_cannot_be_read_is_listed_as_malformed(
    pki: Pki, tmp_path: Path
) -> None:
    der = bytearray(pki.crl())
    signature = bytes(a_crl.CertificateList.load(bytes(der))["signature"].native)
    header = b"\x03" + encode_length(len(signature) + 1) + b"\x00"
    at = der.rfind(header)
    der[at + len(header) - 1] = 9  # "nine unused bits": no BIT STRING has that
    pki.write_store(tmp_path, crl=bytes(der))
    (crl,) = FileTrustStore([tmp_path]).summary(AT, 30)["crls"]
    assert crl["problems"] == ["malformed"]
    assert crl["verified_by"] is None
