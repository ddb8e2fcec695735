"""One change per test on a synthetic document; each change maps to exactly one reason.

The baseline (EC CSCA/DSC, CRL fresh, RSA AA key) is accepted; every mutation below
changes one thing and asserts the check and reason it must produce.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from emrtd_builder import (
    AT,
    T0,
    Pki,
    aa_key,
    build_sod,
    full_document,
    make_dg15,
    sign_ecdsa,
    sign_iso9796_2,
)

from leveattest.core.checks import Reason, Verdict
from leveattest.core.errors import ChipDataError, ChipDataTooLargeError, TrustStoreError
from leveattest.core.settings import ChipSettings
from leveattest.emrtd.trust import FileTrustStore
from leveattest.emrtd.verify import ChipResult, verify_chip

CHALLENGE = bytes.fromhex("0102030405060708")


def _failures(result):
    return [(c.check, c.reason) for c in result.checks if c.verdict is Verdict.FAILED]


@pytest.fixture(scope="module")
def dgs():
    return full_document()


@pytest.fixture(scope="module")
def aa_sig():
    return sign_iso9796_2(aa_key(), CHALLENGE)


def _verify(sod, dgs, store, aa_sig=None, **kw):
    if aa_sig is not None:
        kw |= {"aa_challenge": CHALLENGE, "aa_signature": aa_sig}
    return verify_chip(sod, dgs, store, at=kw.pop("at", AT), **kw)


@pytest.mark.parametrize(
    ("kind", "scheme", "hash_name"),
    [
        ("ec", "ecdsa", "sha256"),
        ("ec", "ecdsa_plain", "sha384"),
        ("rsa", "pkcs1", "sha256"),
        ("rsa", "pss", "sha512"),
        ("rsa", "pkcs1", "sha1"),
        ("rsa", "pss", "sha224"),
    ],
)
def test_baseline_documents_are_accepted(kind, scheme, hash_name, dgs, aa_sig, request):
    pki = request.getfixturevalue(f"{kind}_pki")
    store = request.getfixturevalue(f"{kind}_store")
    sod = build_sod(pki, dgs, scheme=scheme, hash_name=hash_name)
    result = _verify(sod, dgs, store, aa_sig)
    assert result.result is ChipResult.ACCEPTED, _failures(result)
    assert [c.check for c in result.checks] == [
        "sod_parse",
        "sod_signature",
        "dg_hashes",
        "trust_chain",
        "dsc_validity",
        "revocation",
        "active_auth",
    ]


def test_lds_v1_with_version_info_is_accepted(ec_pki, ec_store, dgs, aa_sig):
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa", lds_version=1), dgs, ec_store, aa_sig)
    assert result.result is ChipResult.ACCEPTED
    assert result.check("sod_parse").evidence.lds_version_info["lds_version"] == "0108"


@pytest.mark.parametrize(
    ("mutation", "check", "reason"),
    [
        ("dg1_hash", "dg_hashes", Reason.HASH_MISMATCH),
        ("lds_version", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),  # 9303-10 §4.6.2.3
        ("lds_v0_with_info", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),  # 9303-10 §4.6.2.3
        ("lds_v1_without_info", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("repeated_dg", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("dg_number_17", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("no_dgs", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("repeated_attribute", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),  # RFC 5652 §5.3
        ("two_valued_attribute", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("no_signed_attrs", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),  # 9303-10 §4.6.2.2
        ("two_signers", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("not_signed_data", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("no_econtent", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),  # 9303-10 §4.6.2.2
        ("lso_hash_oid", "sod_parse", Reason.UNSUPPORTED_ALGORITHM),
        ("econtent_type", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("signed_data_version", "sod_parse", Reason.SOD_UNEXPECTED_CONTENT),
        ("trailing_byte", "sod_parse", Reason.SOD_MALFORMED),
        ("message_digest", "sod_signature", Reason.SIGNED_ATTRIBUTES_INVALID),  # RFC 5652 §5.4
        ("content_type_attr", "sod_signature", Reason.SIGNED_ATTRIBUTES_INVALID),  # RFC 5652 §11.1
        ("signature_flip", "sod_signature", Reason.SIGNATURE_INVALID),
        ("signature_algorithm", "sod_signature", Reason.UNSUPPORTED_ALGORITHM),
    ],
)
def test_sod_mutation_gives_one_reason(mutation, check, reason, ec_pki, ec_store, dgs, aa_sig):
    result = _verify(
        build_sod(ec_pki, dgs, scheme="ecdsa", mutation=mutation), dgs, ec_store, aa_sig
    )
    assert result.result is ChipResult.REJECTED
    assert _failures(result)[0] == (check, reason)
    assert len(_failures(result)) == 1


def test_failed_signature_leaves_hashes_unchecked_even_when_they_match(ec_pki, ec_store, dgs):
    result = _verify(
        build_sod(ec_pki, dgs, scheme="ecdsa", mutation="signature_flip"), dgs, ec_store
    )
    hashes = result.check("dg_hashes")
    assert hashes.verdict is Verdict.NOT_CHECKED
    assert all(e["match"] for e in hashes.evidence.data_groups.values())
    assert result.result is ChipResult.REJECTED


def test_deviation_allow_list_accepts_trailing_byte_and_records_it(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa", mutation="trailing_byte")
    result = _verify(sod, dgs, ec_store, aa_sig, allow_deviations=["trailing_bytes"])
    assert result.result is ChipResult.ACCEPTED
    assert result.check("sod_parse").evidence.deviations == ["trailing_bytes"]


def test_econtent_type_id_data_deviation_still_fails_the_content_type_attribute(
    ec_pki, ec_store, dgs
):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa", mutation="econtent_type")
    result = _verify(sod, dgs, ec_store, allow_deviations=["econtent_type_id_data"])
    assert _failures(result) == [("sod_signature", Reason.SIGNED_ATTRIBUTES_INVALID)]


def test_tampered_data_group_fails_hash(ec_pki, ec_store, dgs):
    tampered = dict(dgs)
    tampered[1] = dgs[1].replace(b"UTO", b"UTA", 1)
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), tampered, ec_store)
    assert _failures(result) == [("dg_hashes", Reason.HASH_MISMATCH)]
    assert result.check("dg_hashes").evidence.data_groups["DG1"]["match"] is False


def test_data_group_not_in_sod_fails(ec_pki, ec_store, dgs):
    sod = build_sod(ec_pki, {k: v for k, v in dgs.items() if k != 2}, scheme="ecdsa")
    result = _verify(sod, dgs, ec_store)
    assert _failures(result) == [("dg_hashes", Reason.DATA_GROUP_NOT_SIGNED)]


def test_required_data_group_missing_fails(ec_pki, ec_store, dgs):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    presented = {k: v for k, v in dgs.items() if k != 2}
    result = _verify(sod, presented, ec_store, required_data_groups=(1, 2))
    assert _failures(result) == [("dg_hashes", Reason.DATA_GROUP_MISSING)]


def test_no_data_group_presented_leaves_the_hashes_not_present(ec_pki, ec_store, dgs):
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), {}, ec_store)
    hashes = result.check("dg_hashes")
    assert (hashes.verdict, hashes.reason) == (Verdict.NOT_PRESENT, Reason.DATA_GROUP_MISSING)
    assert result.result is not ChipResult.ACCEPTED


def test_unknown_csca_is_unknown_issuer(ec_pki, dgs, tmp_path):
    other = Pki(kind="ec", csca_cn="Other CSCA")
    store = FileTrustStore([other.write_store(tmp_path)])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store)
    assert _failures(result) == [("trust_chain", Reason.UNKNOWN_ISSUER)]


def test_csca_with_same_name_but_other_key_is_chain_invalid(ec_pki, dgs, tmp_path):
    impostor = Pki(kind="rsa", csca_cn="EC CSCA")  # same DN, different key
    store = FileTrustStore([impostor.write_store(tmp_path)])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store)
    assert result.check("trust_chain").verdict is Verdict.FAILED
    assert result.result is ChipResult.REJECTED


def test_dsc_without_digital_signature_usage_fails_extensions(dgs, tmp_path):
    pki = Pki(kind="ec", csca_cn="KU CSCA", dsc_key_usage_ok=False)
    store = FileTrustStore([pki.write_store(tmp_path, crl=pki.crl())])
    result = _verify(build_sod(pki, dgs, scheme="ecdsa"), dgs, store)
    assert _failures(result) == [("trust_chain", Reason.CERTIFICATE_EXTENSIONS_INVALID)]


def test_signed_while_valid_but_expired_now_passes_by_default_and_fails_when_refused(dgs, tmp_path):
    pki = Pki(
        kind="ec",
        csca_cn="Old CSCA",
        csca_not_after=T0 + timedelta(days=800),
        dsc_not_after=T0 + timedelta(days=400),
    )
    store = FileTrustStore([pki.write_store(tmp_path, crl=pki.crl())])
    sod = build_sod(pki, dgs, scheme="ecdsa", signing_time=T0 + timedelta(days=60))
    result = _verify(sod, dgs, store)
    validity = result.check("dsc_validity")
    assert validity.verdict is Verdict.PASSED
    assert validity.evidence.reference_time_source == "signing_time_attribute"
    assert validity.evidence.dsc_expired_now is True
    strict = ChipSettings(accept_expired_certificates_now=False)
    refused = _verify(sod, dgs, store, settings=strict)
    assert _failures(refused) == [("dsc_validity", Reason.CERTIFICATE_EXPIRED)]


def test_signing_time_after_dsc_expiry_fails(ec_pki, ec_store, dgs):
    sod = build_sod(
        ec_pki, dgs, scheme="ecdsa", signing_time=ec_pki.dsc_not_after + timedelta(days=2)
    )
    result = _verify(sod, dgs, ec_store, at=ec_pki.dsc_not_after + timedelta(days=3))
    assert _failures(result) == [("dsc_validity", Reason.CERTIFICATE_EXPIRED)]


def test_check_before_dsc_issuance_is_not_yet_valid(ec_pki, ec_store, dgs):
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store, at=T0)
    assert _failures(result) == [("dsc_validity", Reason.CERTIFICATE_NOT_YET_VALID)]


def test_dsc_issued_outside_csca_validity_fails(dgs, tmp_path):
    pki = Pki(kind="ec", csca_cn="Short CSCA", csca_not_after=T0 + timedelta(days=10))
    store = FileTrustStore([pki.write_store(tmp_path, crl=pki.crl())])
    result = _verify(build_sod(pki, dgs, scheme="ecdsa"), dgs, store)
    assert _failures(result) == [("dsc_validity", Reason.CERTIFICATE_EXPIRED)]


def test_revoked_dsc_is_rejected(ec_pki, dgs, tmp_path):
    store = FileTrustStore([ec_pki.write_store(tmp_path, crl=ec_pki.crl(revoked=(4242,)))])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store)
    assert _failures(result) == [("revocation", Reason.REVOKED)]
    assert result.result is ChipResult.REJECTED


def test_stale_crl_is_inconclusive(ec_pki, dgs, aa_sig, tmp_path):
    crl = ec_pki.crl(last=AT - timedelta(days=60), next_=AT - timedelta(days=1))
    store = FileTrustStore([ec_pki.write_store(tmp_path, crl=crl)])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store, aa_sig)
    assert result.check("revocation").reason is Reason.CRL_STALE
    assert result.result is ChipResult.INCONCLUSIVE


def test_no_crl_is_revocation_unknown_inconclusive(ec_pki, dgs, aa_sig, tmp_path):
    store = FileTrustStore([ec_pki.write_store(tmp_path)])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store, aa_sig)
    assert result.check("revocation").verdict is Verdict.INCONCLUSIVE
    assert result.check("revocation").reason is Reason.REVOCATION_UNKNOWN
    assert result.result is ChipResult.INCONCLUSIVE


def test_crl_signed_by_another_key_is_ignored(ec_pki, dgs, tmp_path):
    impostor = Pki(kind="rsa", csca_cn="EC CSCA")
    store = FileTrustStore([ec_pki.write_store(tmp_path, crl=impostor.crl(revoked=(4242,)))])
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, store)
    assert result.check("revocation").reason is Reason.REVOCATION_UNKNOWN


# ---- Active Authentication ---------------------------------------------------------------
def test_aa_wrong_challenge_is_inconclusive(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    result = verify_chip(sod, dgs, ec_store, at=AT, aa_challenge=b"87654321", aa_signature=aa_sig)
    assert _failures(result) == [("active_auth", Reason.AA_SIGNATURE_INVALID)]
    assert result.result is ChipResult.INCONCLUSIVE


@pytest.mark.parametrize("hash_name", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_aa_rsa_iso9796_2_trailers(hash_name, ec_pki, ec_store, tmp_path):
    key = aa_key("rsa")  # 2048-bit: room for SHA-512 plus the trailer
    dgs = full_document() | {15: make_dg15(key)}
    sig = sign_iso9796_2(key, CHALLENGE, hash_name)
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store, sig)
    assert result.check("active_auth").verdict is Verdict.PASSED
    assert result.check("active_auth").evidence.hash == hash_name


@pytest.mark.parametrize("plain", [True, False])
def test_aa_ecdsa_plain_and_der(plain, ec_pki, ec_store):
    dgs = full_document("ec")
    sig = sign_ecdsa(aa_key("ec"), CHALLENGE, plain=plain)
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store, sig)
    active = result.check("active_auth")
    assert active.verdict is Verdict.PASSED, active
    assert active.evidence.hash_chosen_by == "dg14"


def test_cloned_chip_with_its_own_key_fails_aa_key_untrusted(ec_pki, ec_store, dgs):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    clone_key = aa_key("rsa")
    cloned = dict(dgs) | {15: make_dg15(clone_key)}
    sig = sign_iso9796_2(clone_key, CHALLENGE)
    result = _verify(sod, cloned, ec_store, sig)
    assert result.check("active_auth").reason is Reason.AA_KEY_UNTRUSTED
    assert result.result is ChipResult.REJECTED  # the DG15 hash fails as well


def test_document_without_dg15_has_aa_not_present_and_is_accepted(ec_pki, ec_store, dgs):
    presented = {k: v for k, v in dgs.items() if k != 15}
    result = _verify(build_sod(ec_pki, presented, scheme="ecdsa"), presented, ec_store)
    assert result.check("active_auth").verdict is Verdict.NOT_PRESENT
    assert result.result is ChipResult.ACCEPTED


def test_aa_capable_document_without_aa_is_inconclusive(ec_pki, ec_store, dgs):
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store)
    assert result.check("active_auth").reason is Reason.AA_NOT_PERFORMED
    assert result.result is ChipResult.INCONCLUSIVE


def test_chip_authentication_is_recorded_as_a_claim(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    result = _verify(sod, dgs, ec_store, aa_sig, chip_authentication_claimed=True)
    assert result.check("active_auth").evidence.chip_authentication_claimed is True


# ---- input that cannot be processed ------------------------------------------------------
def test_challenge_without_signature_is_an_input_error(ec_pki, ec_store, dgs):
    with pytest.raises(ChipDataError):
        verify_chip(
            build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store, at=AT, aa_challenge=CHALLENGE
        )


def test_oversized_data_group_is_refused_before_parsing(ec_pki, ec_store, dgs):
    huge = dgs | {2: b"\x75" + bytes(10 * 1024 * 1024)}
    with pytest.raises(ChipDataTooLargeError):
        verify_chip(build_sod(ec_pki, dgs, scheme="ecdsa"), huge, ec_store, at=AT)


@pytest.mark.parametrize("number", [0, 17])
def test_data_group_number_outside_1_to_16_is_an_input_error(ec_pki, ec_store, dgs, number):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    with pytest.raises(ChipDataError):
        verify_chip(sod, dgs | {number: b"\x61\x00"}, ec_store, at=AT)


def test_oversized_sod_is_refused_before_parsing(ec_pki, ec_store, dgs):
    limit = ChipSettings().max_file_bytes
    with pytest.raises(ChipDataTooLargeError):
        verify_chip(b"\x77" + bytes(limit), dgs, ec_store, at=AT)


def test_naive_check_time_is_taken_as_utc(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    naive = _verify(sod, dgs, ec_store, aa_sig, at=AT.replace(tzinfo=None))
    assert naive == _verify(sod, dgs, ec_store, aa_sig)
    assert naive.result is ChipResult.ACCEPTED


def test_asking_for_a_check_that_was_not_run_is_a_key_error(ec_pki, ec_store, dgs):
    result = _verify(build_sod(ec_pki, dgs, scheme="ecdsa"), dgs, ec_store)
    with pytest.raises(KeyError):
        result.check("no_such_check")


def test_empty_trust_store_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrustStoreError):
        FileTrustStore([tmp_path / "empty"])
    with pytest.raises(TrustStoreError):
        FileTrustStore([])


def test_signer_info_with_a_primitive_signature_algorithm_is_malformed_not_raised(
    ec_pki, ec_store, dgs
):
    # found by the fuzz test: asn1crypto parses SignerInfo fields lazily, on first read
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    algorithm = bytes.fromhex("300a06082a8648ce3d040302")  # ecdsa-with-SHA256
    at = sod.rindex(algorithm)  # the SignerInfo's; the DSC's comes before it
    mutated = sod[:at] + b"\x10" + sod[at + 1 :]  # SEQUENCE tag without its constructed bit
    result = _verify(mutated, dgs, ec_store)
    assert result.result is ChipResult.REJECTED
    assert _failures(result)[0] == ("sod_signature", Reason.SOD_MALFORMED)


def test_malformed_sod_is_rejected_not_raised(ec_store, dgs):
    result = verify_chip(b"\x77\x03\x30\x01\x00", dgs, ec_store, at=AT)
    assert result.check("sod_parse").reason is Reason.SOD_MALFORMED
    assert result.result is ChipResult.REJECTED


def test_trust_store_refresh_swaps_in_new_anchors(ec_pki, tmp_path, dgs):
    folder = tmp_path / "store"
    other = Pki(kind="ec", csca_cn="Other CSCA")
    other.write_store(folder)
    store = FileTrustStore([folder])
    sod = build_sod(ec_pki, dgs, scheme="ecdsa")
    assert verify_chip(sod, dgs, store, at=AT).check("trust_chain").verdict is Verdict.FAILED
    (folder / "ec.pem").write_bytes(ec_pki.csca_pem())
    store.refresh()
    assert verify_chip(sod, dgs, store, at=AT).check("trust_chain").verdict is Verdict.PASSED
    coverage = store.coverage(AT, within_days=365 * 20)
    assert coverage["states"] == ["UT"]
    assert coverage["anchors"] == 2


def test_a_signed_attribute_the_sod_does_not_need_is_read_past(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa", mutation="other_attribute")
    assert _verify(sod, dgs, ec_store, aa_sig).result is ChipResult.ACCEPTED


def test_a_certificate_besides_the_signers_is_passed_over(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa", mutation="csca_too")
    assert _verify(sod, dgs, ec_store, aa_sig).result is ChipResult.ACCEPTED


def test_a_ber_sod_whose_signer_has_no_signed_attributes_is_refused(ec_pki, ec_store, dgs):
    from ber_reencode import sod_as_ber  # noqa: PLC0415

    sod = sod_as_ber(build_sod(ec_pki, dgs, scheme="ecdsa", mutation="no_signed_attrs"))
    result = _verify(sod, dgs, ec_store)
    assert _failures(result) == [("sod_parse", Reason.SOD_UNEXPECTED_CONTENT)]


def test_a_certificate_in_another_format_is_passed_over(ec_pki, ec_store, dgs, aa_sig):
    sod = build_sod(ec_pki, dgs, scheme="ecdsa", mutation="other_certificate_format")
    assert _verify(sod, dgs, ec_store, aa_sig).result is ChipResult.ACCEPTED
