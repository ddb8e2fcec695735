"""LDS parsers, explicit EC curves, and fuzzing: nothing but our own errors ever escapes."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from asn1crypto import x509 as a_x509
from ber_reencode import reencode, sod_as_ber
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from emrtd_builder import (
    AT,
    Pki,
    build_sod,
    full_document,
    make_dg2,
    make_dg14,
    spki_with_explicit_curve,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leveattest.core.checks import Reason
from leveattest.core.errors import (
    ChipUnexpectedContentError,
    ChipUnsupportedAlgorithmError,
    LeveattestError,
)
from leveattest.emrtd.certs import load_certificate
from leveattest.emrtd.crl import load_crl
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.emrtd.lds import (
    parse_dg1,
    parse_dg11,
    parse_dg12,
    parse_dg14,
    parse_dg15,
    parse_ef_com,
)
from leveattest.emrtd.masterlist import load_master_list
from leveattest.emrtd.sod import parse_sod
from leveattest.emrtd.tlv import encode_tlv, parse_tlv, to_definite
from leveattest.emrtd.verify import verify_chip

_PKI = Pki(kind="ec", csca_cn="Fuzz CSCA")
_DGS = full_document("ec")
_SOD = build_sod(_PKI, _DGS, scheme="ecdsa")
_CERT = _PKI.dsc.public_bytes(serialization.Encoding.DER)
_CRL = _PKI.crl(revoked=(1, 2))
_COM = encode_tlv(
    0x60,
    encode_tlv(0x5F01, b"0107") + encode_tlv(0x5F36, b"040000") + encode_tlv(0x5C, b"\x61\x75"),
)
# BER (indefinite lengths everywhere in the CMS layers, eContent in segments) and a signer
# named with reversed RDNs, other string types, case and spaces: the new parser paths
_QUIRKY_ISSUER = a_x509.Name(
    name="",
    value=a_x509.RDNSequence(
        [
            a_x509.RelativeDistinguishedName([a_x509.NameTypeAndValue(
                {"type": kind, "value": a_x509.DirectoryString(name="printable_string", value=text)}
            )])
            for kind, text in (("common_name", " FUZZ  csca"), ("country_name", "ut"))
        ]
    ),
)  # fmt: skip
_SOD_BER = sod_as_ber(
    build_sod(_PKI, _DGS, scheme="ecdsa", signer_issuer=_QUIRKY_ISSUER), segment=9
)
_CERT_BER = reencode(_CERT, lambda path: "indefinite" if len(path) == 1 else None)
_PARSERS = {
    "sod": (parse_sod, _SOD),
    "sod_ber": (parse_sod, _SOD_BER),
    "cert_ber": (load_certificate, _CERT_BER),
    "masterlist_ber": (
        lambda b: load_master_list(b, file="x", trusted_issuers=lambda c: []),
        _SOD_BER[2:-2],
    ),
    "tlv_ber": (lambda b: to_definite(parse_tlv(b, max_bytes=100_000, ber=True)), _SOD_BER),
    "dg1": (lambda b: parse_dg1(b, today=date(2026, 1, 1)), _DGS[1]),
    "dg2": (parse_dg2, _DGS[2]),
    "dg11": (parse_dg11, encode_tlv(0x6B, encode_tlv(0x5F0E, b"A<B"))),
    "dg12": (parse_dg12, encode_tlv(0x6C, encode_tlv(0x5F19, b"Authority"))),
    "dg14": (parse_dg14, _DGS[14]),
    "dg15": (parse_dg15, _DGS[15]),
    "com": (parse_ef_com, _COM),
    "cert": (load_certificate, _CERT),
    "crl": (lambda b: load_crl(b, file="x"), _CRL),
    "masterlist": (lambda b: load_master_list(b, file="x", trusted_issuers=lambda c: []), _SOD[4:]),
    "tlv": (lambda b: parse_tlv(b, max_bytes=100_000), _SOD),
}


@pytest.mark.parametrize("name", sorted(_PARSERS))
def test_valid_sample_parses(name):
    parser, sample = _PARSERS[name]
    if name.startswith("masterlist"):
        with pytest.raises(ChipUnexpectedContentError):  # an SOD is not a master list
            parser(sample)
        return
    parser(sample)


def test_dg1_yields_mrz_lines_and_fields():
    dg1 = parse_dg1(_DGS[1], today=date(2026, 1, 1))
    assert dg1.lines[1].startswith("L898902C3")
    assert dg1.mrz is not None
    assert dg1.mrz.valid


def test_dg2_yields_face_image_and_metadata():
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    (face,) = parse_dg2(make_dg2(jpeg))
    assert face.image == jpeg
    assert face.metadata()["image_format"] == "jpeg"
    assert (face.width, face.height, face.gender, face.eye_colour) == (
        240, 320, "female", "unspecified",
    )  # fmt: skip


def test_dg2_with_wrong_image_magic_is_refused():
    with pytest.raises(ChipUnexpectedContentError):
        parse_dg2(make_dg2(b"GIF89a" + b"\x00" * 20))


def test_dg11_dg12_and_com():
    assert parse_dg11(_PARSERS["dg11"][1]) == {"full_name": "A<B"}
    assert parse_dg12(_PARSERS["dg12"][1]) == {"issuing_authority": "Authority"}
    assert parse_ef_com(_PARSERS["com"][1]).data_groups == (1, 2)


def test_dg14_reads_aa_signature_algorithm_and_ca_claims():
    dg14 = parse_dg14(make_dg14("0.4.0.127.0.7.1.1.4.1.3"))
    assert dg14.aa_signature_algorithm == "0.4.0.127.0.7.1.1.4.1.3"
    assert dg14.chip_authentication[0]["kind"] == "ca"


@pytest.mark.parametrize(
    "curve",
    [
        ec.SECP256R1(),
        ec.BrainpoolP256R1(),
        ec.BrainpoolP384R1(),
        ec.SECP384R1(),
        ec.BrainpoolP512R1(),
        ec.SECP521R1(),
    ],
)
def test_explicit_curve_parameters_map_to_named_curve(curve):  # ICAO 9303-12 §4.1.6.2
    public = ec.generate_private_key(curve).public_key()
    dg15 = parse_dg15(encode_tlv(0x6F, spki_with_explicit_curve(public)))
    assert dg15.public_key.curve.name == curve.name
    numbers = public.public_numbers()
    assert (dg15.public_key.x, dg15.public_key.y) == (numbers.x, numbers.y)


def test_unknown_explicit_curve_is_refused():
    public = ec.generate_private_key(ec.BrainpoolP256R1()).public_key()
    with pytest.raises(ChipUnsupportedAlgorithmError):
        parse_dg15(encode_tlv(0x6F, spki_with_explicit_curve(public, tamper=True)))


def _run(name: str, data: bytes) -> None:
    parser, _sample = _PARSERS[name]
    with contextlib.suppress(LeveattestError):
        parser(data)


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(_PARSERS))
@_FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_raise_only_our_errors(name, data):
    _run(name, data)


@st.composite
def _mutations(draw: st.DrawFn, sample: bytes) -> bytes:
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and data:
            del data[pos]
        else:
            del data[pos:]
    return bytes(data)


@pytest.mark.parametrize("name", sorted(_PARSERS))
@_FUZZ
@given(st.data())
def test_mutated_samples_raise_only_our_errors(name, data):
    _run(name, data.draw(_mutations(_PARSERS[name][1])))


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    from leveattest.emrtd.trust import FileTrustStore  # noqa: PLC0415

    return FileTrustStore([_PKI.write_store(tmp_path_factory.mktemp("fuzz"))])


@pytest.mark.parametrize("sample", ["der", "ber_with_quirky_signer_name"])
@_FUZZ
@given(st.data())
def test_verify_chip_on_mutated_sod_returns_a_verdict_or_our_error(fuzz_store, sample, data):
    sod = data.draw(_mutations(_SOD if sample == "der" else _SOD_BER))
    try:
        result = verify_chip(sod, _DGS, fuzz_store, at=AT)
    except LeveattestError:
        return
    assert result.result.value in ("accepted", "inconclusive", "rejected")


def test_ber_sod_with_quirky_signer_name_passes_every_check_it_can(fuzz_store):
    result = verify_chip(_SOD_BER, _DGS, fuzz_store, at=AT)
    assert result.check("sod_signature").evidence.signer_match == "name_order_reversed"
    assert [c.check for c in result.checks if not c.ok] == ["revocation", "active_auth"]


def test_sod_whose_signer_issuer_name_has_a_wrong_string_tag_is_malformed(fuzz_store):
    # found by the fuzz test above: asn1crypto parses names lazily, so a mangled
    # DirectoryString tag in the SignerInfo's issuer used to escape as a ValueError
    marker = b"\x0c\tFuzz CSCA"
    at = _SOD.rindex(marker)  # the last one is the SignerInfo's issuerAndSerialNumber
    mangled = _SOD[:at] + b"\x0d" + _SOD[at + 1 :]
    result = verify_chip(mangled, _DGS, fuzz_store, at=AT)
    assert result.result.value == "rejected"
    assert result.check("sod_parse").reason == Reason.SOD_MALFORMED
