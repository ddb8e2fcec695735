"""Structures at the edges of the chip parsers: EC points outside the field, DG2 templates
without their data block or with a count of zero, an empty TLV stream."""

from __future__ import annotations

import pytest
from emrtd_builder import make_face_record

from leveattest.core.errors import ChipDataError, ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.curves import curve_for_oid
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.emrtd.tlv import encode_tlv, iter_tlvs, parse_tlv

P256 = curve_for_oid("1.2.840.10045.3.1.7")


def test_a_point_outside_the_field_is_not_on_the_curve() -> None:
    assert not P256.contains(P256.p, P256.gy)
    assert not P256.contains(P256.gx, -1)
    assert P256.contains(P256.gx, P256.gy)


def test_a_compressed_x_outside_the_field_is_refused() -> None:
    encoded = b"\x02" + P256.p.to_bytes(P256.size, "big")
    with pytest.raises(ChipDataError, match="not on its curve"):
        P256.decode_point(encoded)


def test_a_compressed_x_without_a_square_root_is_refused() -> None:
    # x = 2 on P-256: x^3 + ax + b has no square root mod p (checked here, not assumed)
    x = next(
        x
        for x in range(1, 50)
        if pow((x**3 + P256.a * x + P256.b) % P256.p, (P256.p - 1) // 2, P256.p) != 1
    )
    with pytest.raises(ChipDataError, match="not on its curve"):
        P256.decode_point(b"\x02" + x.to_bytes(P256.size, "big"))


def test_a_compressed_generator_decodes_to_the_generator() -> None:
    assert P256.decode_point(P256.g_compressed) == (P256.gx, P256.gy)


def _dg2(templates: bytes, count: int) -> bytes:
    group = encode_tlv(0x02, bytes([count])) + templates
    return encode_tlv(0x75, encode_tlv(0x7F61, group))


def _template(block_tag: int) -> bytes:
    header = encode_tlv(0xA1, encode_tlv(0x81, b"\x02"))
    # 0x7F2E (enciphered data block) is constructed: it holds TLVs, not a record
    block = encode_tlv(0x81, b"ciphertext") if block_tag == 0x7F2E else make_face_record()
    return encode_tlv(0x7F60, header + encode_tlv(block_tag, block))


def test_an_enciphered_biometric_data_block_is_refused() -> None:
    with pytest.raises(ChipUnexpectedContentError, match="enciphered"):
        parse_dg2(_dg2(_template(0x7F2E), 1))


def test_a_template_without_a_data_block_is_refused() -> None:
    with pytest.raises(ChipUnexpectedContentError, match="without data block"):
        parse_dg2(_dg2(_template(0x5F2F), 1))


def test_a_group_stating_no_template_is_refused() -> None:
    with pytest.raises(ChipUnexpectedContentError, match="count"):
        parse_dg2(_dg2(b"", 0))


def test_an_indefinite_length_without_its_end_of_contents_is_truncated() -> None:
    assert iter_tlvs(b"") == []
    with pytest.raises(ChipStructureError, match="without end-of-contents"):
        parse_tlv(b"\x30\x80\x02\x01\x01", max_bytes=100, ber=True)
