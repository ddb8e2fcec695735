"""The strict BER-TLV reader: caps before parsing, refuses what X.690/ISO 7816-4 refuse."""

from __future__ import annotations

import time

import pytest

from leveattest.core.errors import (
    ChipDataTooLargeError,
    ChipNestingError,
    ChipStructureError,
    ChipTrailingDataError,
    ChipUnexpectedTagError,
)
from leveattest.emrtd.dg2 import parse_dg2
from leveattest.emrtd.tlv import encode_tlv, iter_tlvs, parse_tlv


def test_reads_nested_object_and_keeps_raw_bytes():
    data = encode_tlv(0x61, encode_tlv(0x5F1F, b"ABC"))
    root = parse_tlv(data, max_bytes=100, expected_tag=0x61)
    assert root.raw == data
    assert root.require(0x5F1F).value == b"ABC"


def test_long_form_length_is_read():
    data = encode_tlv(0x04, b"x" * 300)
    assert data[1:4] == b"\x82\x01\x2c"
    assert parse_tlv(data, max_bytes=1000).length == 300


def test_size_is_capped_before_parsing():
    with pytest.raises(ChipDataTooLargeError) as info:
        parse_tlv(b"\x30" + b"\x00" * 5000, max_bytes=100)
    assert info.value.code == "chip_data_too_large"


def test_indefinite_length_is_refused():  # X.690 §8.1.3.6: not allowed in DER / on chips
    with pytest.raises(ChipStructureError, match="indefinite"):
        parse_tlv(b"\x30\x80\x04\x00\x00\x00", max_bytes=100)


def test_absurd_length_field_is_refused():
    with pytest.raises(ChipStructureError) as info:
        parse_tlv(b"\x30\x89" + b"\xff" * 9, max_bytes=100)
    assert info.value.code == "chip_asn1_malformed"


def test_length_beyond_data_is_refused():
    with pytest.raises(ChipStructureError, match="exceeds"):
        parse_tlv(b"\x30\x84\x7f\xff\xff\xff\x00", max_bytes=100)


def test_truncated_inner_object_is_refused():
    with pytest.raises(ChipStructureError):
        parse_tlv(b"\x30\x03\x04\x05\x00", max_bytes=100)


def test_trailing_bytes_are_refused_unless_allowed():
    data = encode_tlv(0x30, b"") + b"\x00"
    with pytest.raises(ChipTrailingDataError):
        parse_tlv(data, max_bytes=100)
    assert parse_tlv(data, max_bytes=100, allow_trailing=True).raw == b"\x30\x00"


def test_wrong_tag_is_refused_with_stable_code():
    with pytest.raises(ChipUnexpectedTagError) as info:
        parse_tlv(encode_tlv(0x70, b""), max_bytes=100, expected_tag=0x6F)
    assert info.value.code == "chip_unexpected_tag"


def test_deep_nesting_is_refused():
    data = b""
    for _ in range(200):
        data = encode_tlv(0x30, data)
    with pytest.raises(ChipNestingError):
        parse_tlv(data, max_bytes=10_000)


def test_empty_and_overlong_tags_are_refused():
    with pytest.raises(ChipStructureError):
        parse_tlv(b"", max_bytes=10)
    with pytest.raises(ChipStructureError):
        parse_tlv(b"\x5f\xff\xff\xff\xff\x01\x00", max_bytes=10)


def test_iter_tlvs_splits_concatenation():
    items = iter_tlvs(encode_tlv(0x02, b"\x01") + encode_tlv(0x04, b"ab"))
    assert [i.tag for i in items] == [0x02, 0x04]


def test_ten_megabyte_dg2_is_refused_quickly():
    blob = b"\x75\x84\x00\xa0\x00\x00" + bytes(10 * 1024 * 1024)
    start = time.perf_counter()
    with pytest.raises(ChipDataTooLargeError):
        parse_dg2(blob)
    assert time.perf_counter() - start < 0.5


def test_primitive_object_has_no_children():
    primitive = parse_tlv(encode_tlv(0x04, b"\x01\x02"), max_bytes=100)
    with pytest.raises(ChipStructureError):
        primitive.children()


def test_child_and_require_find_a_direct_child_by_tag():
    tlvs = encode_tlv(0x02, b"\x01") + encode_tlv(0x04, b"\x09")
    outer = parse_tlv(encode_tlv(0x30, tlvs), max_bytes=100)
    assert outer.require(0x04).value == b"\x09"
    assert outer.child(0x05) is None
    with pytest.raises(ChipUnexpectedTagError):
        outer.require(0x05)


def test_input_that_is_not_bytes_is_refused():
    with pytest.raises(ChipStructureError, match="must be bytes"):
        parse_tlv("3000", max_bytes=100)  # type: ignore[arg-type]
