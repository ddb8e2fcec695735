"""LDS elementary files (ICAO 9303-10 §4.7): EF.COM, DG1, DG11, DG12, DG14, DG15.

Each parser caps the size, validates the whole BER-TLV tree (``tlv.parse_tlv``) and
checks the file's tag before reading fields; anything malformed raises a
``ChipDataError`` subclass. DG2 lives in ``dg2``. Parsing never changes the bytes that
passive authentication hashes: the verifier hashes the input, not these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from asn1crypto import keys

from leveattest.core.errors import ChipDataError, ChipStructureError, ChipUnexpectedContentError
from leveattest.emrtd.asn1 import (
    ID_ICAO_MRTD_SECURITY_AA_PROTOCOL,
    ActiveAuthenticationInfo,
    SecurityInfos,
)
from leveattest.emrtd.crypto import PublicKey, key_description, load_public_key
from leveattest.emrtd.tlv import Tlv, parse_tlv
from leveattest.mrz.model import MRZResult
from leveattest.mrz.parse import parse_mrz

MAX_DG_BYTES = 2_000_000
TAG_COM, TAG_DG1, TAG_DG2, TAG_DG11, TAG_DG12, TAG_DG14, TAG_DG15 = (
    0x60, 0x61, 0x75, 0x6B, 0x6C, 0x6E, 0x6F,
)  # fmt: skip
DG_TAGS = {1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69,
           10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}  # fmt: skip
_TAG_TO_DG = {tag: number for number, tag in DG_TAGS.items()}
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)
ID_CA = "0.4.0.127.0.7.2.2.3"
ID_PK = "0.4.0.127.0.7.2.2.1"
ID_TA = "0.4.0.127.0.7.2.2.2"
ID_PACE = "0.4.0.127.0.7.2.2.4"


def _text(tlv: Tlv) -> str:
    try:
        return tlv.value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChipStructureError("text field is not UTF-8", tag=f"{tlv.tag:x}") from exc


@dataclass(frozen=True, slots=True)
class EfCom:
    lds_version: str
    unicode_version: str
    data_groups: tuple[int, ...]


def parse_ef_com(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> EfCom:
    """EF.COM (9303-10 §4.6.1): LDS version, Unicode version, tag list."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=TAG_COM)
    tags = root.require(0x5C).value
    unknown = [t for t in tags if t not in _TAG_TO_DG]
    if unknown:
        raise ChipUnexpectedContentError("unknown tag in EF.COM tag list", tag=f"{unknown[0]:x}")
    return EfCom(
        lds_version=_text(root.require(0x5F01)),
        unicode_version=_text(root.require(0x5F36)),
        data_groups=tuple(_TAG_TO_DG[t] for t in tags),
    )


@dataclass(frozen=True, slots=True)
class Dg1:
    mrz_text: str
    lines: tuple[str, ...]
    mrz: MRZResult | None  # parsed fields, when a reference date was given


def parse_dg1(data: bytes, *, today: date | None = None, max_bytes: int = MAX_DG_BYTES) -> Dg1:
    """DG1 (9303-10 §4.7.1): the MRZ (tag 5F1F), split into 30/36/44-character lines."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=TAG_DG1)
    raw = root.require(0x5F1F).value
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ChipStructureError("MRZ in DG1 is not ASCII") from exc
    width = {90: 30, 72: 36, 88: 44}.get(len(text))
    if width is None:
        raise ChipUnexpectedContentError("MRZ in DG1 has an unexpected length", length=len(text))
    lines = tuple(text[i : i + width] for i in range(0, len(text), width))
    mrz = parse_mrz(list(lines), today=today) if today is not None else None
    return Dg1(mrz_text=text, lines=lines, mrz=mrz)


_DG11_FIELDS = {
    0x5F0E: "full_name", 0x5F0F: "other_name", 0x5F10: "personal_number",
    0x5F2B: "full_date_of_birth", 0x5F11: "place_of_birth", 0x5F42: "address",
    0x5F12: "telephone", 0x5F13: "profession", 0x5F14: "title",
    0x5F15: "personal_summary", 0x5F16: "proof_of_citizenship", 0x5F17: "other_td_numbers",
    0x5F18: "custody_information",
}  # fmt: skip
_DG12_FIELDS = {
    0x5F19: "issuing_authority", 0x5F26: "date_of_issue", 0x5F1A: "other_person",
    0x5F1B: "endorsements", 0x5F1C: "tax_exit_requirements", 0x5F1D: "image_front",
    0x5F1E: "image_rear", 0x5F55: "personalization_time", 0x5F56: "personalization_device",
}  # fmt: skip
_BINARY_FIELDS = {"proof_of_citizenship", "image_front", "image_rear"}


def _optional_details(
    data: bytes, tag: int, names: dict[int, str], max_bytes: int
) -> dict[str, Any]:
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=tag)
    out: dict[str, Any] = {}

    def visit(items: list[Tlv]) -> None:
        for item in items:
            if item.constructed:
                visit(item.children())
                continue
            name = names.get(item.tag)
            if name is None:
                continue
            value: Any = {"bytes": len(item.value)} if name in _BINARY_FIELDS else _text(item)
            if name in out:
                previous = out[name]
                out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                out[name] = value

    visit(root.children())
    return out


def parse_dg11(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> dict[str, Any]:
    """DG11 additional personal details (9303-10 §4.7.11), field name -> text."""
    return _optional_details(data, TAG_DG11, _DG11_FIELDS, max_bytes)


def parse_dg12(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> dict[str, Any]:
    """DG12 additional document details (9303-10 §4.7.12), field name -> text."""
    return _optional_details(data, TAG_DG12, _DG12_FIELDS, max_bytes)


def _find(items: list[Tlv], tag: int) -> Tlv | None:
    for item in items:
        if item.tag == tag:
            return item
        if item.constructed:
            found = _find(item.children(), tag)
            if found is not None:
                return found
    return None


def parse_dg12_date_of_issue(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> date | None:
    """DG12's date of issue (tag 5F26, 9303-10 §4.7.12): ``YYYYMMDD`` as 8 ASCII digits, or
    as 4 bytes of packed BCD as some older documents write it; None when DG12 has none.
    Anything else raises ``ChipUnexpectedContentError``."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=TAG_DG12)
    item = _find(root.children(), 0x5F26)
    if item is None:
        return None
    raw = item.value
    if len(raw) == 4:
        text = raw.hex()  # packed BCD: each nibble one digit
    elif len(raw) == 8 and raw.isascii():
        text = raw.decode("ascii")
    else:
        text = ""
    if len(text) != 8 or not text.isdigit():
        raise ChipUnexpectedContentError("DG12 date of issue is not YYYYMMDD")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise ChipUnexpectedContentError("DG12 date of issue is not a date") from exc


@dataclass(frozen=True, slots=True)
class Dg14:
    protocols: tuple[str, ...]
    aa_signature_algorithm: str | None  # OID from ActiveAuthenticationInfo, if any
    chip_authentication: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def evidence(self) -> dict[str, Any]:
        return {
            "protocols": list(self.protocols),
            "aa_signature_algorithm": self.aa_signature_algorithm,
            "chip_authentication_infos": list(self.chip_authentication),
        }


def parse_dg14(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> Dg14:
    """DG14 SecurityInfos (9303-11 §9.2): protocols, AA signature algorithm, CA infos."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=TAG_DG14)
    inner = root.value
    parse_tlv(inner, max_bytes=max_bytes, expected_tag=0x31)
    try:
        infos = SecurityInfos.load(inner)
        protocols: list[str] = []
        aa_algorithm = None
        chip_auth: list[dict[str, Any]] = []
        for info in infos:
            oid = info["protocol"].dotted
            protocols.append(oid)
            if oid == ID_ICAO_MRTD_SECURITY_AA_PROTOCOL:
                aa = ActiveAuthenticationInfo.load(info.dump())
                if aa["version"].native != 1:
                    raise ChipUnexpectedContentError("ActiveAuthenticationInfo version must be 1")
                aa_algorithm = aa["signature_algorithm"].dotted
            elif oid.startswith((ID_CA, ID_PK)):
                chip_auth.append({"protocol": oid, "kind": "ca" if oid.startswith(ID_CA) else "pk"})
            info["required_data"].native  # noqa: B018 - force parsing inside our error mapping
    except ChipDataError:
        raise
    except _PARSE_ERRORS as exc:
        raise ChipStructureError("malformed DG14 SecurityInfos") from exc
    return Dg14(tuple(protocols), aa_algorithm, tuple(chip_auth))


@dataclass(frozen=True, slots=True)
class Dg15:
    public_key: PublicKey
    spki_der: bytes

    def evidence(self) -> dict[str, Any]:
        return key_description(self.public_key)


def parse_dg15(data: bytes, *, max_bytes: int = MAX_DG_BYTES) -> Dg15:
    """DG15 Active Authentication public key (9303-11 §6.1): SubjectPublicKeyInfo, RSA or EC
    (explicit EC parameters are mapped to a named curve or refused)."""
    root = parse_tlv(data, max_bytes=max_bytes, expected_tag=TAG_DG15)
    spki_der = root.value
    parse_tlv(spki_der, max_bytes=max_bytes, expected_tag=0x30)
    # asn1crypto parses lazily: ``load`` reads only the header parse_tlv has checked, and
    # load_public_key maps every error of the parse that follows to ChipDataError
    key = load_public_key(keys.PublicKeyInfo.load(spki_der))
    return Dg15(public_key=key, spki_der=spki_der)
