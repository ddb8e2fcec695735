"""CSCA master lists built here (ICAO 9303-12 §9): verified through a CSCA in the list or an
anchor already trusted, and every way one is not (the real Dutch list is in
tests/integration/test_emrtd_vectors.py)."""

from __future__ import annotations

import pytest
from emrtd_builder import Pki, build_master_list

from leveattest.core.errors import ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.certs import CertRecord, load_certificate
from leveattest.emrtd.masterlist import load_master_list


def _record(pki: Pki) -> CertRecord:
    return load_certificate(pki.csca_pem())


def _load(data: bytes, anchors: list[CertRecord] | None = None):  # type: ignore[no-untyped-def]
    return load_master_list(data, file="list.ml", trusted_issuers=lambda _signer: anchors or [])


def test_a_list_signed_under_a_csca_it_lists_is_verified(ec_pki: Pki) -> None:
    listing = _load(build_master_list(ec_pki, [ec_pki.csca]))
    assert listing.verified
    assert listing.chained_to == "in_list"
    summary = listing.summary()
    assert summary["certificates"] == 1
    assert summary["verified"] is True
    assert listing.certificates[0].source["verified"] is True


def test_a_list_signed_under_an_already_trusted_anchor_is_verified(
    ec_pki: Pki, rsa_pki: Pki
) -> None:
    listing = _load(build_master_list(ec_pki, [rsa_pki.csca]), [_record(ec_pki)])
    assert listing.verified
    assert listing.chained_to == "trusted_anchor"


def test_a_list_whose_signer_no_csca_issued_is_not_verified(ec_pki: Pki, rsa_pki: Pki) -> None:
    # the RSA CSCA has another name; the impostor has the signer's issuer name but another
    # key (its key identifier differs from the signer's authority key identifier)
    impostor = Pki(kind="rsa", csca_cn="EC CSCA")
    listing = _load(build_master_list(ec_pki, [rsa_pki.csca, impostor.csca]))
    assert not listing.verified
    assert listing.problems == ["signer_not_issued_by_a_csca"]


def test_a_list_with_a_wrong_signature_is_not_verified(ec_pki: Pki) -> None:
    listing = _load(build_master_list(ec_pki, [ec_pki.csca], mutation="signature_flip"))
    assert listing.problems == ["signature_invalid"]


def test_a_list_without_its_signer_certificate_is_not_verified(ec_pki: Pki) -> None:
    listing = _load(build_master_list(ec_pki, [ec_pki.csca], mutation="no_signer_certificate"))
    assert listing.problems == ["signer_certificate_missing"]
    assert listing.summary()["signer"] is None


@pytest.mark.parametrize("mutation", ["two_signers", "not_signed_data", "econtent_type"])
def test_a_list_that_is_not_one_signed_master_list_is_refused(ec_pki: Pki, mutation: str) -> None:
    with pytest.raises(ChipUnexpectedContentError):
        _load(build_master_list(ec_pki, [ec_pki.csca], mutation=mutation))


def test_a_list_whose_content_is_no_csca_master_list_is_malformed(ec_pki: Pki) -> None:
    with pytest.raises(ChipStructureError, match="malformed master list"):
        _load(build_master_list(ec_pki, [ec_pki.csca], mutation="not_a_listing"))


def test_same_named_cscas_whose_keys_did_not_sign_are_passed_over(ec_pki: Pki) -> None:
    # no key identifier to tell them apart: an RSA key cannot check the EC signature,
    # a key on another curve does not verify it
    rsa_twin = Pki(kind="rsa", csca_cn="EC CSCA", csca_ski=False)
    curve_twin = Pki(kind="brainpool", csca_cn="EC CSCA", csca_ski=False)
    listed = [rsa_twin.csca, curve_twin.csca]
    listing = _load(build_master_list(ec_pki, listed), [_record(ec_pki)])
    assert listing.verified
    assert listing.chained_to == "trusted_anchor"
    assert listing.evidence["signer_issuer_fingerprint"] == _record(ec_pki).fingerprint
