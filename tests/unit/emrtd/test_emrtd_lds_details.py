"""DG11, DG12, DG14 and DG15 details that the sample chips do not carry: nested and
repeated fields, binary images, an ActiveAuthenticationInfo of another version, and
SecurityInfos or keys that are well-formed TLV but not the ASN.1 they must be."""

from __future__ import annotations

from datetime import date

import pytest
from asn1crypto import core
from cryptography.hazmat.primitives.asymmetric import rsa
from emrtd_builder import make_dg14, make_dg15

from leveattest.core.errors import ChipDataError, ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.asn1 import ID_ICAO_MRTD_SECURITY_AA_PROTOCOL, SecurityInfo, SecurityInfos
from leveattest.emrtd.lds import (
    parse_dg11,
    parse_dg12,
    parse_dg12_date_of_issue,
    parse_dg14,
    parse_dg15,
)
from leveattest.emrtd.tlv import encode_tlv


def test_dg11_reads_nested_and_repeated_fields_and_skips_unknown_tags() -> None:
    names = encode_tlv(0x5F0F, b"ANNA") + encode_tlv(0x5F0F, b"MARIA") + encode_tlv(0x5F0F, b"A")
    other = encode_tlv(0xA0, encode_tlv(0x02, b"\x03") + names)
    data = encode_tlv(
        0x6B,
        encode_tlv(0x5C, b"\x5f\x0f")
        + encode_tlv(0x5F0E, b"ERIKSSON<<ANNA")
        + other
        + encode_tlv(0x5F16, b"\x00" * 40)
        + encode_tlv(0x5F50, b"not a field"),
    )
    details = parse_dg11(data)
    assert details["full_name"] == "ERIKSSON<<ANNA"
    assert details["other_name"] == ["ANNA", "MARIA", "A"]
    assert details["proof_of_citizenship"] == {"bytes": 40}
    assert len(details) == 3


def test_dg12_date_of_issue_is_found_inside_a_template() -> None:
    data = encode_tlv(
        0x6C,
        encode_tlv(0x5C, b"\x5f\x26")
        + encode_tlv(0xA0, encode_tlv(0x5F1A, b"X"))
        + encode_tlv(0xA1, encode_tlv(0x5F26, b"20120415")),
    )
    assert parse_dg12_date_of_issue(data) == date(2012, 4, 15)
    assert parse_dg12(data)["date_of_issue"] == "20120415"


def test_dg14_evidence_lists_protocols_and_the_aa_algorithm() -> None:
    evidence = parse_dg14(make_dg14()).evidence()
    assert evidence["aa_signature_algorithm"] == "0.4.0.127.0.7.1.1.4.1.3"
    assert ID_ICAO_MRTD_SECURITY_AA_PROTOCOL in evidence["protocols"]
    assert evidence["chip_authentication_infos"] == [
        {"protocol": "0.4.0.127.0.7.2.2.3.2.1", "kind": "ca"}
    ]


def test_dg14_with_an_active_authentication_info_of_version_two_is_refused() -> None:
    info = SecurityInfo(
        {
            "protocol": ID_ICAO_MRTD_SECURITY_AA_PROTOCOL,
            "required_data": core.Integer(2),
            "optional_data": core.ObjectIdentifier("0.4.0.127.0.7.1.1.4.1.3"),
        }
    )
    with pytest.raises(ChipUnexpectedContentError, match="version"):
        parse_dg14(encode_tlv(0x6E, SecurityInfos([info]).dump()))


def test_dg14_whose_set_holds_no_security_info_is_malformed() -> None:
    not_infos = encode_tlv(0x31, encode_tlv(0x02, b"\x01"))
    with pytest.raises(ChipStructureError, match="DG14"):
        parse_dg14(encode_tlv(0x6E, not_infos))


def test_dg14_protocols_other_than_aa_and_chip_authentication_are_listed_only() -> None:
    from leveattest.samples.lds import ID_PACE_ECDH_GM_AES_CBC_CMAC_128, dg14  # noqa: PLC0415

    parsed = parse_dg14(dg14(None))
    assert parsed.protocols == (ID_PACE_ECDH_GM_AES_CBC_CMAC_128,)
    assert parsed.aa_signature_algorithm is None
    assert parsed.chip_authentication == ()


def test_dg15_evidence_describes_the_key() -> None:
    key = rsa.generate_private_key(65537, 1024)
    assert parse_dg15(make_dg15(key)).evidence() == {"key_type": "rsa", "key_bits": 1024}


def test_dg15_whose_sequence_is_no_public_key_is_malformed() -> None:
    not_a_key = encode_tlv(0x30, encode_tlv(0x02, b"\x01") + encode_tlv(0x02, b"\x02"))
    with pytest.raises(ChipDataError, match="malformed public key"):
        parse_dg15(encode_tlv(0x6F, not_a_key))
