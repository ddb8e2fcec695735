"""EF.COM and DG1 contents that are refused (ICAO 9303-10 §4.6.1 and §4.7.1)."""

from __future__ import annotations

import pytest

from leveattest.core.errors import ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.lds import parse_dg1, parse_ef_com
from leveattest.emrtd.tlv import encode_tlv


def _ef_com(tag_list: bytes) -> bytes:
    body = encode_tlv(0x5F01, b"0107") + encode_tlv(0x5F36, b"040000")
    return encode_tlv(0x60, body + encode_tlv(0x5C, tag_list))


def test_ef_com_lists_the_data_groups_of_its_tags() -> None:
    com = parse_ef_com(_ef_com(b"\x61\x75\x6f"))
    assert (com.lds_version, com.unicode_version) == ("0107", "040000")


def test_ef_com_with_an_unknown_tag_is_refused() -> None:
    with pytest.raises(ChipUnexpectedContentError, match="unknown tag"):
        parse_ef_com(_ef_com(b"\x61\x99"))


def test_dg1_whose_mrz_is_not_ascii_is_malformed() -> None:
    with pytest.raises(ChipStructureError, match="not ASCII"):
        parse_dg1(encode_tlv(0x61, encode_tlv(0x5F1F, "Ø".encode() * 45)))


@pytest.mark.parametrize("length", [44, 89, 91])
def test_dg1_whose_mrz_has_no_document_length_is_refused(length: int) -> None:
    with pytest.raises(ChipUnexpectedContentError, match="unexpected length"):
        parse_dg1(encode_tlv(0x61, encode_tlv(0x5F1F, b"<" * length)))
