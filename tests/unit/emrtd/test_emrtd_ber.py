"""BER as real chips write it: indefinite lengths and constructed strings in EF.SOD's CMS layers.

ICAO 9303-10 §4.6.2 and RFC 5652 allow BER for ContentInfo/SignedData; issuing states use
indefinite lengths there. Re-encoding a document that way is a mutation that must not
change any verdict. The DER-only places stay strict: the signed attributes (RFC 5652 §5.3)
and a certificate's tbsCertificate (RFC 5280 §4.1) are hashed exactly as encoded.
"""

from __future__ import annotations

from typing import Any

import pytest
from ber_reencode import CMS_LAYERS, Path, reencode, sod_as_ber
from cryptography.hazmat.primitives import serialization
from emrtd_builder import AT, build_sod, full_document
from hypothesis import given, settings
from hypothesis import strategies as st

from leveattest.core.checks import Reason, Verdict
from leveattest.core.errors import ChipNestingError, ChipStructureError, LeveattestError
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.sod import parse_sod
from leveattest.emrtd.tlv import encode_tlv, parse_tlv, to_definite
from leveattest.emrtd.verify import ChipResult, ChipVerification, verify_chip


def verdicts(result: ChipVerification) -> dict[str, Any]:
    """The whole verdict: result, and every check's verdict, reason and evidence — except
    the record of the encoding itself, the one thing a re-encoding may change."""
    out: dict[str, Any] = {"result": result.result}
    for check in result.checks:
        evidence = {k: v for k, v in check.evidence.to_json().items() if k != "asn1_encoding"}
        out[check.check] = (check.verdict, check.reason, check.detail, evidence)
    return out


# ---- the reader ---------------------------------------------------------------------------
def test_indefinite_length_is_read_in_ber_mode_and_keeps_raw_bytes():
    data = b"\x30\x80" + encode_tlv(0x04, b"ab") + b"\x31\x80\x02\x01\x05\x00\x00\x00\x00"
    root = parse_tlv(data, max_bytes=100, ber=True)
    assert root.raw == data
    assert root.indefinite
    assert [c.tag for c in root.children()] == [0x04, 0x31]
    assert root.children()[1].require(0x02).value == b"\x05"
    assert to_definite(root) == encode_tlv(
        0x30, encode_tlv(0x04, b"ab") + bytes.fromhex("3103020105")
    )


def test_indefinite_length_is_still_refused_outside_ber_mode():  # DGs and CRLs stay DER
    with pytest.raises(ChipStructureError, match="indefinite"):
        parse_tlv(b"\x30\x80\x00\x00", max_bytes=100)


def test_constructed_octet_string_becomes_its_concatenated_segments():  # X.690 §8.7.3
    data = (
        b"\x24\x80" + encode_tlv(0x04, b"ab") + b"\x24\x04" + encode_tlv(0x04, b"cd") + b"\x00\x00"
    )
    assert to_definite(parse_tlv(data, max_bytes=100, ber=True)) == encode_tlv(0x04, b"abcd")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x30\x80\x04\x00", "end-of-contents"),  # never terminated
        (b"\x30\x80\x04\x00\x00", "truncated"),  # half a terminator
        (b"\x04\x80\x00\x00", "primitive"),  # X.690 §8.1.3.2 a
        (b"\x30\x02\x00\x00", "end-of-contents"),  # EOC inside a definite length
        (b"\x30\x80\x00\x01\x00\x00\x00", "end-of-contents"),  # EOC with a length
        (b"\x24\x80\x02\x01\x00\x00\x00", "segment"),  # a segment that is no OCTET STRING
        (b"\x30\x81\x05\x30\x80\x00\x00\x00", "truncated"),  # EOC beyond the outer length
        (b"\x30\x80\x30\x80\x00\x00", "end-of-contents"),  # the outer one never closed
    ],
)
def test_malformed_ber_is_refused_with_our_error(data, message):
    with pytest.raises(ChipStructureError, match=message):
        to_definite(parse_tlv(data, max_bytes=100, ber=True))


def test_nested_indefinite_lengths_are_bounded():
    bomb = b"\x30\x80" * 5000 + b"\x00\x00" * 5000
    with pytest.raises(ChipNestingError):
        parse_tlv(bomb, max_bytes=100_000, ber=True)
    shallow = b"\x30\x80" * 12 + b"\x00\x00" * 12  # deeper than MAX_INDEFINITE_DEPTH
    with pytest.raises(ChipNestingError):
        parse_tlv(shallow, max_bytes=100_000, ber=True)


def test_certificate_with_indefinite_outer_wrapper_loads_with_the_der_fingerprint(ec_pki):
    der = ec_pki.dsc.public_bytes(serialization.Encoding.DER)
    ber = reencode(der, lambda path: "indefinite" if len(path) == 1 else None)
    assert ber != der
    assert load_certificate(ber).fingerprint == load_certificate(der).fingerprint


def test_certificate_whose_tbs_is_not_der_is_refused(ec_pki):
    der = ec_pki.dsc.public_bytes(serialization.Encoding.DER)
    ber = reencode(der, lambda path: "indefinite" if len(path) == 2 and path[1][1] == 0 else None)
    with pytest.raises(ChipStructureError, match="tbsCertificate"):
        load_certificate(ber)


# ---- EF.SOD re-encoded layer by layer: the verdict must not change ----------------------
@pytest.fixture(scope="module")
def ec_dgs():
    return full_document("ec")


@pytest.fixture(scope="module")
def ec_sod(ec_pki, ec_dgs):
    return build_sod(ec_pki, ec_dgs, scheme="ecdsa")


@pytest.fixture(scope="module")
def ec_baseline(ec_sod, ec_dgs, ec_store):
    result = verify_chip(ec_sod, ec_dgs, ec_store, at=AT)
    assert result.result is ChipResult.INCONCLUSIVE  # no AA performed; everything else passed
    assert result.check("trust_chain").verdict is Verdict.PASSED
    return verdicts(result)


@pytest.mark.parametrize("layer", CMS_LAYERS)
def test_sod_with_one_indefinite_length_layer_keeps_its_verdict(layer, ec_sod, ec_dgs, ec_store,
                                                                 ec_baseline):  # fmt: skip
    ber = sod_as_ber(ec_sod, (layer,))
    assert ber != ec_sod
    result = verify_chip(ber, ec_dgs, ec_store, at=AT)
    assert verdicts(result) == ec_baseline
    assert result.check("sod_parse").evidence.asn1_encoding["indefinite_lengths"] >= 1


@pytest.mark.parametrize(
    ("segment", "indefinite"), [(None, False), (1, True), (7, False), (64, True)]
)
def test_sod_with_every_layer_indefinite_and_constructed_econtent_keeps_its_verdict(
    segment, indefinite, ec_sod, ec_dgs, ec_store, ec_baseline
):
    ber = sod_as_ber(ec_sod, segment=segment, segments_indefinite=indefinite)
    result = verify_chip(ber, ec_dgs, ec_store, at=AT)
    assert verdicts(result) == ec_baseline
    encoding = result.check("sod_parse").evidence.asn1_encoding
    assert encoding["indefinite_lengths"] >= len(CMS_LAYERS)
    assert encoding["constructed_octet_strings"] == (0 if segment is None else 1)


@pytest.mark.parametrize("mutation", ["dg1_hash", "signature_flip", "message_digest"])
def test_ber_reencoding_keeps_a_failing_verdict(mutation, ec_pki, ec_dgs, ec_store):
    sod = build_sod(ec_pki, ec_dgs, scheme="ecdsa", mutation=mutation)
    der = verify_chip(sod, ec_dgs, ec_store, at=AT)
    ber = verify_chip(sod_as_ber(sod, segment=5), ec_dgs, ec_store, at=AT)
    assert der.result is ChipResult.REJECTED
    assert verdicts(ber) == verdicts(der)


@pytest.mark.parametrize(("scheme", "hash_name"), [("pss", "sha512"), ("pkcs1", "sha1")])
def test_rsa_sod_as_ber_keeps_its_verdict(scheme, hash_name, rsa_pki, rsa_store):
    dgs = full_document()
    sod = build_sod(rsa_pki, dgs, scheme=scheme, hash_name=hash_name, lds_version=1)
    der = verify_chip(sod, dgs, rsa_store, at=AT)
    assert der.check("sod_signature").verdict is Verdict.PASSED
    ber = verify_chip(sod_as_ber(sod, segment=16), dgs, rsa_store, at=AT)
    assert verdicts(ber) == verdicts(der)


def test_econtent_digest_is_over_the_concatenated_segments(ec_sod):
    der, ber = parse_sod(ec_sod), parse_sod(sod_as_ber(ec_sod, segment=3))
    assert ber.econtent == der.econtent
    assert ber.signed_attrs_der == der.signed_attrs_der


# ---- the DER-only places -----------------------------------------------------------------
def _signed_attrs(path: Path) -> bool:
    # ... signerInfos / SignerInfo / [0] IMPLICIT signedAttrs
    return len(path) == 7 and path[-1] == (0xA0, 3) and path[-3][0] == 0x31


def test_signed_attributes_are_hashed_as_encoded_not_re_encoded(ec_pki, ec_dgs, ec_store):
    # RFC 5652 §5.4: the [0] bytes re-tagged 0x31, length octets as written (here a
    # non-minimal three-octet length, which a re-encoding would shorten)
    sod = build_sod(ec_pki, ec_dgs, scheme="ecdsa", attributes_length_octets=2)
    result = verify_chip(sod, ec_dgs, ec_store, at=AT)
    assert result.check("sod_signature").verdict is Verdict.PASSED
    assert parse_sod(sod).signed_attrs_der.startswith(b"\x31\x82\x00")


def test_signed_attributes_with_indefinite_length_are_malformed(ec_sod, ec_dgs, ec_store):
    # RFC 5652 §5.3: signedAttrs MUST be DER even when the rest is BER
    ber = reencode(ec_sod, lambda path: "indefinite" if _signed_attrs(path) else None)
    assert ber != ec_sod
    result = verify_chip(ber, ec_dgs, ec_store, at=AT)
    assert result.result is ChipResult.REJECTED
    assert result.check("sod_parse").reason is Reason.SOD_MALFORMED


def test_sod_whose_certificate_tbs_is_not_der_is_malformed(ec_sod, ec_dgs, ec_store):
    # RFC 5280 §4.1: tbsCertificate is hashed as encoded; a BER one is not accepted
    def tbs(path: Path) -> bool:
        return len(path) == 7 and path[-3] == (0xA0, 3) and path[-1] == (0x30, 0)

    ber = reencode(ec_sod, lambda path: "indefinite" if tbs(path) else None)
    assert ber != ec_sod
    result = verify_chip(ber, ec_dgs, ec_store, at=AT)
    assert result.check("sod_parse").reason is Reason.SOD_MALFORMED


# ---- fuzz: BER bombs, unterminated and misplaced end-of-contents --------------------------
_TOKENS = [b"\x30\x80", b"\x24\x80", b"\xa0\x80", b"\x00\x00", b"\x04\x01A", b"\x30\x00",
           b"\x04\x80", b"\x24\x03", b"\x30\x82\x00\x04", b"\x00", b"\x02\x01\x00"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=400), st.integers(1, 200))
def test_ber_token_soup_raises_only_our_errors_and_never_grows(tokens, repeat):
    data = b"".join(tokens) * (1 + repeat // 50)
    try:
        tree = parse_tlv(data, max_bytes=100_000, ber=True, allow_trailing=True)
        out = to_definite(tree)
    except LeveattestError:
        return
    # definite lengths cost no more than indefinite ones below 64 KiB: the form asn1crypto
    # sees is never larger than what was read (plus the root's length octets)
    assert len(out) <= len(tree.raw) + 8


def test_sixty_kilobytes_of_unterminated_indefinite_lengths_is_refused():
    data = (b"\x30\x80" * 8 + b"\x04\x00") * 3000
    with pytest.raises(ChipStructureError):
        parse_sod(b"\x77\x80" + data)


@pytest.mark.parametrize("mutation", ["other_certificate_format", "with_crl"])
def test_ber_sod_parts_the_sod_does_not_read_are_passed_over(mutation, ec_pki, ec_store):
    dgs = full_document()
    sod = sod_as_ber(build_sod(ec_pki, dgs, scheme="ecdsa", mutation=mutation))
    assert verify_chip(sod, dgs, ec_store, at=AT).check("sod_parse").verdict is Verdict.PASSED


def test_a_ber_content_info_without_its_content_is_malformed():
    from leveattest.emrtd.masterlist import load_master_list  # noqa: PLC0415

    truncated = b"\x30\x80\x06\x03\x2a\x03\x04\x00\x00"
    with pytest.raises(ChipStructureError, match="ContentInfo"):
        load_master_list(truncated, file="x", trusted_issuers=lambda _c: [])
