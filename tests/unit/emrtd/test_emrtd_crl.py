"""CRLs in the trust store (ICAO 9303-12 §7.1.4): loading PEM or DER, and whose key signed them."""

from __future__ import annotations

import pytest
from asn1crypto import algos, crl, pem
from emrtd_builder import Pki

from leveattest.core.errors import ChipStructureError
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.crl import load_crl, verify_crl


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def test_pem_armoured_crl_loads_as_its_der(pki: Pki) -> None:
    der = pki.crl(revoked=(7, 9))
    from_pem = load_crl(pem.armor("X509 CRL", der), file="a.pem")
    from_der = load_crl(der, file="a.crl")
    assert from_pem.revoked == from_der.revoked
    assert set(from_pem.revoked) == {7, 9}
    assert from_pem.issuer == from_der.issuer


def test_crl_with_broken_pem_armour_is_malformed() -> None:
    broken = b"-----BEGIN X509 CRL-----\nnot base64 !!!\n-----END X509 CRL-----\n"
    with pytest.raises(ChipStructureError, match="malformed PEM"):
        load_crl(broken, file="broken.pem")


def test_crl_is_verified_by_its_csca_and_recorded(pki: Pki) -> None:
    record = load_crl(pki.crl(), file="a.crl")
    csca = load_certificate(pki.csca_pem())
    assert verify_crl(record, [csca]) is csca
    assert record.verified_by == csca.fingerprint
    assert record.problems == []


def test_a_csca_of_the_same_name_but_another_key_does_not_verify_a_crl(pki: Pki) -> None:
    record = load_crl(pki.crl(), file="a.crl")
    namesake = load_certificate(Pki(kind="ec").csca_pem())
    assert namesake.subject == load_certificate(pki.csca_pem()).subject
    assert verify_crl(record, [namesake]) is None
    assert record.problems == ["no_csca_verifies_signature"]
    assert record.verified_by is None


def test_crl_signed_with_an_unknown_algorithm_is_not_verified(pki: Pki) -> None:
    parsed = crl.CertificateList.load(pki.crl())
    parsed["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "1.2.3.4.5"})
    record = load_crl(parsed.dump(force=True), file="odd.crl")
    assert verify_crl(record, [load_certificate(pki.csca_pem())]) is None
    assert record.problems == ["unsupported_signature_algorithm"]


def test_a_csca_of_another_name_is_not_asked_to_verify_a_crl(pki: Pki) -> None:
    record = load_crl(pki.crl(), file="a.crl")
    assert verify_crl(record, [load_certificate(Pki(csca_cn="Other CSCA").csca_pem())]) is None
    assert record.problems == ["no_csca_verifies_signature"]


def test_a_certificate_given_as_a_crl_is_malformed(pki: Pki) -> None:
    with pytest.raises(ChipStructureError, match="malformed CRL"):
        load_crl(load_certificate(pki.csca_pem()).der, file="csca.crl")
